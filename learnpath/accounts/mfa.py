"""A second factor for local accounts: TOTP (RFC 6238, an authenticator app) and recovery codes.

Administrators and HR must have one, and facilitators where their organisation says so
(``Organisation.mfa_for_facilitators``). Signing in with the organisation's OpenID provider
counts as a second factor when the provider says it checked one (learnpath.sso); otherwise the
code is asked here as well. The secret is stored encrypted (a Fernet key derived from the app's
SECRET_KEY), recovery codes only as keyed hashes; each code is accepted once, and wrong codes
are throttled per account (learnpath.accounts.limits).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import delete, select

from learnpath.accounts.limits import backoff_wait, purge, recent, seconds, source_of
from learnpath.accounts.mfa_models import MfaFailure, RecoveryCode, TotpCredential
from learnpath.accounts.models import Organisation, Role, User
from learnpath.accounts.services import AccountError, Throttled
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.services import queue_message
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit

#: Recovery codes made at a time.
RECOVERY_CODES = 10
#: Wrong codes allowed per account in the window before each try must wait (doubling).
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
FIRST_WAIT = timedelta(seconds=30)
#: Codes of the step before and after the current one are accepted too (clock drift).
VALID_WINDOW = 1
ISSUER_NAME = "learnpath"


class MfaError(AccountError):
    """A second-factor rule refused the request; the message is safe to show."""


class MfaThrottled(Throttled):
    pass


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hashlib.sha256(b"learnpath-totp:" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _secret_of(credential: TotpCredential) -> str:
    try:
        return _fernet().decrypt(credential.secret_encrypted.encode()).decode()
    except InvalidToken as exc:  # SECRET_KEY changed: the person must enrol again
        raise MfaError(
            str(_l("Your authenticator can no longer be checked. Ask an administrator."))
        ) from exc


def _code_hash(code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"recovery:" + _normalise_recovery(code).encode(), "sha256").hexdigest()


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


# --- who needs it, who has it ---------------------------------------------------------------


def required_for(user: User) -> bool:
    """Whether ``user`` may only sign in with a second factor."""
    if user.has_role(Role.ADMIN, Role.HR):
        return True
    return user.has_role(Role.FACILITATOR) and bool(user.organisation.mfa_for_facilitators)


def credential_of(user: User) -> TotpCredential | None:
    return db.session.get(TotpCredential, user.id)


def is_enrolled(user: User) -> bool:
    credential = credential_of(user)
    return credential is not None and credential.confirmed_at is not None


def has_authenticator(user: User) -> bool:
    """Whether ``user`` has an authenticator, set up or being set up (what a reset removes)."""
    return credential_of(user) is not None


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


# --- enrolment -----------------------------------------------------------------------------


def start_enrolment(user: User) -> str:
    """Give ``user`` a new secret, not yet in force (until ``confirm_enrolment``); return it.

    Refused while a confirmed authenticator exists (turn that off first).
    """
    credential = credential_of(user)
    if credential is not None and credential.confirmed_at is not None:
        raise MfaError(str(_l("Two-step verification is already set up.")))
    secret = pyotp.random_base32()
    encrypted = _fernet().encrypt(secret.encode()).decode()
    if credential is None:
        db.session.add(TotpCredential(user_id=user.id, secret_encrypted=encrypted))
    else:
        credential.secret_encrypted = encrypted
        credential.last_step = 0
    db.session.flush()
    return secret


def enrol_with_secret(user: User, secret: str) -> None:
    """Put a known secret in force at once (the demo data only: its key is published)."""
    credential = credential_of(user)
    if credential is None:
        credential = TotpCredential(user_id=user.id, secret_encrypted="")
        db.session.add(credential)
    credential.secret_encrypted = _fernet().encrypt(secret.encode()).decode()
    credential.confirmed_at = credential.confirmed_at or utcnow()
    db.session.flush()


def pending_secret(user: User) -> str | None:
    """The secret of an enrolment under way (shown again when the page is reloaded)."""
    credential = credential_of(user)
    if credential is None or credential.confirmed_at is not None:
        return None
    return _secret_of(credential)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER_NAME)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG markup (no external service sees the secret)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _accept_totp(credential: TotpCredential, code: str) -> bool:
    """Whether ``code`` is a current TOTP code not used before; remembers its step."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(_secret_of(credential))
    now = utcnow()
    current = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        step = current + offset
        if step <= (credential.last_step or 0):
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            credential.last_step = step
            return True
    return False


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits, shown as xxxxx-xxxxx
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)))
    db.session.flush()
    return codes


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Put the pending secret in force when ``code`` is right; return new recovery codes."""
    credential = _locked_credential(user)
    if credential is None or credential.confirmed_at is not None:
        raise MfaError(str(_l("Start setting up two-step verification again.")))
    if not _accept_totp(credential, code):
        raise MfaError(
            str(_l("This code is not correct. Check the time on your phone and try again.")),
            errors={"code": str(_l("This code is not correct."))},
        )
    credential.confirmed_at = utcnow()
    record_audit(user, user.id, AuditAction.MFA_SET_UP, f"user:{user.id}")
    return _new_recovery_codes(user)


def regenerate_recovery_codes(user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if not is_enrolled(user):
        raise MfaError(str(_l("Two-step verification is not set up.")))
    return _new_recovery_codes(user)


def disable(user: User) -> None:
    """Turn two-step verification off; refused for whoever must have it."""
    if required_for(user):
        raise MfaError(
            str(_l("Your role requires two-step verification; it cannot be turned off."))
        )
    had_one = is_enrolled(user)
    _remove(user)
    if had_one:
        record_audit(user, user.id, AuditAction.MFA_REMOVED, f"user:{user.id}")


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    db.session.flush()


def reset(user: User, *, by: User | None = None, via: str = "admin") -> bool:
    """Remove someone's authenticator (an administrator's help when it is lost): they set up a
        new one at their next sign-in, and are told by mail. False when there was none (nothing is
    written).

        ``by``: the administrator; None for the command line (``via`` "cli"), in which case the
        audit event names the account itself as actor and says so in its reference.
    """
    if credential_of(user) is None:
        return False
    _remove(user)
    # A lost phone may be in other hands with a signed-in session: those sessions end too.
    user.session_epoch = (user.session_epoch or 0) + 1
    ref = f"user:{user.id} {via}" if by is not None else f"user:{user.id} {via} system"
    record_audit(by or user, user.id, AuditAction.MFA_RESET, ref)
    queue_message(
        "account.mfa_reset",
        user,
        _l("The authenticator of your learnpath account was removed"),
        "accounts/mfa_reset",
    )
    return True


def set_facilitator_policy(organisation: Organisation, required: bool) -> None:
    """Whether the organisation's facilitators must use two-step verification."""
    organisation.mfa_for_facilitators = required
    db.session.flush()


