"""Forms for manager track groups and intervision meetings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from learnpath.cohorts.forms import CohortForm
from learnpath.cohorts.models import CohortKind
from learnpath.manager_tracks.rotation import CASE_BRINGER, CHAIR, MINUTE_TAKER, TIMEKEEPER
from learnpath.manager_tracks.services import MAX_TEXT
from learnpath.web.forms import CheckboxesField

KIND_LABELS = {
    CohortKind.WORKSHOP: _l("Workshop group"),
    CohortKind.INTERVISION: _l("Intervision group"),
}

ROLE_LABELS = {
    CASE_BRINGER: _l("Case-bringer"),
    CHAIR: _l("Chair"),
    TIMEKEEPER: _l("Timekeeper"),
    MINUTE_TAKER: _l("Minute-taker"),
}


class GroupForm(CohortForm):
    """The cohort settings plus the kind, the workshop series and the first members."""

    kind = RadioField(
        _l("Kind of group"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        default=CohortKind.INTERVISION.value,
    )
    series = SelectField(_l("Workshop series"), validators=[Optional()])
    members = CheckboxesField(_l("Members (they receive an invitation)"), coerce=int)


def _optional_int(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


class MethodForm(FlaskForm):
    method = SelectField(_l("Method"))
    submit = SubmitField(_l("Choose method"))


class RolesForm(FlaskForm):
    case_bringer = SelectField(ROLE_LABELS[CASE_BRINGER], coerce=_optional_int)
    chair = SelectField(ROLE_LABELS[CHAIR], coerce=_optional_int)
    timekeeper = SelectField(ROLE_LABELS[TIMEKEEPER], coerce=_optional_int)
    minute_taker = SelectField(ROLE_LABELS[MINUTE_TAKER], coerce=_optional_int)
    submit = SubmitField(_l("Confirm roles"))


class WaiveForm(FlaskForm):
    waive = HiddenField()
    submit = SubmitField(_l("Save"))


class CaseForm(FlaskForm):
    description = TextAreaField(
        _l("Short description of your case"), validators=[Length(max=MAX_TEXT)]
    )
    submit = SubmitField(_l("Save case"))


class NotesForm(FlaskForm):
    notes = TextAreaField(_l("Notes of the meeting"), validators=[Length(max=MAX_TEXT)])
    submit = SubmitField(_l("Save notes"))
