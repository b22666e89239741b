"""Forms of the action plan pages. The builder form reads into the plan's stored shape
(``plan_form_data`` / ``plan_from_form``); the rules themselves live in ``plan_data.validate``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from learnpath.action_plans import plan_data
from learnpath.action_plans.outcomes import ACHIEVEMENTS, GOAL_CATEGORIES, RESULTS
from learnpath.action_plans.services import (
    AGREEMENTS_MAX,
    LOCATION_MAX,
    MANAGER_NOTES_MAX,
    MAX_PROPOSALS,
)
from learnpath.web.forms import SingleLineField

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]


def _choices(labels: Mapping[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _date(label: object) -> DateField:
    return DateField(
        label, format=DATE_FORMATS, validators=[Optional()], render_kw={"autocomplete": "off"}
    )


#: The limits plan_data checks, shown with a counter while typing (static/counter.js).
_LONG = {"data-max-length": plan_data.TEXT_MAX}
_SHORT = {"data-max-length": plan_data.SHORT_MAX}


class GoalForm(Form):
    description = TextAreaField(_l("Goal: what do you want to achieve?"), render_kw=_SHORT)
    category = SelectField(
        _l("What kind of goal is this?"),
        choices=[SelectChoice("", _l("Choose…")), *_choices(GOAL_CATEGORIES)],
        default="",
        validators=[Optional()],
        # plan_data.validate checks the choice (with a message in the user's language).
        validate_choice=False,
    )
    measurable = SingleLineField(
        _l("Measurable: how will you know you got there?"), render_kw=_SHORT
    )
    achievable = SingleLineField(_l("Achievable: what makes it feasible?"), render_kw=_SHORT)
    relevant = SingleLineField(_l("Relevant: why does it matter to you?"), render_kw=_SHORT)
    target_date = _date(_l("By when"))
    horizon = RadioField(
        _l("Horizon"),
        choices=_choices(plan_data.HORIZONS),
        default="short",
        validators=[Optional()],
    )


class ActionForm(Form):
    what = SingleLineField(_l("What"))
    who = SingleLineField(_l("Who"))
    when = _date(_l("By when"))
    result = SingleLineField(_l("Expected result"))


class PlanForm(FlaskForm):
    career_question = TextAreaField(_l("Your career question"), render_kw=_LONG)
    ambition = TextAreaField(_l("Your ambition"), render_kw=_LONG)
    goals = FieldList(FormField(GoalForm), min_entries=plan_data.MAX_GOALS)
    actions = FieldList(FormField(ActionForm), min_entries=3)
    support_kinds = MultiCheckboxField(
        _l("What support do you need?"), choices=_choices(plan_data.SUPPORT_KINDS)
    )
    support_details = TextAreaField(_l("Explain the support you need"), render_kw=_LONG)
    topics = TextAreaField(_l("Topics you want to discuss with your manager"), render_kw=_LONG)
    follow_up_on = _date(_l("Follow-up date"))
    save = SubmitField(_l("Save draft"))
    finalise = SubmitField(_l("Save and finalise"))


def plan_form_class(competencies: Mapping[str, str]) -> type[PlanForm]:
    """The builder form with one insights field per competency (labels in the reader's language)."""
    fields = {slug: TextAreaField(name, render_kw=_LONG) for slug, name in competencies.items()}
    insights = type("InsightsForm", (Form,), fields)
    return type("BuilderForm", (PlanForm,), {"insights": FormField(insights)})


def _as_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def plan_form_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored plan -> the builder form's data."""
    support = data.get("support") or {}
    return {
        "career_question": data.get("career_question", ""),
        "ambition": data.get("ambition", ""),
        "insights": dict(data.get("insights") or {}),
        "goals": [
            {"category": ""} | g | {"target_date": _as_date(g.get("target_date", ""))}
            for g in data.get("goals") or []
        ],
        "actions": [a | {"when": _as_date(a.get("when", ""))} for a in data.get("actions") or []],
        "support_kinds": list(support.get("kinds") or []),
        "support_details": support.get("details", ""),
        "topics": data.get("topics", ""),
        "follow_up_on": _as_date(data.get("follow_up_on", "")),
    }


def plan_from_form(form: PlanForm) -> dict[str, Any]:
    """The builder form's input -> the plan's stored shape (to be normalised and validated)."""
    return {
        "career_question": form.career_question.data,
        "ambition": form.ambition.data,
        "insights": form.insights.data,
        "goals": form.goals.data,
        "actions": form.actions.data,
        "support": {"kinds": form.support_kinds.data, "details": form.support_details.data},
        "topics": form.topics.data,
        "follow_up_on": form.follow_up_on.data,
    }


def section_choices() -> list[SelectChoice]:
    return [SelectChoice(key, plan_data.SECTION_TITLES[key]) for key in plan_data.SECTIONS]


class ShareForm(FlaskForm):
    manager = SelectField(_l("Manager"), coerce=int, validators=[InputRequired()])
    sections = MultiCheckboxField(_l("Sections to share"), choices=section_choices())
    preview = SubmitField(_l("Preview what your manager will see"))
    share = SubmitField(_l("Share"))


class SectionsForm(FlaskForm):
    sections = MultiCheckboxField(_l("Shared sections"), choices=section_choices())


class ExportForm(FlaskForm):
    """A GET form (no state changes): which sections and which format."""

    class Meta:
        csrf = False

    sections = MultiCheckboxField(_l("Sections"), choices=section_choices())
    format = RadioField(
        _l("Format"),
        choices=[SelectChoice("pdf", "PDF"), SelectChoice("docx", _l("Word (DOCX)"))],
        default="pdf",
    )


class ButtonForm(FlaskForm):
    """Only the CSRF token, for one-button actions."""


class ProposeForm(FlaskForm):
    times = FieldList(
        DateTimeLocalField(_l("Proposed time"), format="%Y-%m-%dT%H:%M", validators=[Optional()]),
        min_entries=MAX_PROPOSALS,
        max_entries=MAX_PROPOSALS,
    )
    duration = SelectField(
        _l("Duration"),
        coerce=int,
        choices=[
            SelectChoice(45, _l("45 minutes")),
            SelectChoice(60, _l("1 hour")),
            SelectChoice(90, _l("1.5 hours")),
        ],
        default=60,
    )
    location = SingleLineField(
        _l("Place or online-meeting link"),
        validators=[Optional(), Length(max=LOCATION_MAX)],
        description=_l("For example a meeting room, or the link of a Teams or Jitsi meeting."),
    )


class AcceptForm(FlaskForm):
    proposal = RadioField(
        _l("Choose a time"), coerce=int, validators=[InputRequired(message=_l("Choose a time."))]
    )


class ChecklistForm(FlaskForm):
    items = MultiCheckboxField(_l("Preparation"))


class NotesForm(FlaskForm):
    notes = TextAreaField(
        _l("Your private preparation notes"), validators=[Length(max=MANAGER_NOTES_MAX)]
    )


class OutcomeForm(FlaskForm):
    agreements = TextAreaField(
        _l("Agreements: who does what, when, with which support"),
        validators=[Length(max=AGREEMENTS_MAX)],
    )
    follow_up_on = _date(_l("Follow-up date"))
    discussed = BooleanField(_l("The conversation has taken place"))


class GoalOutcomeForm(Form):
    # Choices are checked by services.record_follow_up (one message per goal, in Dutch).
    achievement = RadioField(
        _l("How far did you get?"), choices=_choices(ACHIEVEMENTS), validate_choice=False
    )
    #: Always posted, so every goal keeps its index when a choice is left open.
    goal = HiddenField(default="1")


class FollowUpForm(FlaskForm):
    """The participant's look back: each goal of the final version, and the overall result."""

    result = RadioField(
        _l("Where do you stand now?"), choices=_choices(RESULTS), validate_choice=False
    )


def follow_up_form(goal_count: int, data: Mapping[str, Any] | None = None) -> FollowUpForm:
    """The follow-up form with one entry per goal (from the request, or from ``data``)."""
    goals = FieldList(FormField(GoalOutcomeForm), min_entries=goal_count, max_entries=goal_count)
    form_class = type("FollowUpGoalsForm", (FollowUpForm,), {"goals": goals})
    if data is not None:
        return form_class(formdata=None, data=data)
    return form_class()


def follow_up_values(form: FollowUpForm, goal_count: int) -> list[str]:
    """The chosen achievement per goal position ("" when none), read by field name."""
    entries = {entry.name: entry for entry in form.goals.entries}
    return [
        str(entries[f"goals-{i}"].form.achievement.data or "") if f"goals-{i}" in entries else ""
        for i in range(goal_count)
    ]
