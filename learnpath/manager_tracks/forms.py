"""Forms for manager track groups and intervision meetings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from learnpath.cohorts.models import CohortKind
from learnpath.cohorts.settings_form import CohortForm
from learnpath.content.schema import IntervisionRole
from learnpath.manager_tracks.services import MAX_TEXT
from learnpath.web.forms import CheckboxesField

KIND_LABELS = {
    CohortKind.WORKSHOP: _l("Workshop group"),
    CohortKind.INTERVISION: _l("Intervision group"),
}

#: The one set of words for the intervision roles (content has no translations of its own;
#: a test checks that every IntervisionRole has a label here).
ROLE_LABELS = {
    IntervisionRole.CASE_BRINGER: _l("Case-bringer"),
    IntervisionRole.CHAIR: _l("Chair"),
    IntervisionRole.TIMEKEEPER: _l("Timekeeper"),
    IntervisionRole.MINUTE_TAKER: _l("Minute-taker"),
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
    # One field per role, named by its value (views address them with getattr(form, role)).
    case_bringer = SelectField(ROLE_LABELS[IntervisionRole.CASE_BRINGER], coerce=_optional_int)
    chair = SelectField(ROLE_LABELS[IntervisionRole.CHAIR], coerce=_optional_int)
    timekeeper = SelectField(ROLE_LABELS[IntervisionRole.TIMEKEEPER], coerce=_optional_int)
    minute_taker = SelectField(ROLE_LABELS[IntervisionRole.MINUTE_TAKER], coerce=_optional_int)
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
