"""Forms for signing in and account links."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from learnpath.web.forms import SingleLine


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=[SingleLine(), DataRequired(), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=[SingleLine(), DataRequired(), Email(), Length(max=254)]
    )
    submit = SubmitField(_l("Send reset link"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Save password"))


class SignOutEverywhereForm(FlaskForm):
    submit = SubmitField(_l("Sign out everywhere"))


class LanguageForm(FlaskForm):
    lang = SelectField(
        _l("Language"), choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]
    )
    submit = SubmitField(_l("Switch"))


class MailPreferencesForm(FlaskForm):
    session_reminders = BooleanField(_l("Reminders before my sessions (a day and an hour before)"))
    assignment_reminders = BooleanField(_l("Reminders about assignments that are due"))
    locale = SelectField(
        _l("Language of the emails and the site"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
    )
    submit = SubmitField(_l("Save preferences"))


class VisibilityForm(FlaskForm):
    """The personal "Privacy and visibility" settings (learnpath.accounts.visibility)."""

    first_name_only_elsewhere = BooleanField(
        _l("Show only my first name to people of other organisations")
    )
    discreet_calendar = BooleanField(
        _l(
            "Discreet calendar: neutral titles ('Appointment') in my calendar and in the "
            "subject lines of emails"
        )
    )
    submit = SubmitField(_l("Save settings"))
