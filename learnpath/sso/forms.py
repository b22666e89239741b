"""Forms: the organisation's OpenID provider, security settings, and the login page's choice."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, Length, Optional

from learnpath.sso.models import MfaClaim
from learnpath.web.forms import SingleLine, SingleLineField

MFA_CLAIM_LABELS = {
    MfaClaim.AMR: _l("amr (authentication methods, e.g. Entra ID: mfa)"),
    MfaClaim.ACR: _l("acr (authentication context class)"),
    MfaClaim.NONE: _l("Never: always ask learnpath's own code"),
}


class ProviderForm(FlaskForm):
    issuer = SingleLineField(
        _l("Issuer URL"), validators=[DataRequired(), URL(require_tld=False), Length(max=500)]
    )
    client_id = SingleLineField(
        _l("Client ID (application ID)"), validators=[DataRequired(), Length(max=255)]
    )
    client_secret = PasswordField(
        _l("Client secret"), validators=[Optional(), SingleLine(), Length(max=500)]
    )
    allowed_domains = TextAreaField(
        _l("Email domains that may sign in"),
        validators=[DataRequired(message=_l("Enter at least one email domain.")), Length(max=5000)],
    )
    department_claim = SingleLineField(
        _l("Claim with the department (optional)"), validators=[Optional(), Length(max=100)]
    )
    mfa_claim = SelectField(
        _l("The provider's second factor counts when"),
        choices=[SelectChoice(k.value, v) for k, v in MFA_CLAIM_LABELS.items()],
    )
    mfa_values = SingleLineField(
        _l("Values that mean a second factor was used"),
        validators=[Optional(), Length(max=500)],
        default="mfa",
    )
    enabled = BooleanField(_l("Sign-in with this provider is on"), default=True)
    password_sign_in = BooleanField(_l("People may also sign in with a password"), default=True)
    submit = SubmitField(_l("Save sign-in settings"))


class SecurityForm(FlaskForm):
    mfa_for_facilitators = BooleanField(
        _l("Facilitators must use two-step verification (administrators and HR always must)")
    )
    submit = SubmitField(_l("Save security settings"))


class OrganisationEmailForm(FlaskForm):
    email = EmailField(
        _l("Work email address"),
        validators=[SingleLine(), DataRequired(), Email(), Length(max=254)],
    )
    submit = SubmitField(_l("Continue with my organisation"))
