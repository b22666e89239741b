"""What the schedule feature announces to features above it (see cohorts/signals.py)."""

from __future__ import annotations

import enum

from blinker import Namespace

_signals = Namespace()


class SessionChange(enum.StrEnum):
    """How the planned sessions of a cohort changed."""

    NEW = "new"
    UPDATED = "updated"
    CANCELLED = "cancelled"


#: Sent with ``cohort`` and ``sessions`` (the sessions concerned) and ``change`` (a
#: SessionChange), after the participants' own messages about it are queued.
sessions_changed = _signals.signal("sessions-changed")
