"""Forms of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SubmitField
from wtforms.validators import DataRequired, NumberRange, Optional

from learnpath.privacy.retention import MAX_MONTHS, MIN_MONTHS
from learnpath.web.forms import SingleLine


class EraseForm(FlaskForm):
    """Erasure cannot be undone, so the admin types the person's e-mail address to confirm."""

    confirm_email = EmailField(
        _l("Type the e-mail address of this person to confirm"),
        validators=[
            SingleLine(),
            DataRequired(message=_l("Type the e-mail address to confirm.")),
        ],
    )
    submit = SubmitField(_l("Erase personal data"))


class RetentionForm(FlaskForm):
    """Months after which finished trajectories are cleared; empty keeps them until erasure."""

    months = IntegerField(
        _l("Retention period in months"),
        validators=[
            Optional(),
            NumberRange(
                MIN_MONTHS, MAX_MONTHS, message=_l("Choose a number from %(min)s to %(max)s.")
            ),
        ],
    )
    submit = SubmitField(_l("Save retention period"))


class ErasureRequestForm(FlaskForm):
    """A person asks for erasure of their own data; they tick that they understand."""

    understood = BooleanField(
        _l(
            "I understand that my answers, action plans, notes and messages will be removed "
            "for good, and that my account will stop working."
        ),
        validators=[DataRequired(message=_l("Tick the box to confirm that you understand."))],
    )
    submit = SubmitField(_l("Ask for erasure"))