# --- the second step of signing in ---------------------------------------------------------


def _locked_credential(user: User) -> TotpCredential | None:
    """The credential row, locked (PostgreSQL) so two requests cannot accept the same code."""
    return db.session.scalar(
        select(TotpCredential)
        .where(TotpCredential.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _wait(user: User) -> timedelta:
    now = utcnow()
    failures = recent(
        MfaFailure.created_at, MfaFailure.user_id == user.id, since=now - FAILURE_WINDOW
    )
    return backoff_wait(failures, MAX_FAILURES, first=FIRST_WAIT, longest=FAILURE_WINDOW, now=now)


def _throttled(wait: timedelta) -> MfaThrottled:
    minutes = max(1, -(-seconds(wait) // 60))
    message = _ln(
        "Too many wrong codes. Try again in %(num)s minute.",
        "Too many wrong codes. Try again in %(num)s minutes.",
        minutes,
    )
    return MfaThrottled(str(message), retry_after=seconds(wait))


def verify(user: User, code: str, ip: str) -> bool:
    """Check a code of the sign-in's second step: a TOTP code or an unused recovery code.

    Raises MfaThrottled (without checking) while this account must wait after wrong codes.
    A wrong code is recorded (the caller commits either way).
    """
    wait = _wait(user)
    if wait > timedelta(0):
        raise _throttled(wait)
    credential = _locked_credential(user)
    if credential is None or credential.confirmed_at is None:
        return False
    if _accept_totp(credential, code):
        db.session.execute(delete(MfaFailure).where(MfaFailure.user_id == user.id))
        return True
    if _use_recovery_code(user, code):
        return True
    purge(MfaFailure, MfaFailure.created_at, utcnow() - FAILURE_WINDOW)
    db.session.add(MfaFailure(user_id=user.id, ip=source_of(ip)))
    db.session.flush()
    return False


def _use_recovery_code(user: User, code: str) -> bool:
    if len(_normalise_recovery(code)) != 10:
        return False
    row = db.session.scalar(
        select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if row is None:
        return False
    row.used_at = utcnow()
    db.session.flush()
    record_audit(user, user.id, AuditAction.MFA_RECOVERY_CODE_USED, f"user:{user.id}")
    return True
