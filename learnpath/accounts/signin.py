"""Finishing a sign-in: straight in, or first the second step (learnpath.accounts.mfa).

Used by the password form (accounts.views) and by OpenID Connect (learnpath.sso). Until the
second step is done the session holds only a pending sign-in (no user), which expires after
``PENDING_SECONDS``; the values a sign-in keeps in the session (``keep``, e.g. how to sign out
at the provider) are put there only when it is complete. An audit event of the sign-in
(``audit``, e.g. a launch from a learning platform) is written then too, not when it began.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import redirect, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user

from learnpath.accounts import mfa
from learnpath.accounts.models import User
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit
from learnpath.web.actions import commit

#: The session key of a sign-in waiting for its second step.
PENDING_KEY = "mfa_pending"
#: The session key telling that this session's sign-in included a second factor.
MFA_DONE_KEY = "mfa_done"
PENDING_SECONDS = 10 * 60
#: The session key of where to sign out at the OpenID provider too (RP-initiated logout).
PROVIDER_LOGOUT_KEY = "provider_logout_url"
#: The key in ``keep`` of the audit event written when the sign-in completes (never stored in
#: the signed-in session).
AUDIT_KEY = "_sign_in_audit"


def begin(
    user: User,
    next_url: str,
    *,
    mfa_done: bool = False,
    keep: Mapping[str, Any] | None = None,
    audit: tuple[AuditAction, str] | None = None,
) -> ResponseReturnValue:
    """Sign ``user`` in, or ask for the second step first when they have or need one.

    ``audit``: (action, object reference) of an audit event about ``user`` to write when the
    sign-in completes (after the second step; nothing when it is abandoned)."""
    session.clear()
    if audit is not None:
        keep = {**(keep or {}), AUDIT_KEY: [audit[0].value, audit[1]]}
    if mfa_done or not (mfa.is_enrolled(user) or mfa.required_for(user)):
        return complete(user, next_url, mfa_done=mfa_done, keep=keep)
    session[PENDING_KEY] = {
        "u": user.get_id(),
        "next": next_url,
        "at": int(time.time()),
        "keep": dict(keep or {}),
    }
    if mfa.is_enrolled(user):
        return redirect(url_for("accounts.mfa_challenge"))
    return redirect(url_for("accounts.mfa_setup_at_sign_in"))


def pending_user() -> tuple[User, dict[str, Any]] | None:
    """The user of the sign-in waiting for its second step, if any (and not expired)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if int(time.time()) - int(pending.get("at") or 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    session_id = str(pending.get("u") or "")
    user_id = session_id.partition(":")[0]
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active or user.get_id() != session_id:
        session.pop(PENDING_KEY, None)
        return None
    return user, pending


def complete(
    user: User, next_url: str, *, mfa_done: bool, keep: Mapping[str, Any] | None = None
) -> ResponseReturnValue:
    """Sign ``user`` in now (the second step, if any, is done), and write the sign-in's audit
    event if ``begin`` was given one."""
    values = dict(keep or {})
    audit = values.pop(AUDIT_KEY, None)
    session.clear()
    login_user(user)
    session[MFA_DONE_KEY] = bool(mfa_done)
    for key, value in values.items():
        session[key] = value
    if isinstance(audit, list) and len(audit) == 2:
        record_audit(user, user.id, AuditAction(audit[0]), str(audit[1]))
        commit()
    return redirect(next_url)
