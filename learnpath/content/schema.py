"""Typed, immutable model of the programme content (competencies, programmes, assignments, ...).

The loader builds these objects from the TOML files under ``modules/`` and ``assignments/``;
``modules/README.md`` documents the file format field by field.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

#: Session kinds of a programme, in the order they usually follow each other.
#: The slug of the career programme (modules/programmes/loopbaantraject.toml) that participant
#: cohorts follow.
CAREER_PROGRAMME = "loopbaantraject"
SESSION_KINDS = ("intro", "deepdive", "action")
ASSIGNMENT_KINDS = ("regular", "action_plan")
COLUMN_TYPES = ("text", "choice")


class IntervisionRole(enum.StrEnum):
    """The roles that rotate within an intervision group, as content files (a method's
    ``roles``) and the database (``MeetingRole.role``) name them; people read the labels of
    learnpath.manager_tracks.forms.ROLE_LABELS."""

    CASE_BRINGER = "case_bringer"
    CHAIR = "chair"
    TIMEKEEPER = "timekeeper"
    MINUTE_TAKER = "minute_taker"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, named by file (relative to the root) and field path."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        if self.field:
            return f"{self.file}: {self.field}: {self.message}"
        return f"{self.file}: {self.message}"


class ContentError(Exception):
    """The content has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Text:
    """A user-facing text in Dutch and English."""

    nl: str
    en: str

    def get(self, locale: str) -> str:
        """Return the text for ``locale`` ("nl", "en", "en_GB", ...); Dutch is the fallback."""
        language = locale.replace("-", "_").split("_")[0].lower()
        return self.en if language == "en" else self.nl


@dataclass(frozen=True)
class Competency:
    slug: str
    name: Text
    question: Text
    description: Text
    order: int


@dataclass(frozen=True)
class AgendaItem:
    minutes: int
    title: Text


#: Kinds of a session evaluation's items: a 1-5 scale, or the one open question.
EVALUATION_KINDS = ("scale", "open")
#: The points of an evaluation scale item.
EVALUATION_SCALE = (1, 2, 3, 4, 5)
#: Minutes before a session starts that its join button appears, unless the programme says.
DEFAULT_JOIN_OPENS_MINUTES = 15


@dataclass(frozen=True)
class EvaluationItem:
    """One question of the short evaluation after a session (or workshop meeting)."""

    slug: str
    kind: str
    question: Text


@dataclass(frozen=True)
class SessionBlueprint:
    slug: str
    kind: str
    order: int
    name: Text
    purpose: Text
    duration_minutes: int
    competencies: tuple[str, ...]
    agenda: tuple[AgendaItem, ...]
    #: 3-5 items asked after the session (scale items and one open question); may be empty.
    evaluation: tuple[EvaluationItem, ...] = ()


@dataclass(frozen=True)
class Programme:
    slug: str
    name: Text
    description: Text
    #: Minimum number of days between two consecutive sessions, so the assignments fit in.
    min_gap_days: int
    sessions: tuple[SessionBlueprint, ...]
    #: Minutes before a session's start that participants may join.
    join_opens_minutes: int = DEFAULT_JOIN_OPENS_MINUTES
    #: The session blueprints a participant must have attended for a certificate of
    #: participation (content key ``certificate_sessions``; every session when left out).
    certificate_sessions: tuple[str, ...] = ()

    def session(self, slug: str) -> SessionBlueprint:
        """Return the session with ``slug``; KeyError if the programme has none."""
        for session in self.sessions:
            if session.slug == slug:
                return session
        raise KeyError(slug)

    def next_session(self, slug: str) -> SessionBlueprint | None:
        """Return the session after the one with ``slug``, or None after the last one."""
        order = self.session(slug).order
        return self.sessions[order] if order < len(self.sessions) else None


@dataclass(frozen=True)
class Material:
    """A workshop handout: a title and a Markdown body, opened on a page of its own."""

    slug: str
    title: Text
    #: Markdown; headings start at level 2 (the title is the page's heading), no raw HTML.
    body: Text


@dataclass(frozen=True)
class WorkshopMeeting:
    order: int
    name: Text
    purpose: Text
    duration_minutes: int
    agenda: tuple[AgendaItem, ...]
    materials: tuple[Material, ...]
    #: 3-5 items asked after the meeting (scale items and one open question); may be empty.
    evaluation: tuple[EvaluationItem, ...] = ()

    @property
    def slug(self) -> str:
        """The meeting's session slot (``meeting-1``, ...): what a cohort's sessions refer to."""
        return f"meeting-{self.order}"


@dataclass(frozen=True)
class WorkshopSeries:
    slug: str
    name: Text
    goal: Text
    meetings: tuple[WorkshopMeeting, ...]
    #: Minutes before a meeting's start that managers may join.
    join_opens_minutes: int = DEFAULT_JOIN_OPENS_MINUTES

    def material(self, slug: str) -> tuple[WorkshopMeeting, Material] | None:
        """The material with ``slug`` and the meeting it belongs to; None if there is none."""
        for meeting in self.meetings:
            for material in meeting.materials:
                if material.slug == slug:
                    return meeting, material
        return None


