"""Rooms made for sessions: the organisation's settings, and the work queued per session.

When a session is planned, moved or cancelled (schedule.signals.sessions_changed, see
rooms/receivers.py) the session's ``MeetingRoom`` gets the action still to do. Jitsi needs no
call, so its room is made at once; a Teams meeting is made by the retry job
(rooms/tasks.py), which tries again with growing pauses when Microsoft fails, until the
session has ended. Until a room is ready, and whenever it is not, participants use the
session's own link (rooms.queries.join_urls): the manual link is always the fallback.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from learnpath.accounts.models import Organisation
from learnpath.cohorts.filters import session_name
from learnpath.cohorts.models import Cohort, CohortSession
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.rooms.models import MeetingRoom, Provider, RoomAction, RoomSettings, RoomStatus
from learnpath.rooms.providers import Made, ProviderFailed, RoomProvider, provider_for
from learnpath.rooms.queries import settings_of
from learnpath.web.forms import single_line_error

log = logging.getLogger(__name__)

#: Pauses after the 1st, 2nd, ... failed attempt (the last one repeats).
BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3))
#: How long a job holds the rooms it claimed before another may take them.
CLAIM = timedelta(minutes=10)
#: A cancellation is given up after this many attempts (the session is over anyway).
MAX_CANCEL_ATTEMPTS = 10
BATCH = 50


class RoomError(Refusal):
    """Room settings that cannot be saved; the message is safe to show."""


# -- the app registration's secret, at rest ---------------------------------------------------


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hashlib.sha256(b"learnpath-rooms-graph:" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def client_secret(settings: RoomSettings) -> str | None:
    if not settings.teams_secret_encrypted:
        return None
    try:
        return _fernet().decrypt(settings.teams_secret_encrypted.encode()).decode()
    except InvalidToken:
        return None


# -- settings (admin) ------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsData:
    provider: Provider
    jitsi_url: str = ""
    teams_tenant_id: str = ""
    teams_client_id: str = ""
    #: None or empty: keep the stored secret.
    teams_client_secret: str | None = None
    teams_organizer: str = ""


def _https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and "." in (parts.hostname or "")


def save_settings(
    organisation: Organisation, data: SettingsData, current: RoomSettings | None
) -> RoomSettings:
    errors: dict[str, str] = {}
    values = {
        "jitsi_url": data.jitsi_url.strip(),
        "teams_tenant_id": data.teams_tenant_id.strip(),
        "teams_client_id": data.teams_client_id.strip(),
        "teams_organizer": data.teams_organizer.strip(),
    }
    for name, value in values.items():
        problem = single_line_error(value)
        if problem:
            errors[name] = problem
    if data.provider == Provider.JITSI and values["jitsi_url"] and not _https(values["jitsi_url"]):
        errors["jitsi_url"] = str(_l("Enter the Jitsi server as a full https:// address."))
    if data.provider == Provider.TEAMS:
        for name in ("teams_tenant_id", "teams_client_id", "teams_organizer"):
            if not values[name]:
                errors.setdefault(name, str(_l("Microsoft Teams needs this value.")))
        has_secret = bool(data.teams_client_secret) or bool(
            current is not None and current.teams_secret_encrypted
        )
        if not has_secret:
            errors["teams_client_secret"] = str(_l("Enter the client secret."))
    if errors:
        raise RoomError(_l("The meeting room settings are not valid."), errors)
    settings = current or RoomSettings(organisation_id=organisation.id)
    settings.provider = data.provider
    settings.jitsi_url = values["jitsi_url"] or None
    settings.teams_tenant_id = values["teams_tenant_id"] or None
    settings.teams_client_id = values["teams_client_id"] or None
    settings.teams_organizer = values["teams_organizer"] or None
    if data.teams_client_secret:
        settings.teams_secret_encrypted = encrypt_secret(data.teams_client_secret)
    db.session.add(settings)
    db.session.flush()
    return settings


# -- what a session's change asks of its room ------------------------------------------------


def request_rooms(cohort: Cohort, sessions: Iterable[CohortSession], change: str) -> None:
    """Queue the work of planned (``new``), moved (``updated``) or cancelled sessions."""
    settings = settings_of(cohort.organisation_id)
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
    now = utcnow()
    touched = []
    for session in sessions:
        room = rooms.get(session.id)
        if change == "cancelled":
            if room is None or room.status == RoomStatus.CANCELLED:
                continue
            if room.external_id is None:
                _settle(room, RoomStatus.CANCELLED)
                continue
            room.pending_action = RoomAction.CANCEL
        else:
            if settings is None or settings.provider == Provider.MANUAL:
                continue
            if room is None or room.provider != settings.provider:
                # A new session, or the organisation changed provider: a room at the new one.
                # (A Teams meeting made before such a change is left at Microsoft, unused.)
                room = room or MeetingRoom(session_id=session.id)
                room.provider = settings.provider
                room.status = RoomStatus.PENDING
                room.external_id = None
                room.join_url = None
                room.pending_action = RoomAction.CREATE
                db.session.add(room)
            elif room.pending_action == RoomAction.CREATE or room.external_id is None:
                room.status = RoomStatus.PENDING
                room.pending_action = RoomAction.CREATE
            else:
                room.pending_action = RoomAction.UPDATE
        room.attempts = 0
        room.last_error = None
        room.next_attempt_at = now
        touched.append(room)
    db.session.flush()
    # Jitsi needs no call: its rooms are there at once, in the sender's unit of work.
    if settings is not None and settings.provider == Provider.JITSI:
        adapter = provider_for(settings, None)
        for room in touched:
            if room.provider == Provider.JITSI:
                process(room, room.session, adapter, now)


def _settle(room: MeetingRoom, status: RoomStatus) -> None:
    room.status = status
    room.pending_action = None
    room.attempts = 0
    room.next_attempt_at = None
    room.last_error = None


def subject_of(session: CohortSession) -> str:
    return f"{session.cohort.name}: {session_name(session)}"


def process(
    room: MeetingRoom,
    session: CohortSession,
    adapter: RoomProvider | None,
    now: datetime,
    *,
    recheck: bool = False,
) -> bool:
    """Do the room's pending action; return whether it succeeded (failures are recorded).

    ``recheck`` (the retry job, which calls the provider outside any lock): after the call the
    row is locked and read again; when the session changed meanwhile (the receiver touched
    the room), the result is kept and the newer work stays queued instead of being settled.
    """
    action = room.pending_action
    if action is None:
        return True
    seen = room.updated_at
    made: Made | None = None
    try:
        if adapter is None:
            raise ProviderFailed(
                _l("The organisation no longer makes rooms with this provider."), retry=False
            )
        if action == RoomAction.CANCEL:
            if room.external_id:
                adapter.cancel(room.external_id)
        elif action == RoomAction.CREATE or room.external_id is None:
            made = adapter.create(session, subject_of(session))
        else:
            made = adapter.update(session, subject_of(session), room.external_id)
    except ProviderFailed as exc:
        if recheck:
            _reread(room)
        if not recheck or room.updated_at == seen:
            _failed(room, session, str(exc), exc.retry, now)
        db.session.flush()
        return False
    if recheck:
        _reread(room)
    if made is not None:
        room.external_id, room.join_url = made.external_id, made.join_url
    if recheck and room.updated_at != seen:
        # Changed while we were at the provider: do the newer work next (a move after a
        # create becomes an update of the meeting just made).
        if room.pending_action == RoomAction.CREATE and room.external_id:
            room.pending_action = RoomAction.UPDATE
        elif room.status == RoomStatus.CANCELLED and made is not None:
            room.pending_action = RoomAction.CANCEL  # cancelled while being made: delete it
        room.next_attempt_at = now
    else:
        _settle(room, RoomStatus.CANCELLED if action == RoomAction.CANCEL else RoomStatus.READY)
    db.session.flush()
    return True


def _reread(room: MeetingRoom) -> None:
    """Lock the room's row and read it again (what changed while the provider was called)."""
    db.session.execute(select(MeetingRoom.id).where(MeetingRoom.id == room.id).with_for_update())
    db.session.refresh(room)


