"""Forms for inviting users and setting their roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length

from learnpath.accounts.models import Role
from learnpath.web.forms import CheckboxesField, SingleLine, SingleLineField

ROLE_LABELS = {
    Role.PARTICIPANT: _l("Participant"),
    Role.FACILITATOR: _l("Facilitator"),
    Role.MANAGER: _l("Manager"),
    Role.HR: _l("HR"),
    Role.ADMIN: _l("Administrator"),
}


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


class PartnershipDecisionForm(FlaskForm):
    """Give or withdraw the own organisation's consent to a partnership."""

    decision = HiddenField(validators=[AnyOf(["consent", "withdraw"])])