@dataclass(frozen=True)
class Phase:
    order: int
    name: Text
    minutes: int
    guidance: Text


@dataclass(frozen=True)
class IntervisionMethod:
    slug: str
    name: Text
    description: Text
    min_group_size: int
    max_group_size: int
    roles: tuple[IntervisionRole, ...]
    phases: tuple[Phase, ...]

    @property
    def total_minutes(self) -> int:
        return sum(phase.minutes for phase in self.phases)


@dataclass(frozen=True)
class Item:
    slug: str
    order: int
    text: Text
    reverse_scored: bool


@dataclass(frozen=True)
class Scale:
    competency: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Instrument:
    slug: str
    name: Text
    description: Text
    scale_min: int
    scale_max: int
    #: One label per scale point, from scale_min to scale_max.
    scale_labels: tuple[Text, ...]
    scales: tuple[Scale, ...]
    #: The follow-up measurement: open from this many months after the last session until
    #: that many (None: no follow-up).
    follow_up_months: tuple[int, int] | None = None


@dataclass(frozen=True)
class Option:
    slug: str
    label: Text


@dataclass(frozen=True)
class Column:
    slug: str
    label: Text
    type: str
    #: Only for type "choice".
    choices: tuple[Option, ...]


@dataclass(frozen=True, kw_only=True)
class Block:
    """A question block of an assignment; the subclasses add the fields of each type."""

    type: ClassVar[str]
    slug: str
    label: Text
    help: Text | None
    required: bool


@dataclass(frozen=True, kw_only=True)
class TextBlock(Block):
    type: ClassVar[str] = "text"
    min_length: int | None
    max_length: int | None


@dataclass(frozen=True, kw_only=True)
class ListBlock(Block):
    type: ClassVar[str] = "list"
    min_items: int
    max_items: int
    item_label: Text
    #: Each item gets an optional second field for an example or evidence.
    with_example: bool
    example_label: Text | None


@dataclass(frozen=True, kw_only=True)
class RatingBlock(Block):
    type: ClassVar[str] = "rating"
    scale_min: int
    scale_max: int
    low_label: Text
    high_label: Text
    #: Fixed rows to rate; empty when the participant writes the rows.
    rows: tuple[Text, ...]
    rows_from_participant: bool
    #: Only when rows_from_participant: the label of a row and how many rows to write.
    row_label: Text | None
    min_rows: int | None
    max_rows: int | None


@dataclass(frozen=True, kw_only=True)
class RankingBlock(Block):
    type: ClassVar[str] = "ranking"
    options: tuple[Option, ...]
    #: How many options the participant picks and puts in order.
    pick: int


@dataclass(frozen=True, kw_only=True)
class TableBlock(Block):
    type: ClassVar[str] = "table"
    columns: tuple[Column, ...]
    min_rows: int
    max_rows: int


@dataclass(frozen=True, kw_only=True)
class FeedbackRequestBlock(Block):
    type: ClassVar[str] = "feedback_request"
    min_people: int
    max_people: int
    #: The message shown to the colleague who answers through a one-time link.
    intro: Text
    questions: tuple[Text, ...]


@dataclass(frozen=True)
class Assignment:
    slug: str
    competency: str
    #: The slug of a programme, or of a workshop series (a reflection for managers).
    programme: str
    #: The assignment belongs to the interval that starts after this session (or meeting).
    after_session: str
    #: Exactly one of the two due rules is set: so many days before the next session starts,
    #: or so many days after ``after_session`` starts (also after the last session).
    due_days_before_next_session: int | None
    estimated_minutes: int
    title: Text
    #: Markdown.
    instructions: Text
    kind: str
    blocks: tuple[Block, ...]
    due_days_after_session: int | None = None

    @property
    def is_action_plan(self) -> bool:
        return self.kind == "action_plan"


@dataclass(frozen=True)
class Content:
    """All programme content of one version; the database refers to it by slug and version."""

    #: Hash of the content files; a cohort records the version it started with.
    version: str
    competencies: dict[str, Competency]
    programmes: dict[str, Programme]
    workshop_series: dict[str, WorkshopSeries]
    intervision_methods: dict[str, IntervisionMethod]
    instruments: dict[str, Instrument]
    assignments: dict[str, Assignment]

    def programme(self, slug: str) -> Programme:
        return self.programmes[slug]

    def session_slugs(self, slug: str) -> tuple[str, ...]:
        """The ordered session slugs of a programme or the meeting slots of a workshop series.

        KeyError if ``slug`` names neither.
        """
        if slug in self.programmes:
            return tuple(s.slug for s in self.programmes[slug].sessions)
        return tuple(m.slug for m in self.workshop_series[slug].meetings)

    def assignments_for(self, programme_slug: str) -> list[Assignment]:
        """Return the assignments of a programme (or workshop series) by interval, then slug."""
        slots = self.session_slugs(programme_slug)
        return sorted(
            (
                a
                for a in self.assignments.values()
                if a.programme == programme_slug and a.after_session in slots
            ),
            key=lambda a: (slots.index(a.after_session), a.slug),
        )
