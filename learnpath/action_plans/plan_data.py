"""The plan document: its shape, its sections, its rules, and what a reader sees of it.

Stored shape (``ActionPlan.data`` and ``PlanVersion.data``)::

    {"career_question": str, "ambition": str,
     "insights": {competency slug: str},
     "goals": [{"description", "measurable", "achievable", "relevant": str,
                "target_date": "YYYY-MM-DD" | "", "horizon": "short" | "long",
                "category": goal category slug (outcomes.GOAL_CATEGORIES) | ""}],
     "actions": [{"what", "who", "result": str, "when": "YYYY-MM-DD" | ""}],
     "support": {"kinds": [support kind], "details": str},
     "topics": str, "follow_up_on": "YYYY-MM-DD" | ""}

``document()`` turns a plan into titled sections of paragraphs and tables; the web page, the
share preview, the manager's page, the PDF and the DOCX all render that same structure, so the
preview shows exactly what the manager (or an export) gets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from learnpath.action_plans.outcomes import GOAL_CATEGORIES

MAX_GOALS = 3
MAX_ACTIONS = 8
TEXT_MAX = 3000
SHORT_MAX = 500

#: Section keys in document order; shares and exports choose among these.
SECTIONS = ("question", "insights", "goals", "actions", "support", "topics", "follow_up")
SECTION_TITLES = {
    "question": _l("Career question and ambition"),
    "insights": _l("Insights per career competency"),
    "goals": _l("Goals"),
    "actions": _l("Actions"),
    "support": _l("Support I need"),
    "topics": _l("Topics for the conversation"),
    "follow_up": _l("Follow-up"),
}
SUPPORT_KINDS = {
    "time": _l("Time"),
    "budget": _l("Budget"),
    "training": _l("Training"),
    "coaching": _l("Coaching"),
    "job_rotation": _l("Job rotation"),
    "job_crafting": _l("Job crafting in the team"),
}
HORIZONS = {"short": _l("3–6 months"), "long": _l("1–3 years")}
GOAL_FIELDS = (
    "description",
    "measurable",
    "achievable",
    "relevant",
    "target_date",
    "horizon",
    "category",
)
ACTION_FIELDS = ("what", "who", "when", "result")

Errors = dict[str, str]


def empty() -> dict[str, Any]:
    """A new plan with nothing filled in."""
    return {
        "career_question": "",
        "ambition": "",
        "insights": {},
        "goals": [],
        "actions": [],
        "support": {"kinds": [], "details": ""},
        "topics": "",
        "follow_up_on": "",
    }


def _s(value: object) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else _s(value)


def _rows(rows: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> list[dict[str, str]]:
    """Trim every value and drop rows with nothing typed (a lone default horizon is nothing)."""
    result = []
    for row in rows:
        clean = {f: _iso(row.get(f)) for f in fields}
        if any(v for f, v in clean.items() if f != "horizon"):
            result.append(clean)
    return result


def normalise(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn form data (or anything of the stored shape) into the stored shape."""
    support = raw.get("support") or {}
    return {
        "career_question": _s(raw.get("career_question")),
        "ambition": _s(raw.get("ambition")),
        "insights": {k: _s(v) for k, v in (raw.get("insights") or {}).items() if _s(v)},
        "goals": _rows(raw.get("goals") or [], GOAL_FIELDS),
        "actions": _rows(raw.get("actions") or [], ACTION_FIELDS),
        "support": {
            "kinds": [k for k in support.get("kinds") or [] if k in SUPPORT_KINDS],
            "details": _s(support.get("details")),
        },
        "topics": _s(raw.get("topics")),
        "follow_up_on": _iso(raw.get("follow_up_on")),
    }


def _dates(data: Mapping[str, Any]) -> set[str]:
    found = {g.get("target_date", "") for g in data.get("goals") or []}
    found |= {a.get("when", "") for a in data.get("actions") or []}
    found.add(data.get("follow_up_on") or "")
    return found - {""}


