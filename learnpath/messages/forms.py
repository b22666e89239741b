"""The message form: audience, subject (one line), body, and the token that makes a repeated
submit harmless."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from learnpath.messages.models import Audience, BodyFormat
from learnpath.messages.services import MAX_BODY, MAX_SUBJECT
from learnpath.web.forms import CheckboxesField, SingleLineField
from learnpath.web.inputs import parse_id

#: The form token: 32 hexadecimal characters, made when the form is first shown.
TOKEN = r"^[0-9a-f]{32}$"


class MessageForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(TOKEN)])
    audience = RadioField(
        _l("To"),
        choices=[SelectChoice(a.value, a.label) for a in Audience],
        validators=[InputRequired(message=_l("Choose who receives the message."))],
    )
    people = CheckboxesField(_l("Selected people"), coerce=parse_id, choices=[])
    subject = SingleLineField(
        _l("Subject"),
        validators=[DataRequired(message=_l("Enter a subject.")), Length(max=MAX_SUBJECT)],
    )
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(message=_l("Write a message.")), Length(max=MAX_BODY)],
    )
    body_format = RadioField(
        _l("Text format"),
        choices=[SelectChoice(f.value, f.label) for f in BodyFormat],
        default=BodyFormat.MARKDOWN.value,
        validators=[InputRequired()],
    )
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))
    edit = SubmitField(_l("Change the message"))

    def validate_people(self, field: CheckboxesField) -> None:
        if self.audience.data == Audience.SELECTED and not field.data:
            raise ValidationError(_l("Choose at least one person."))
