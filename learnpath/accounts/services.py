"""Account rules: passwords, login throttling, invitation and reset links, sessions, roles."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from learnpath.accounts.limits import backoff_wait, purge, recent, seconds, source_of
from learnpath.accounts.models import (
    Department,
    EndedSession,
    LoginFailure,
    Organisation,
    PasswordResetRequest,
    Role,
    User,
    UserRole,
)
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.notifications.services import queue_message
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10


class AccountError(Refusal):
    """A domain rule refused the request; the message is safe to show."""


class Throttled(AccountError):
    """Too many attempts from this source; ``retry_after``: seconds until the next may start."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LoginThrottled(Throttled):
    pass


class ResetThrottled(Throttled):
    pass


class InvalidLink(AccountError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short or trivially weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            str(_l("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
        )
    if len(set(password)) < 4:
        raise AccountError(str(_l("This password is too easy to guess.")))


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)


def _verify(user: User | None, password: str) -> bool:
    if user is None or user.password_hash is None:
        # Spend the same time as a real check so the response does not reveal unknown accounts.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _login_wait(email: str, source: str) -> timedelta:
    """How long ``source`` must wait before it may try ``email`` again (zero: now).

    Counted per (account, source) pair and per source over all accounts, never per account
    alone: failures from other sources never keep anyone out (OWASP ASVS 2.2.1). The free
    allowances and the doubling wait are in learnpath.config (LOGIN_*).
    """
    config = current_app.config
    now = utcnow()
    since = now - timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"])
    first = timedelta(seconds=config["LOGIN_BACKOFF_SECONDS"])
    longest = timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"])
    at = LoginFailure.created_at
    pair = recent(at, LoginFailure.email == email, LoginFailure.ip == source, since=since)
    anywhere = recent(at, LoginFailure.ip == source, since=since)
    return max(
        backoff_wait(
            pair, config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], first=first, longest=longest, now=now
        ),
        backoff_wait(
            anywhere, config["LOGIN_MAX_FAILURES_PER_IP"], first=first, longest=longest, now=now
        ),
    )


def _throttled(wait: timedelta) -> LoginThrottled:
    minutes = max(1, -(-seconds(wait) // 60))
    message = _ln(
        "Too many failed attempts. Try again in %(num)s minute.",
        "Too many failed attempts. Try again in %(num)s minutes.",
        minutes,
    )
    return LoginThrottled(str(message), retry_after=seconds(wait))


def authenticate(email: str, password: str, ip: str) -> User | None:
    """Return the user for these credentials, or None; record failures and throttle.

    ``ip`` is the request's remote address (learnpath.accounts.limits.source_of groups it).
    Raises LoginThrottled, without checking the password, while this source must wait for
    this account or for all accounts. The caller commits (failures must be recorded even when
    the login is refused).
    """
    email = normalise_email(email)
    source = source_of(ip)
    wait = _login_wait(email, source)
    if wait > timedelta(0):
        log.info("login for %s from %s throttled for %s", email, source, wait)
        raise _throttled(wait)
    user = db.session.scalar(select(User).where(User.email == email))
    if not _verify(user, password) or user is None or not user.is_active_account:
        window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
        purge(LoginFailure, LoginFailure.created_at, utcnow() - window)
        db.session.add(LoginFailure(email=email, ip=source))
        db.session.flush()
        log.info("failed login for %s from %s", email, source)
        return None
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.ip == source)
    )
    return user


# --- sessions -------------------------------------------------------------------------------


def new_session_id() -> str:
    """A random id for a new session (kept in the session, see accounts.blueprint)."""
    return secrets.token_urlsafe(32)


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def session_ended(sid: str) -> bool:
    """Whether the session with this id has been signed out of."""
    return db.session.get(EndedSession, _sid_hash(sid)) is not None


def end_session(user: User, sid: str | None) -> None:
    """End one session of ``user`` on the server, so a copy of its cookie stops working.

    A session without an id (made before sessions had one) cannot be told apart from the
    user's others: then all of them end.
    """
    if not sid:
        end_all_sessions(user)
        return
    now = utcnow()
    purge(EndedSession, EndedSession.expires_at, now, key=EndedSession.sid_hash)
    ended = EndedSession(
        sid_hash=_sid_hash(sid),
        user_id=user.id,
        # Flask refuses session cookies older than the session lifetime: no copy outlives this.
        expires_at=now + current_app.permanent_session_lifetime,
    )
    try:
        with db.session.begin_nested():
            db.session.add(ended)
    except IntegrityError:  # signed out twice at the same moment
        log.info("session of user %s was ended concurrently", user.id)


def end_all_sessions(user: User) -> None:
    """End every session of ``user`` (sign out everywhere): their session ids stop matching."""
    user.session_epoch = (user.session_epoch or 0) + 1
    db.session.flush()


# --- account links (invitation, password reset) -------------------------------------------

_PURPOSES = {"invite": "INVITE_TOKEN_MAX_AGE_SECONDS", "reset": "RESET_TOKEN_MAX_AGE_SECONDS"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"account-{purpose}")


