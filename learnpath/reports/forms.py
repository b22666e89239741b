"""Forms of the reports: the organisation's anonymity threshold."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from learnpath.reports.anonymity import MAX_THRESHOLD, MIN_THRESHOLD


class ThresholdForm(FlaskForm):
    threshold = IntegerField(
        _l("Smallest group shown in reports"),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(
                MIN_THRESHOLD,
                MAX_THRESHOLD,
                message=_l("Choose a number from %(min)s to %(max)s."),
            ),
        ],
    )
    submit = SubmitField(_l("Save"))
