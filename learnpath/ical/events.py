"""What a session says in a calendar: title, description, what to prepare, organiser.

Call these inside ``force_locale(reader.locale)``: the texts come out in the reader's language.
Sessions must come with their cohort, its organisation and facilitators loaded (see feeds.py).
"""

from __future__ import annotations

from flask_babel import gettext as _

from learnpath.assignments.services import assignments_of, slot_slugs
from learnpath.cohorts.models import Cohort, CohortSession
from learnpath.cohorts.tracks import track_of
from learnpath.content_registry import get_content
from learnpath.i18n import tx
from learnpath.ical.builder import EventData, Person
from learnpath.web.urls import external_url


def session_name(session: CohortSession) -> str:
    """The session's name (e.g. "Introductiesessie"), whatever the cohort's kind."""
    return track_of(session.cohort).session_name(session)


def session_title(session: CohortSession) -> str:
    """The event title: session name and cohort name."""
    return f"{session_name(session)} – {session.cohort.name}"


def assignments_to_prepare(cohort: Cohort, session_slug: str) -> list[str]:
    """Titles of the assignments due before this session, in the current language.

    These are the cohort's assignments given after the previous slot of its track plan
    (content field ``after_session``) that are due before the next session; the first session
    has none, and a reflection due days after its own meeting is not preparation. Once
    participants' assignment progress is stored, this is the place to leave out what someone
    has already handed in.
    """
    try:
        slugs = slot_slugs(cohort)
        assignments = assignments_of(cohort, get_content())
    except KeyError:  # content without this programme or series
        return []
    if session_slug not in slugs or slugs.index(session_slug) == 0:
        return []
    previous = slugs[slugs.index(session_slug) - 1]
    return [
        tx(assignment.title)
        for assignment in assignments
        if assignment.after_session == previous and assignment.due_days_after_session is None
    ]


def join_url(session: CohortSession) -> str:
    """The learnpath join URL, not the room: it leads to the current room in the join window
    (and explains otherwise), so a moved room needs no new invitation."""
    return external_url("live.join", session_id=session.id)


def description(session: CohortSession) -> str:
    """Plain-text DESCRIPTION: cancellation notice, meeting link, notes, what to prepare."""
    parts: list[str] = []
    if session.is_cancelled:
        parts.append(_("This session has been cancelled."))
    parts.append(_("Join online: %(url)s", url=join_url(session)))
    if session.notes:
        parts.append(session.notes)
    to_prepare = assignments_to_prepare(session.cohort, session.blueprint_slug)
    if to_prepare:
        lines = "\n".join(f"- {title}" for title in to_prepare)
        parts.append(_("To prepare:") + "\n" + lines)
    return "\n\n".join(parts)


def organizer(session: CohortSession) -> Person | None:
    """The session's first facilitator (facilitators are ordered by name)."""
    facilitators = session.cohort.facilitators
    if not facilitators:
        return None
    return Person(name=facilitators[0].name, email=facilitators[0].email)


def event_data(session: CohortSession, *, mark_cancelled: bool) -> EventData:
    """The session as calendar data; ``mark_cancelled`` prefixes a cancelled title (F13)."""
    summary = session_title(session)
    if mark_cancelled and session.is_cancelled:
        summary = _("Cancelled: ") + summary
    return EventData(
        uid=session.uid,
        sequence=session.sequence,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        zone=session.cohort.organisation.timezone,
        summary=summary,
        description=description(session),
        meeting_url=join_url(session),
        organizer=organizer(session),
        created_at=session.created_at,
        changed_at=session.changed_at,
        is_cancelled=session.is_cancelled,
    )
