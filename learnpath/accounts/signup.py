"""Sign-up by work address: an organisation lists its email domains, and anyone with an address
there makes their own account.

1. The person fills in address, name and password (``request_signup``). Nothing is made yet:
   a SignupRequest keeps the name and the password's hash, and a link (signed, expiring after
   SIGNUP_TOKEN_MAX_AGE_SECONDS) goes to the address through the outbox.
2. Opening the link (``complete_signup``) makes the participant account in the organisation of
   the domain, uses the request up and signs them in; the page they land on lists the open
   cohorts.

An address that has an account already gets a mail saying so (with the sign-in and
reset links) instead, and the page says the same either way: the form does not tell who has an
account. Requests are limited per address and per source, like password resets.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from learnpath.accounts.limits import purge, recent, seconds, source_of
from learnpath.accounts.models import (
    Organisation,
    OrganisationEmailDomain,
    Role,
    SignupRequest,
    User,
    UserRole,
)
from learnpath.accounts.services import (
    AccountError,
    InvalidLink,
    Throttled,
    check_password_strength,
    hash_password,
    normalise_email,
)
from learnpath.accounts.signals import account_created
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.services import queue_to_address
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

#: Defaults; each may be set in the app's configuration under the same name.
DEFAULTS = {
    "SIGNUP_TOKEN_MAX_AGE_SECONDS": 48 * 3600,
    "SIGNUP_WINDOW_SECONDS": 3600,
    "SIGNUP_MAX_PER_ADDRESS": 3,
    "SIGNUP_MAX_PER_SOURCE": 10,
}

DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
#: Mail services anyone can get an address at: never an organisation's own domain.
PUBLIC_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.nl",
        "outlook.com",
        "outlook.nl",
        "live.com",
        "live.nl",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "ziggo.nl",
        "kpnmail.nl",
        "planet.nl",
        "home.nl",
        "xs4all.nl",
        "gmx.com",
        "gmx.net",
    }
)


class SignupThrottled(Throttled):
    pass


def _setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


# --- an organisation's domains ------------------------------------------------------------


def clean_domain(text: str) -> str:
    """The domain as stored (lower-case, no "@"), or AccountError with the reason."""
    domain = text.strip().lower().removeprefix("@").rstrip(".")
    if not DOMAIN.match(domain):
        raise AccountError(
            str(_l("Enter a domain such as utrecht.nl (without @ or spaces).")),
            errors={"domain": str(_l("Enter a domain such as utrecht.nl (without @ or spaces)."))},
        )
    if domain in PUBLIC_MAIL:
        message = str(
            _l("Anyone can get an address at %(domain)s: it cannot be added.", domain=domain)
        )
        raise AccountError(message, errors={"domain": message})
    return domain


def domains_of(organisation: Organisation) -> list[OrganisationEmailDomain]:
    return list(
        db.session.scalars(
            select(OrganisationEmailDomain)
            .where(OrganisationEmailDomain.organisation_id == organisation.id)
            .order_by(OrganisationEmailDomain.domain)
        )
    )


def add_domain(organisation: Organisation, text: str) -> OrganisationEmailDomain:
    """List a domain for the organisation; a domain belongs to one organisation at most."""
    domain = clean_domain(text)
    taken = db.session.scalar(
        select(OrganisationEmailDomain).where(OrganisationEmailDomain.domain == domain)
    )
    if taken is not None:
        if taken.organisation_id == organisation.id:
            message = str(_l("%(domain)s is on the list already.", domain=domain))
        else:
            message = str(_l("%(domain)s belongs to another organisation.", domain=domain))
        raise AccountError(message, errors={"domain": message})
    row = OrganisationEmailDomain(organisation_id=organisation.id, domain=domain)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError as exc:  # added at the same moment elsewhere
        message = str(_l("%(domain)s belongs to another organisation.", domain=domain))
        raise AccountError(message, errors={"domain": message}) from exc
    return row


def remove_domain(organisation: Organisation, domain_id: int) -> str:
    """Take a domain off the organisation's list (accounts made with it stay); its name."""
    row = db.session.get(OrganisationEmailDomain, domain_id)
    if row is None or row.organisation_id != organisation.id:
        raise AccountError(str(_l("This domain is not on your organisation's list.")))
    name = row.domain
    db.session.delete(row)
    db.session.flush()
    return name


def organisation_for(email: str) -> Organisation | None:
    """The organisation whose listed domain the address is at (exactly, not a subdomain)."""
    domain = normalise_email(email).rpartition("@")[2]
    if not domain:
        return None
    row = db.session.scalar(
        select(OrganisationEmailDomain).where(OrganisationEmailDomain.domain == domain)
    )
    return row.organisation if row is not None else None


# --- the sign-up --------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="account-signup")