def make_account_token(user: User, purpose: str) -> str:
    """Sign a link token for user; it dies when the password changes (single use)."""
    return _serializer(purpose).dumps({"u": user.id, "f": user.credential_fingerprint})


def user_for_token(token: str, purpose: str) -> User:
    """Return the user a valid, unused, unexpired token belongs to, or raise InvalidLink."""
    max_age = current_app.config[_PURPOSES[purpose]]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidLink(str(_l("This link has expired. Ask for a new one."))) from exc
    except BadSignature as exc:
        raise InvalidLink(str(_l("This link is not valid."))) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.is_active_account:
        raise InvalidLink(str(_l("This link is not valid.")))
    if data.get("f") != user.credential_fingerprint:
        raise InvalidLink(str(_l("This link has already been used. Ask for a new one.")))
    return user


def account_link(user: User, purpose: str) -> str:
    endpoint = "accounts.accept_invite" if purpose == "invite" else "accounts.reset_password"
    return external_url(endpoint, token=make_account_token(user, purpose))


def send_invitation(user: User) -> None:
    """Queue an invitation mail with a link to choose a password."""
    queue_message(
        "account.invite",
        user,
        _l("Your invitation to learnpath"),
        "accounts/invite",
        link=account_link(user, "invite"),
    )


def request_password_reset(email: str, ip: str = "-") -> None:
    """Queue a reset mail if an active account has this address; say nothing either way.

    Known and unknown addresses take the same path and do the same work (the mail is built and
    queued, and for an unknown address rolled back), so neither the answer nor its timing tells
    whether an account exists. An address gets at most RESET_MAX_PER_ADDRESS links per window
    (more requests are answered the same way and send nothing: the links sent are still valid);
    a source may ask RESET_MAX_PER_SOURCE times per window, after which ResetThrottled.
    """
    email = normalise_email(email)
    source = source_of(ip)
    config = current_app.config
    now = utcnow()
    window = timedelta(seconds=config["RESET_WINDOW_SECONDS"])
    at = PasswordResetRequest.created_at
    asked_here = recent(at, PasswordResetRequest.ip == source, since=now - window)
    if asked_here.count >= config["RESET_MAX_PER_SOURCE"] and asked_here.oldest is not None:
        log.info("password reset requests from %s throttled", source)
        raise ResetThrottled(
            str(_l("Too many requests for a new password. Try again later.")),
            retry_after=seconds(asked_here.oldest + window - now),
        )
    sent = recent(
        at,
        PasswordResetRequest.email == email,
        PasswordResetRequest.limited.is_(False),
        since=now - window,
    )
    limited = sent.count >= config["RESET_MAX_PER_ADDRESS"]
    purge(PasswordResetRequest, at, now - window)
    db.session.add(PasswordResetRequest(email=email, ip=source, limited=limited))
    db.session.flush()
    if limited:
        log.info("password reset for an address that had its share of links: none sent")
        return
    user = db.session.scalar(
        select(User).where(User.email == email).options(lazyload(User.role_rows))
    )
    known = user is not None and user.is_active
    if not known:
        log.info("password reset requested for unknown or inactive account")
    recipient = user if user is not None and known else _nobody(email)
    step = db.session.begin_nested()
    try:
        queue_message(
            "account.reset",
            recipient,
            _l("Reset your learnpath password"),
            "accounts/reset",
            link=account_link(recipient, "reset"),
        )
    except BaseException:
        step.rollback()
        raise
    if known:
        step.commit()
    else:
        step.rollback()  # the same work as for a real account, then thrown away


def _nobody(email: str) -> User:
    """A stand-in recipient (never stored) for a reset asked for an unknown address."""
    return User(email=email, name="", locale=current_app.config["BABEL_DEFAULT_LOCALE"])


# --- users and roles ------------------------------------------------------------------------


@dataclass(frozen=True)
class NewUser:
    email: str
    name: str
    roles: frozenset[Role]
    department: Department | None = None
    manager: User | None = None
    locale: str = "nl"


def create_user(
    organisation: Organisation, data: NewUser, password: str | None = None, invite: bool = False
) -> User:
    """Create a user in organisation; with invite=True queue an invitation mail."""
    email = normalise_email(data.email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(str(_l("An account with this email address already exists.")))
    if data.department is not None and data.department.organisation_id != organisation.id:
        raise AccountError(str(_l("This department belongs to another organisation.")))
    if data.manager is not None and data.manager.organisation_id != organisation.id:
        raise AccountError(str(_l("The manager must belong to the same organisation.")))
    user = User(
        organisation=organisation,
        email=email,
        name=data.name.strip(),
        department=data.department,
        manager=data.manager,
        locale=data.locale,
    )
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    set_roles(user, data.roles)
    db.session.flush()
    if invite:
        send_invitation(user)
    return user


def set_roles(user: User, roles: Iterable[Role]) -> None:
    """Give user exactly these roles."""
    wanted = set(roles)
    for row in list(user.role_rows):
        if row.role not in wanted:
            user.role_rows.remove(row)
    for role in wanted - user.roles:
        user.role_rows.append(UserRole(role=role))
