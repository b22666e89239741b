"""Forms of the materials page: a file, a link, and the confirmation of a removal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from learnpath.materials.models import Visibility
from learnpath.web.forms import SingleLineField


def _visibility() -> SelectField:
    return SelectField(
        _l("Participants see it"),
        choices=[SelectChoice(v.value, v.label) for v in Visibility],
        default=Visibility.BEFORE.value,
    )


class FileMaterialForm(FlaskForm):
    title = SingleLineField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
    visibility = _visibility()
    submit = SubmitField(_l("Upload file"))


class LinkMaterialForm(FlaskForm):
    title = SingleLineField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    url = SingleLineField(_l("Link (https://)"), validators=[DataRequired(), Length(max=1000)])
    visibility = _visibility()
    submit = SubmitField(_l("Add link"))
