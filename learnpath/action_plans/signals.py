"""What the action plans feature announces to features above it (see cohorts/signals.py)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with ``conversation`` (a Conversation whose time is now fixed, its sequence raised) and
#: ``now``, so that both sides get a calendar invitation.
conversation_agreed = _signals.signal("conversation-agreed")

#: Sent with ``conversation`` (an agreed conversation still to come whose share was revoked, its
#: sequence raised) and ``now``, so that both sides get a calendar cancellation (METHOD:CANCEL).
conversation_cancelled = _signals.signal("conversation-cancelled")
