"""What the action plans feature announces to features above it (see cohorts/signals.py)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with ``conversation`` (a Conversation whose time is now fixed, its sequence raised) and
#: ``now``, so that both sides get a calendar invitation.
conversation_agreed = _signals.signal("conversation-agreed")
