"""Forms of the sign-up by work address and of the administrator's list of domains."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from learnpath.web.forms import SingleLine, SingleLineField


class SignupForm(FlaskForm):
    email = EmailField(
        _l("Work email address"),
        validators=[SingleLine(), DataRequired(), Email(), Length(max=254)],
    )
    name = SingleLineField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("Choose a password"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Create my account"))


class DomainForm(FlaskForm):
    domain = SingleLineField(_l("Email domain"), validators=[DataRequired(), Length(max=253)])
    submit = SubmitField(_l("Add domain"))


class RemoveDomainForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, people with this domain can no longer sign up by themselves."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Remove domain"))
