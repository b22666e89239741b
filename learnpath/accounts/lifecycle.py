"""Deactivating and reactivating an account (a leaver, SCIM ``active: false``, an admin's button).

A deactivated account:

- is signed out everywhere: ``User.is_active_account`` turns False, which raises the session
  epoch (``User._end_sessions_on_deactivation``), so no existing session cookie works again,
  not even after a reactivation;
- cannot sign in: password sign-in (``accounts.services.authenticate``), account links
  (``user_for_token``), LTI launches and the session loader all ask ``is_active_account``;
  other ways in (OpenID Connect) must ask it too;
- is taken off waitlists and open offers: the cohorts feature answers
  ``accounts.signals.user_deactivated`` (``cohorts/leavers.py``); a seat the person holds is
  kept until a facilitator decides, and the facilitators of those cohorts are told by mail;
- keeps its data: nothing is removed here; the retention rules (``learnpath.privacy``) apply
  as for anyone else.

Both changes are written to the audit log. ``by`` is the person who did it; None for the
system (SCIM provisioning without a known administrator), in which case the audit event names
the account itself as actor and says so in its reference.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnpath.accounts.models import User
from learnpath.accounts.services import AccountError
from learnpath.accounts.signals import user_deactivated
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import is_pseudonymised, record_audit


def _locked(user: User) -> User:
    """The user's row, locked until commit, with its current values (two deactivations of the
    same person at the same moment run one after the other; the second finds nothing to do)."""
    locked = db.session.scalar(
        select(User)
        .where(User.id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise AccountError(str(_l("This account does not exist.")))
    return locked


def _audit(user: User, by: User | None, action: AuditAction, reason: str) -> None:
    ref = f"user:{user.id}"
    if reason:
        ref += f" {reason}"
    if by is None:
        ref += " system"
    record_audit(by or user, user.id, action, ref)


def deactivate(user: User, *, by: User | None = None, reason: str = "") -> bool:
    """Deactivate ``user`` (see the module docstring); False if it already was inactive.

    ``reason`` is a short word for the audit log, e.g. "scim" or "admin".
    """
    if by is not None and by.id == user.id:
        raise AccountError(str(_l("You cannot deactivate your own account.")))
    user = _locked(user)
    if not user.is_active_account:
        return False
    user.is_active_account = False  # ends every session (the model raises the epoch)
    user.deactivated_at = utcnow()
    db.session.flush()
    _audit(user, by, AuditAction.ACCOUNT_DEACTIVATED, reason)
    user_deactivated.send(None, user=user, actor=by)
    return True


def reactivate(user: User, *, by: User | None = None, reason: str = "") -> bool:
    """Let a deactivated ``user`` sign in again; False if it was active already.

    Old sessions stay ended and withdrawn places are not given back: the person signs in
    afresh and signs up again. An account erased under the privacy rules cannot come back.
    """
    user = _locked(user)
    if user.is_active_account:
        return False
    if is_pseudonymised(user):
        raise AccountError(str(_l("This account has been erased and cannot be reactivated.")))
    user.is_active_account = True
    user.deactivated_at = None
    db.session.flush()
    _audit(user, by, AuditAction.ACCOUNT_REACTIVATED, reason)
    return True


def is_deactivated(user: User) -> bool:
    """Whether ``user`` may not sign in because the account is inactive."""
    return not user.is_active_account
