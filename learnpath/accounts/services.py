"""Account rules: passwords, login throttling, invitation and reset links, roles."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute

from learnpath.accounts.models import Department, LoginFailure, Organisation, Role, User, UserRole
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.services import queue_message
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10


class AccountError(Exception):
    """A domain rule refused the request; the message is safe to show."""


class LoginThrottled(AccountError):
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


def _recent_failures(column: InstrumentedAttribute[str], value: str) -> int:
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    query = (
        select(func.count())
        .select_from(LoginFailure)
        .where(column == value, LoginFailure.created_at > utcnow() - window)
    )
    return db.session.scalar(query) or 0


def authenticate(email: str, password: str, ip: str) -> User | None:
    """Return the user for these credentials, or None; record failures and throttle.

    Raises LoginThrottled when the account or the IP address had too many recent failures.
    The caller commits (failures must be recorded even when the login is refused).
    """
    email = normalise_email(email)
    config = current_app.config
    if (
        _recent_failures(LoginFailure.email, email) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(LoginFailure.ip, ip) >= config["LOGIN_MAX_FAILURES_PER_IP"]
    ):
        raise LoginThrottled(
            str(_l("Too many failed attempts. Wait a quarter of an hour and try again."))
        )
    user = db.session.scalar(select(User).where(User.email == email))
    if not _verify(user, password) or user is None or not user.is_active_account:
        db.session.add(LoginFailure(email=email, ip=ip))
        db.session.flush()
        log.info("failed login for %s from %s", email, ip)
        return None
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    return user


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


def request_password_reset(email: str) -> None:
    """Queue a reset mail if the account exists; say nothing either way (no account probing)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        log.info("password reset requested for unknown or inactive account")
        return
    queue_message(
        "account.reset",
        user,
        _l("Reset your learnpath password"),
        "accounts/reset",
        link=account_link(user, "reset"),
    )


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
