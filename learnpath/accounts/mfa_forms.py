"""Forms of two-step verification (learnpath.accounts.mfa_views)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import DataRequired, Length

from learnpath.web.forms import SingleLineField


class CodeForm(FlaskForm):
    code = SingleLineField(
        _l("Code"),
        validators=[DataRequired(message=_l("Enter the code.")), Length(max=20)],
    )
    submit = SubmitField(_l("Confirm"))


class EnrolForm(FlaskForm):
    code = SingleLineField(
        _l("Code from the app"),
        validators=[DataRequired(message=_l("Enter the code.")), Length(max=20)],
    )
    submit = SubmitField(_l("Turn on two-step verification"))


class StartEnrolForm(FlaskForm):
    submit = SubmitField(_l("Set up two-step verification"))


class NewRecoveryCodesForm(FlaskForm):
    submit = SubmitField(_l("Make new recovery codes"))


class DisableForm(FlaskForm):
    submit = SubmitField(_l("Turn off two-step verification"))
