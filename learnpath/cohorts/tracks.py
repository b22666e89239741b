"""Track kinds: what differs between the kinds of cohort that share one machinery.

Every cohort has a ``kind`` (a participant programme, a manager workshop series, an
intervision group). Enrolment, waitlist, scheduling, attendance, notices and calendars are
one implementation for all of them; they ask the cohort's track (``track_of(cohort)``) for the
few things that differ: who may take part, whether a place excludes places elsewhere, the
capacity bounds, which sessions the cohort meets in and what they are called, where members
see their sessions, and any extra admission rule.

The programme track lives here; learnpath.manager_tracks registers the manager track kinds
when its models are imported (the app factory imports every feature's models).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from learnpath.accounts.models import Role, User
from learnpath.cohorts.models import CohortKind
from learnpath.content import Text
from learnpath.content_registry import get_content
from learnpath.i18n import current_locale

if TYPE_CHECKING:
    from learnpath.cohorts.models import Cohort, CohortSession


@dataclass(frozen=True)
class Slot:
    """One session a cohort meets in: its slug, name and purpose from content, and duration."""

    slug: str
    name: Text | None
    purpose: Text | None
    duration_minutes: int


@dataclass(frozen=True)
class SessionPlan:
    """The sessions of a cohort as the schedule service needs them.

    ``slots`` are planned together once; an empty tuple means sessions are planned one at a
    time, for as long as the group meets (``next_slot``).
    """

    min_gap_days: int
    slots: tuple[Slot, ...]
    default_minutes: int = 90

    @property
    def is_open_ended(self) -> bool:
        return not self.slots

    def next_slot(self, existing: int) -> Slot:
        """The slot for one more session after ``existing`` sessions (open-ended plans)."""
        return Slot(f"meeting-{existing + 1}", None, None, self.default_minutes)


@dataclass(frozen=True)
class Wording:
    """How messages to members name their kind of track (subjects, and where they look)."""

    invited: LazyString
    enrolled: LazyString
    waitlisted: LazyString
    no_longer: LazyString
    scheduled: LazyString
    session_changed: LazyString
    session_cancelled: LazyString
    cancelled: LazyString
    #: Used inside sentences: "... on your programme page:".
    page: LazyString


PROGRAMME_WORDING = Wording(
    invited=_l("You are invited to a career programme"),
    enrolled=_l("You have a place in the career programme"),
    waitlisted=_l("You are on the waitlist of the career programme"),
    no_longer=_l("You are no longer signed up for the career programme"),
    scheduled=_l("The sessions of your career programme are planned"),
    session_changed=_l("A session of your career programme has changed"),
    session_cancelled=_l("A session of your career programme has been cancelled"),
    cancelled=_l("Your career programme has been cancelled"),
    page=_l("your programme page"),
)


class Track:
    """The programme track; subclasses override what differs for their kind."""

    kind = CohortKind.PROGRAMME
    #: The role a person needs to sign up or be invited.
    member_role = Role.PARTICIPANT
    wrong_role_message = _l("Only participants can sign up for a cohort.")
    #: A place here excludes an active place in any other cohort of an exclusive kind.
    exclusive = True
    min_capacity = 4
    max_capacity = 30
    #: Where members see their place and sessions (links in messages).
    home_endpoint = "cohorts.my_programme"
    #: Members get assignments between sessions (learnpath.assignments).
    has_assignments = True
    #: What happens in the group is for its members only: HR sees counts, not the group.
    is_confidential = False
    wording = PROGRAMME_WORDING

    def plan(self, cohort: Cohort) -> SessionPlan:
        """The programme's session blueprints, planned together."""
        programme = get_content().programme(cohort.programme_slug)
        slots = tuple(
            Slot(b.slug, b.name, b.purpose, b.duration_minutes) for b in programme.sessions
        )
        return SessionPlan(programme.min_gap_days, slots)

    def session_name(self, session: CohortSession) -> str:
        """The session's name in the current language, or its slug when content lacks it."""
        try:
            slots = self.plan(session.cohort).slots
        except KeyError:
            return session.blueprint_slug
        slot = next((s for s in slots if s.slug == session.blueprint_slug), None)
        if slot is None or slot.name is None:
            return self.unnamed_session(session)
        return slot.name.get(current_locale())

    def unnamed_session(self, session: CohortSession) -> str:
        return session.blueprint_slug

    @property
    def has_admission_rule(self) -> bool:
        """Whether this kind has a rule of its own (:meth:`admission_error`). Such a rule may
        read who is in the group, so it runs under the cohort's lock, and a sign-up cannot
        take the lock and decide in one round trip (learnpath.cohorts.locking)."""
        return type(self).admission_error is not Track.admission_error

    def admission_error(self, cohort: Cohort, user: User) -> str | None:
        """A message when ``user`` may not join ``cohort`` for a rule of this kind, else None."""
        return None

    def capacity_warning(self, capacity: int) -> str | None:
        """Advice (not a refusal) about a capacity inside the bounds, else None."""
        return None


_TRACKS: dict[CohortKind, Track] = {CohortKind.PROGRAMME: Track()}


def register(track: Track) -> None:
    """Make a track kind known (called once per kind at import time)."""
    _TRACKS[track.kind] = track


def track_of(cohort: Cohort) -> Track:
    """The track of a cohort's kind."""
    return for_kind(cohort.kind)


def for_kind(kind: CohortKind) -> Track:
    try:
        return _TRACKS[kind]
    except KeyError:  # pragma: no cover - a programming error, not user input
        raise LookupError(f"no track registered for cohort kind {kind!r}") from None


def exclusive_kinds() -> list[CohortKind]:
    return [kind for kind, track in _TRACKS.items() if track.exclusive]


def open_kinds_for_hr() -> list[CohortKind]:
    return [kind for kind, track in _TRACKS.items() if not track.is_confidential]


def kinds_for_role(role: Role) -> list[CohortKind]:
    return [kind for kind, track in _TRACKS.items() if track.member_role == role]
