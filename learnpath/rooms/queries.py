"""Which link a session's participants use: the room made for it, or the manual link."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from learnpath.cohorts.models import CohortSession
from learnpath.extensions import db
from learnpath.rooms.models import MeetingRoom, Provider, RoomSettings


def room_of(session_id: int) -> MeetingRoom | None:
    return db.session.scalar(select(MeetingRoom).where(MeetingRoom.session_id == session_id))


def settings_of(organisation_id: int) -> RoomSettings | None:
    return db.session.scalar(
        select(RoomSettings).where(RoomSettings.organisation_id == organisation_id)
    )


def makes_rooms(organisation_id: int) -> bool:
    """The organisation has rooms made for its sessions (not the manual link only)."""
    settings = settings_of(organisation_id)
    return settings is not None and settings.provider != Provider.MANUAL


def join_urls(sessions: Iterable[CohortSession]) -> dict[int, str]:
    """Session id -> the link to send people to, in one query: the room when it is ready,
    otherwise the facilitator's own link (the fallback that always works)."""
    sessions = list(sessions)
    ids = [s.id for s in sessions]
    rooms = (
        {
            r.session_id: r
            for r in db.session.scalars(select(MeetingRoom).where(MeetingRoom.session_id.in_(ids)))
        }
        if ids
        else {}
    )
    result = {}
    for session in sessions:
        room = rooms.get(session.id)
        url = room.usable_url if room is not None else None
        result[session.id] = url or session.meeting_url
    return result


def join_url(session: CohortSession) -> str:
    return join_urls([session])[session.id]
