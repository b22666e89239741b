"""Forms of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired


class EraseForm(FlaskForm):
    """Erasure cannot be undone, so the admin types the person's e-mail address to confirm."""

    confirm_email = EmailField(
        _l("Type the e-mail address of this person to confirm"),
        validators=[DataRequired(message=_l("Type the e-mail address to confirm."))],
    )
    submit = SubmitField(_l("Erase personal data"))
