"""What the accounts feature announces to features above it.

Receivers run inside the sender's unit of work: they flush, never commit, and what they queue
in the outbox leaves with the same commit (or not at all).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with ``user`` (the User, already inactive) and ``actor`` (a User or None) when an
#: account is deactivated (learnpath.accounts.lifecycle.deactivate). The cohorts feature takes
#: the person off waitlists and open offers and tells the facilitators.
user_deactivated = _signals.signal("user-deactivated")

#: Sent with ``user`` (the new User, flushed) when someone creates their own account by work
#: address (learnpath.accounts.signup.complete_signup). The cohorts feature turns open
#: invitations for the address into invitations to the cohorts.
account_created = _signals.signal("account-created")
