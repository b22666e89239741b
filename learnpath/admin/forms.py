"""Forms for inviting users and setting their roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from learnpath.accounts import directory
from learnpath.web.forms import CheckboxesField, SingleLine, SingleLineField

ROLE_LABELS = directory.ROLE_LABELS


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class InviteUserForm(FlaskForm):
    name = SingleLineField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email address"), validators=[SingleLine(), DataRequired(), Email(), Length(max=254)]
    )
    department = SelectField(_l("Department"), coerce=int)
    manager = SelectField(_l("Manager"), coerce=int)
    roles = CheckboxesField(
        _l("Roles"),
        choices=_role_choices(),
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]
    )
    submit = SubmitField(_l("Send invitation"))


class UserRolesForm(FlaskForm):
    roles = CheckboxesField(
        _l("Roles"),
        choices=_role_choices(),
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )
    submit = SubmitField(_l("Save roles"))


class UserDetailsForm(FlaskForm):
    """Name, email address, department and manager of a user."""

    name = SingleLineField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email address"), validators=[SingleLine(), DataRequired(), Email(), Length(max=254)]
    )
    department = SelectField(_l("Department"), coerce=int)
    manager = SelectField(_l("Manager"), coerce=int)
    submit = SubmitField(_l("Save details"))


STATUS_LABELS = directory.STATUS_LABELS


class DepartmentForm(FlaskForm):
    name = SingleLineField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class DepartmentRemoveForm(FlaskForm):
    """Delete a department; its people move to ``into`` (0: no department)."""

    into = SelectField(_l("Move its people to"), coerce=int)
    submit = SubmitField(_l("Delete department"))


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "txt", "xlsx"], _l("Upload a .csv or .xlsx file.")),
        ],
    )
    invite = BooleanField(_l("Send new people an invitation"), default=True)
    submit = SubmitField(_l("Check the file"))


class ImportConfirmForm(FlaskForm):
    """The checked file's rows (signed by the preview), sent again to carry out the import."""

    rows = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import"))
