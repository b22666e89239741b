"""Forms of the cohort pages: invitations and roster actions (the settings form is in
settings_form.py; ConfirmForm, a bare CSRF form, in learnpath.web.forms)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    EmailField,
    SelectField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from learnpath.cohorts.models import DropoutReason
from learnpath.web.forms import SingleLine


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=[SingleLine(), DataRequired(), Email(), Length(max=254)]
    )
    submit = SubmitField(_l("Invite"))


class InviteCsvForm(FlaskForm):
    file = FileField(
        _l("CSV file with one email address per row"),
        validators=[
            FileRequired(message=_l("Choose a file.")),
            FileAllowed(["csv", "txt"], _l("Upload a .csv file.")),
        ],
    )
    submit = SubmitField(_l("Upload and invite"))


class RemoveForm(FlaskForm):
    """Removal asks for a reason and has no default: a reason picked by accident would skew
    HR's drop-out figures."""

    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice("", _l("— choose a reason —"))]
        + [SelectChoice(r.value, r.label) for r in DropoutReason],
        default="",
        validators=[DataRequired(message=_l("Choose a reason."))],
    )
    submit = SubmitField(_l("Remove"))


class MoveForm(FlaskForm):
    target = SelectField(_l("Move to cohort"), coerce=int)
    submit = SubmitField(_l("Move"))
