"""Rooms follow the schedule: made when sessions are planned, moved, cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from learnpath.cohorts.models import Cohort, CohortSession
from learnpath.rooms import services
from learnpath.schedule.signals import SessionChange, sessions_changed


@sessions_changed.connect
def _sessions_changed(
    sender: Any,
    *,
    cohort: Cohort,
    sessions: Sequence[CohortSession],
    change: SessionChange,
    **_: Any,
) -> None:
    services.request_rooms(cohort, sessions, change.value)