def _failed(
    room: MeetingRoom, session: CohortSession, message: str, retry: bool, now: datetime
) -> None:
    room.attempts += 1
    room.last_error = message[:500]
    over = (
        session.ends_at <= now
        if room.pending_action != RoomAction.CANCEL
        else (room.attempts >= MAX_CANCEL_ATTEMPTS)
    )
    if not retry or over:
        if room.pending_action == RoomAction.CANCEL:
            room.status = RoomStatus.CANCELLED
        elif room.external_id is None:
            room.status = RoomStatus.FAILED
        room.pending_action = None
        room.next_attempt_at = None
        log.warning("room %s given up: %s", room.id, message)
        return
    if room.external_id is None:
        room.status = RoomStatus.PENDING
    room.next_attempt_at = now + BACKOFF[min(room.attempts, len(BACKOFF)) - 1]
    log.info("room %s failed (attempt %s): %s", room.id, room.attempts, message)


def retry_now(room: MeetingRoom) -> None:
    """The facilitator's "try again now": the job takes the room at its next run."""
    if room.pending_action is None and room.status == RoomStatus.FAILED:
        room.pending_action = RoomAction.CREATE
    room.next_attempt_at = utcnow()
    room.attempts = 0
    db.session.flush()


# -- the retry job -------------------------------------------------------------------------