def _check_date(value: str, today: date, earlier: set[str]) -> str | None:
    """A date may not be in the past, unless it was already in the plan (time moved on)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return _("Enter a date like 31-12-2030.")
    if day < today and value not in earlier:
        return _("Choose a date from today onwards.")
    return None


def _check_long(values: Mapping[str, str], limit: int, errors: Errors) -> None:
    for key, value in values.items():
        if len(value) > limit:
            errors[key] = _(
                "Use at most %(n)s characters (now %(count)s).", n=limit, count=len(value)
            )


def validate(
    data: Mapping[str, Any], previous: Mapping[str, Any], today: date, *, final: bool
) -> Errors:
    """Return field id -> message for every problem (ids as in the form, e.g. goals-0-description).

    ``previous`` is the stored plan; ``final`` when the participant finalises.
    """
    errors: Errors = {}
    earlier = _dates(previous)
    _check_long(
        {k: data[k] for k in ("career_question", "ambition", "topics")}
        | {f"insights-{k}": v for k, v in data["insights"].items()}
        | {"support_details": data["support"]["details"]},
        TEXT_MAX,
        errors,
    )
    goals = data["goals"]
    if len(goals) > MAX_GOALS:
        errors["goals"] = _(
            "Choose at most %(n)s goals (now %(count)s): clear the ones that matter least.",
            n=MAX_GOALS,
            count=len(goals),
        )
    for i, goal in enumerate(goals):
        if not goal["description"]:
            errors[f"goals-{i}-description"] = _("Describe the goal, or clear this goal's fields.")
        if goal["horizon"] not in HORIZONS:
            errors[f"goals-{i}-horizon"] = _("Choose a horizon.")
        if goal["category"] not in GOAL_CATEGORIES:
            errors[f"goals-{i}-category"] = _("Choose what kind of goal this is.")
        if message := _check_date(goal["target_date"], today, earlier):
            errors[f"goals-{i}-target_date"] = message
        _check_long({f"goals-{i}-{f}": goal[f] for f in GOAL_FIELDS[:4]}, SHORT_MAX, errors)
    if len(data["actions"]) > MAX_ACTIONS:
        errors["actions"] = _("Fill in at most %(n)s actions.", n=MAX_ACTIONS)
    for i, action in enumerate(data["actions"]):
        if not action["what"]:
            errors[f"actions-{i}-what"] = _("Say what you will do, or clear this action.")
        if message := _check_date(action["when"], today, earlier):
            errors[f"actions-{i}-when"] = message
        _check_long(
            {f"actions-{i}-{f}": action[f] for f in ("what", "who", "result")}, SHORT_MAX, errors
        )
    if message := _check_date(data["follow_up_on"], today, earlier):
        errors["follow_up_on"] = message
    if final:
        if not data["career_question"] and not data["ambition"]:
            errors["career_question"] = _("Write your career question or ambition.")
        if not goals:
            errors["goals"] = errors.get("goals") or _("Set at least one goal.")
    return errors


# --- what a reader sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    key: str
    title: str
    #: (label, text) pairs; label may be empty.
    paragraphs: list[tuple[str, str]] = field(default_factory=list)
    table: Table | None = None

    @property
    def is_empty(self) -> bool:
        return not self.paragraphs and not (self.table and self.table.rows)


def show_date(value: str) -> str:
    """A stored ISO date in the current language ("1 maart 2027"); as typed when unreadable."""
    try:
        return str(format_date(date.fromisoformat(value), "d MMMM y")) if value else ""
    except ValueError:
        return value


def category_label(slug: str) -> str:
    """The goal category in the reader's language; empty for plans from before categories."""
    label = GOAL_CATEGORIES.get(slug)
    return str(label) if label else ""


def _goal_when(goal: Mapping[str, str]) -> str:
    horizon = HORIZONS.get(goal.get("horizon", ""))
    parts = [show_date(goal.get("target_date", "")), str(horizon) if horizon else ""]
    return " · ".join(p for p in parts if p)


def _section(key: str, data: Mapping[str, Any], competencies: Mapping[str, str]) -> Section:
    section = Section(key, str(SECTION_TITLES[key]))
    if key == "question":
        section.paragraphs = [
            (_("Career question"), data.get("career_question", "")),
            (_("Ambition"), data.get("ambition", "")),
        ]
    elif key == "insights":
        insights = data.get("insights") or {}
        section.paragraphs = [(name, insights.get(slug, "")) for slug, name in competencies.items()]
    elif key == "goals":
        headers = [
            _("Goal"),
            _("Kind of goal"),
            _("Measurable"),
            _("Achievable"),
            _("Relevant"),
            _("By when"),
        ]
        rows = [
            [
                g["description"],
                category_label(g.get("category", "")),
                g["measurable"],
                g["achievable"],
                g["relevant"],
                _goal_when(g),
            ]
            for g in data.get("goals") or []
        ]
        section.table = Table(headers, rows)
    elif key == "actions":
        headers = [_("What"), _("Who"), _("By when"), _("Expected result")]
        rows = [
            [a["what"], a["who"], show_date(a["when"]), a["result"]]
            for a in data.get("actions") or []
        ]
        section.table = Table(headers, rows)
    elif key == "support":
        support = data.get("support") or {}
        kinds = ", ".join(str(SUPPORT_KINDS[k]) for k in support.get("kinds") or [])
        section.paragraphs = [
            (_("Kind of support"), kinds),
            (_("Details"), support.get("details", "")),
        ]
    elif key == "topics":
        section.paragraphs = [("", data.get("topics", ""))]
    elif key == "follow_up":
        section.paragraphs = [(_("Follow-up date"), show_date(data.get("follow_up_on", "")))]
    section.paragraphs = [(label, text) for label, text in section.paragraphs if text]
    return section


def document(
    data: Mapping[str, Any], sections: Iterable[str], competencies: Mapping[str, str]
) -> list[Section]:
    """The chosen sections of a plan, in document order, ready to render.

    ``competencies`` maps competency slug -> name in the reader's language, in programme order.
    """
    chosen = set(sections)
    return [_section(key, data, competencies) for key in SECTIONS if key in chosen]


@dataclass(frozen=True)
class Header:
    """What an export says above the sections."""

    title: str
    organisation: str
    participant: str
    #: e.g. "Version 2, finalised 3 March 2027" or "Draft of 3 March 2027".
    status_line: str
    #: Date of the export, in the reader's language.
    made_on: str
