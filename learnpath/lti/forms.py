"""Forms: platform registrations, binding a link to a cohort, roster import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional

from learnpath.lti.models import AdminRoleMapping
from learnpath.web.forms import SingleLineField

ADMIN_ROLE_LABELS = {
    AdminRoleMapping.NONE: _l("No extra role"),
    AdminRoleMapping.HR: _l("HR"),
    AdminRoleMapping.ADMIN: _l("Administrator"),
}


def _url_field(label: object) -> SingleLineField:
    return SingleLineField(
        label, validators=[DataRequired(), URL(require_tld=False), Length(max=500)]
    )


class RegistrationForm(FlaskForm):
    name = SingleLineField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    issuer = SingleLineField(
        _l("Issuer (platform ID)"), validators=[DataRequired(), Length(max=255)]
    )
    client_id = SingleLineField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    deployment_ids = TextAreaField(
        _l("Deployment IDs"),
        validators=[DataRequired(message=_l("Enter at least one deployment ID."))],
    )
    auth_login_url = _url_field(_l("Authentication request URL"))
    auth_token_url = _url_field(_l("Access token URL"))
    key_set_url = _url_field(_l("Public keyset URL"))
    auth_audience = SingleLineField(
        _l("Token audience (only if the platform asks for one)"),
        validators=[Optional(), Length(max=500)],
    )
    admin_role = SelectField(
        _l("Platform administrators become"),
        choices=[SelectChoice(k.value, v) for k, v in ADMIN_ROLE_LABELS.items()],
    )
    link_by_email = BooleanField(
        _l("Offer to link existing accounts by email address"),
        description=_l(
            "When a platform user's email address belongs to an existing learnpath account, "
            "learnpath asks them to sign in once as that account to link it; it never links "
            "by email on its own. Off: such a launch is refused. Switch this on only if the "
            "platform's email addresses are verified."
        ),
    )
    submit = SubmitField(_l("Save registration"))


class BindForm(FlaskForm):
    cohort = SelectField(_l("Cohort"), coerce=int)
    submit = SubmitField(_l("Bind link to this cohort"))


class DeepLinkForm(FlaskForm):
    cohort = SelectField(_l("Cohort"), coerce=int)
    submit = SubmitField(_l("Add link to the course"))


class ConfirmLinkForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Sign in and link"))


class ActionForm(FlaskForm):
    """A button that only needs CSRF protection."""