def request_signup(email: str, name: str, password: str, ip: str = "-", locale: str = "nl") -> None:
    """Ask for an account with a work address: queue the confirmation link (or, when the
    address has an account, a mail saying so). Refuses an address outside the listed domains
    and a weak password; SignupThrottled when this source asked too often."""
    email = normalise_email(email)
    name = " ".join(name.split())
    if not name:
        raise AccountError(
            str(_l("Fill in your name.")), errors={"name": str(_l("Fill in your name."))}
        )
    organisation = organisation_for(email)
    if organisation is None:
        message = str(
            _l(
                "Sign-up with this address is not possible: its domain is not on the list of an "
                "organisation. Ask your HR department for an invitation."
            )
        )
        raise AccountError(message, errors={"email": message})
    if not getattr(organisation, "password_sign_in", True):
        message = str(
            _l(
                "%(org)s signs you in with your work account: use the sign-in page.",
                org=organisation.name,
            )
        )
        raise AccountError(message, errors={"email": message})
    try:
        check_password_strength(password)
    except AccountError as exc:
        raise AccountError(str(exc), errors={"password": str(exc)}) from exc

    source = source_of(ip)
    now = utcnow()
    window = timedelta(seconds=_setting("SIGNUP_WINDOW_SECONDS"))
    at = SignupRequest.created_at
    from_here = recent(at, SignupRequest.ip == source, since=now - window)
    if from_here.count >= _setting("SIGNUP_MAX_PER_SOURCE") and from_here.oldest is not None:
        raise SignupThrottled(
            str(_l("Too many sign-ups from here. Try again later.")),
            retry_after=seconds(from_here.oldest + window - now),
        )
    for_address = recent(at, SignupRequest.email == email, since=now - window)
    purge(SignupRequest, at, now - timedelta(seconds=_setting("SIGNUP_TOKEN_MAX_AGE_SECONDS")))
    request = SignupRequest(
        organisation_id=organisation.id,
        email=email,
        name=name[:200],
        password_hash=hash_password(password),
        locale=locale if locale in ("nl", "en") else "nl",
        ip=source,
    )
    db.session.add(request)
    db.session.flush()
    if for_address.count >= _setting("SIGNUP_MAX_PER_ADDRESS"):
        log.info("sign-up for an address that had its share of links: none sent")
        return
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        queue_to_address(
            "account.signup_exists",
            email,
            existing.locale,
            _l("You already have a learnpath account"),
            "accounts/signup_exists",
            organisation_id=existing.organisation_id,
            name=existing.name,
            login=external_url("accounts.login"),
            reset=external_url("accounts.forgot_password"),
        )
        return
    queue_to_address(
        "account.signup",
        email,
        request.locale,
        _l("Confirm your learnpath account"),
        "accounts/signup",
        organisation_id=organisation.id,
        name=request.name,
        organisation=organisation,
        link=external_url("accounts.confirm_signup", token=_serializer().dumps({"r": request.id})),
        hours=_setting("SIGNUP_TOKEN_MAX_AGE_SECONDS") // 3600,
    )


def complete_signup(token: str) -> User:
    """Make the account of a valid, unused, unexpired link and return it (the caller signs
    them in); InvalidLink otherwise."""
    try:
        data = _serializer().loads(token, max_age=_setting("SIGNUP_TOKEN_MAX_AGE_SECONDS"))
    except SignatureExpired as exc:
        raise InvalidLink(str(_l("This link has expired. Sign up again."))) from exc
    except BadSignature as exc:
        raise InvalidLink(str(_l("This link is not valid."))) from exc
    request_id = data.get("r") if isinstance(data, dict) else None
    request = (
        db.session.scalar(
            select(SignupRequest).where(SignupRequest.id == request_id).with_for_update()
        )
        if isinstance(request_id, int)
        else None
    )
    if request is None:
        raise InvalidLink(str(_l("This link is not valid.")))
    if request.used_at is not None or _has_account(request.email):
        raise InvalidLink(str(_l("This link has already been used: your account exists. Sign in.")))
    organisation = db.session.get(Organisation, request.organisation_id)
    listed = organisation_for(request.email)
    if organisation is None or listed is None or listed.id != organisation.id:
        raise InvalidLink(str(_l("Sign-up with this address is no longer possible.")))
    user = User(
        organisation_id=request.organisation_id,
        email=request.email,
        name=request.name,
        password_hash=request.password_hash,
        locale=request.locale,
        last_login_at=utcnow(),
    )
    user.role_rows.append(UserRole(role=Role.PARTICIPANT))
    request.used_at = utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:  # the same address confirmed at the same moment
        raise InvalidLink(
            str(_l("This link has already been used: your account exists. Sign in."))
        ) from exc
    account_created.send(None, user=user)
    return user


def _has_account(email: str) -> bool:
    return bool(
        db.session.scalar(select(func.count()).select_from(User).where(User.email == email))
    )
