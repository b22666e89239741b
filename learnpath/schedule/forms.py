"""Forms for planning sessions, changing them, and attendance."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtf_translations
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SubmitField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import Length, Optional

from learnpath.web.forms import SingleLine


class SessionFields(Form):
    """One session: date and time in the organisation's zone, duration, link, notes.

    Validation of the values (past, order, gaps, hours, link) lives in the schedule service,
    so these fields only parse; a value that does not parse comes back as None.
    """

    class Meta:
        # A nested plain Form does not inherit Flask-WTF's translated messages; ask for them.
        def get_translations(self, form: Form) -> object:
            return wtf_translations

    blueprint_slug = HiddenField()
    day = DateField(_l("Date"), validators=[Optional()])
    start = TimeField(_l("Start time"), validators=[Optional()])
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[Optional()])
    meeting_url = URLField(_l("Meeting link"), validators=[SingleLine(), Length(max=500)])
    notes = TextAreaField(_l("Notes for participants"), validators=[Length(max=2000)])


class ScheduleForm(FlaskForm):
    sessions = FieldList(FormField(SessionFields))
    submit = SubmitField(_l("Save schedule"))


class SessionForm(FlaskForm):
    session = FormField(SessionFields)
    submit = SubmitField(_l("Save change"))
