"""The agenda of an intervision meeting: the method's phases with their start times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from learnpath.content import IntervisionMethod
from learnpath.content.schema import Phase


@dataclass(frozen=True)
class AgendaRow:
    starts_at: datetime
    phase: Phase


def agenda(method: IntervisionMethod, starts_at: datetime) -> list[AgendaRow]:
    """Each phase in order with its start (UTC): the meeting start plus the phases before it."""
    rows: list[AgendaRow] = []
    offset = 0
    for phase in sorted(method.phases, key=lambda p: p.order):
        rows.append(AgendaRow(starts_at + timedelta(minutes=offset), phase))
        offset += phase.minutes
    return rows
