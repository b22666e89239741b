"""What the cohorts feature announces to features above it.

Features that react to enrolment changes (the calendar sends invitations, for instance) connect
a receiver in their own ``receivers.py``; cohorts itself knows none of them. Receivers run
inside the sender's unit of work: they flush, never commit, and what they queue in the outbox
leaves with the same commit (or not at all).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with ``enrolment`` (an Enrolment) after its status changed, before the participant's
#: own message about it is queued.
enrolment_changed = _signals.signal("enrolment-changed")
