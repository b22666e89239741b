"""Forms to copy a cohort, save it as a template, and start a cohort from a template."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from learnpath.cohorts.settings_form import CohortForm
from learnpath.web.forms import SingleLineField


class CopyForm(CohortForm):
    """The cohort settings (filled in from the source) and the new first session's date."""

    first_day = DateField(_l("Date of the first session"), validators=[Optional()])
    submit = SubmitField(_l("Create the copy"))


class TemplateForm(FlaskForm):
    name = SingleLineField(_l("Name of the template"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Save as template"))
