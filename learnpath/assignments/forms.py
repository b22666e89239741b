"""Forms of the facilitator pages. The assignment and self-assessment forms are built from
content; ``answers.py`` and ``selfassessment.py`` read them (CSRF is checked app-wide)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from learnpath.assignments.services import FEEDBACK_TEXT_MAX, NOTE_MAX


class FeedbackForm(FlaskForm):
    text = TextAreaField(
        _l("Your feedback"),
        validators=[
            DataRequired(message=_l("Write your feedback.")),
            Length(max=FEEDBACK_TEXT_MAX),
        ],
    )


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("New note"),
        validators=[DataRequired(message=_l("Write a note.")), Length(max=NOTE_MAX)],
    )


class NoteEditForm(FlaskForm):
    text = TextAreaField(
        _l("Text of the note"),
        validators=[DataRequired(message=_l("Write a note.")), Length(max=NOTE_MAX)],
    )


class ExtensionForm(FlaskForm):
    assignment = SelectField(_l("Assignment"), validators=[InputRequired()])
    due_at = DateTimeLocalField(
        _l("New deadline"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Enter a date and time."))],
    )


class ShareForm(FlaskForm):
    """Only the CSRF token; the pressed button sends ``shared`` = "1" or "0"."""