def claim_due(now: datetime, limit: int = BATCH) -> list[int]:
    """Claim up to ``limit`` rooms whose work is due (one statement each to find and claim),
    so that a second scheduler skips them; the caller commits the claim."""
    due = or_(MeetingRoom.next_attempt_at.is_(None), MeetingRoom.next_attempt_at <= now)
    ids = list(
        db.session.scalars(
            select(MeetingRoom.id)
            .where(MeetingRoom.pending_action.is_not(None), due)
            .order_by(MeetingRoom.next_attempt_at, MeetingRoom.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    db.session.execute(
        update(MeetingRoom)
        .where(MeetingRoom.id.in_(ids), MeetingRoom.pending_action.is_not(None), due)
        .values(next_attempt_at=now + CLAIM)
        .execution_options(synchronize_session=False)
    )
    return ids


def rooms_with_sessions(ids: list[int]) -> list[MeetingRoom]:
    return list(
        db.session.scalars(
            select(MeetingRoom)
            .where(MeetingRoom.id.in_(ids))
            .options(joinedload(MeetingRoom.session).joinedload(CohortSession.cohort))
            .order_by(MeetingRoom.id)
        ).unique()
    )


def adapters_for(organisation_ids: Iterable[int]) -> Mapping[int, RoomProvider | None]:
    """Organisation id -> its adapter (one query for all settings); None when it has none."""
    ids = set(organisation_ids)
    found: dict[int, RoomProvider | None] = dict.fromkeys(ids)
    if not ids:
        return found
    for settings in db.session.scalars(
        select(RoomSettings).where(RoomSettings.organisation_id.in_(ids))
    ):
        try:
            found[settings.organisation_id] = provider_for(settings, client_secret(settings))
        except ProviderFailed:
            found[settings.organisation_id] = _Broken(settings)
    return found


class _Broken:
    """Settings that cannot work (e.g. the secret no longer decrypts): every call fails."""

    def __init__(self, settings: RoomSettings) -> None:
        self.message = str(
            _l(
                "The meeting room settings of your organisation must be saved again by an administrator."
            )
        )

    def create(self, session: CohortSession, subject: str) -> Made:
        raise ProviderFailed(self.message, retry=False)

    def update(self, session: CohortSession, subject: str, external_id: str) -> Made | None:
        raise ProviderFailed(self.message, retry=False)

    def cancel(self, external_id: str) -> None:
        raise ProviderFailed(self.message, retry=False)


def open_problems(organisation_id: int) -> list[MeetingRoom]:
    """Rooms of the organisation that failed or are still being retried (admin overview)."""
    return list(
        db.session.scalars(
            select(MeetingRoom)
            .join(CohortSession, CohortSession.id == MeetingRoom.session_id)
            .join(Cohort, Cohort.id == CohortSession.cohort_id)
            .where(
                Cohort.organisation_id == organisation_id,
                MeetingRoom.last_error.is_not(None),
                or_(
                    MeetingRoom.pending_action.is_not(None),
                    MeetingRoom.status == RoomStatus.FAILED,
                ),
            )
            .options(joinedload(MeetingRoom.session).joinedload(CohortSession.cohort))
            .order_by(CohortSession.starts_at)
            .limit(100)
        ).unique()
    )
