"""A person's own privacy and visibility settings: the first name only for people of other
organisations (learnpath.accounts.names) and the discreet calendar mode (its effect is in
learnpath.ical and the programme's mails). A change is written to the person's audit log."""

from __future__ import annotations

from learnpath.accounts.models import User
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit


def set_visibility(user: User, *, first_name_only_elsewhere: bool, discreet_calendar: bool) -> bool:
    """Store the two settings; True when something changed (then audited; flush, no commit)."""
    changed = (user.first_name_only_elsewhere, user.discreet_calendar) != (
        first_name_only_elsewhere,
        discreet_calendar,
    )
    if not changed:
        return False
    user.first_name_only_elsewhere = first_name_only_elsewhere
    user.discreet_calendar = discreet_calendar
    record_audit(user, user.id, AuditAction.VISIBILITY_CHANGED, f"user:{user.id}")
    return True
