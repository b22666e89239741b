"""The provider interface and its adapters: a manual link, Jitsi Meet, Microsoft Teams.

An adapter makes, moves and cancels the room of one session and says so with a ``Made``
(the provider's id and the link). It raises ``ProviderFailed`` with a message that is safe to
show to the facilitator (no secrets): the retry job tries again later.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from learnpath.cohorts.models import CohortSession
from learnpath.rooms.models import Provider, RoomSettings

PUBLIC_JITSI = "https://meet.jit.si"


class ProviderFailed(Exception):
    """The provider did not do it; ``str(exc)`` is safe to show, ``retry`` whether to try again."""

    def __init__(self, message: object, *, retry: bool = True) -> None:
        super().__init__(str(message))
        self.retry = retry


@dataclass(frozen=True)
class Made:
    external_id: str
    join_url: str


class RoomProvider(Protocol):
    def create(self, session: CohortSession, subject: str) -> Made: ...

    def update(self, session: CohortSession, subject: str, external_id: str) -> Made | None: ...

    def cancel(self, external_id: str) -> None: ...


class JitsiRooms:
    """Jitsi Meet: a room exists as soon as someone opens its name, so learnpath only picks
    an unguessable name (128 random bits) per session; moving and cancelling need no call."""

    def __init__(self, base_url: str | None) -> None:
        self.base_url = (base_url or PUBLIC_JITSI).rstrip("/")

    def create(self, session: CohortSession, subject: str) -> Made:
        name = f"Learnpath{secrets.token_hex(16)}"
        return Made(name, f"{self.base_url}/{name}")

    def update(self, session: CohortSession, subject: str, external_id: str) -> Made | None:
        return None

    def cancel(self, external_id: str) -> None:
        return None


def provider_for(settings: RoomSettings, secret: str | None) -> RoomProvider | None:
    """The adapter of an organisation's settings; None for the manual link."""
    if settings.provider == Provider.JITSI:
        return JitsiRooms(settings.jitsi_url)
    if settings.provider == Provider.TEAMS:
        from learnpath.rooms.graph import TeamsRooms

        return TeamsRooms(
            tenant_id=settings.teams_tenant_id or "",
            client_id=settings.teams_client_id or "",
            client_secret=secret or "",
            organizer=settings.teams_organizer or "",
        )
    return None
