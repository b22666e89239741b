"""OpenID Connect sign-in: the provider of an organisation, the code flow, the account.

The flow is the Authorization Code flow with PKCE (S256), through Authlib's OAuth 2 client:

1. ``start_login`` makes ``state``, ``nonce`` and the PKCE verifier, keeps them in an
   ``OidcPendingLogin`` row (and ``state`` also in the browser's session) and returns the
   provider's authorization URL.
2. ``finish_login`` takes the row away (each ``state`` counts once: a replayed callback, and so
   a replayed nonce, finds nothing), exchanges the code for tokens and checks the ID token:
   signature by the provider's JWKS, ``iss``, ``aud``, ``exp``, ``nonce`` (and ``at_hash``,
   ``azp``); for Entra ID also that ``tid`` is the tenant of the issuer.
3. ``account_for`` finds the account by (issuer, subject), else links the account with the
   same verified email address in the same organisation, else creates a participant. Every
   refusal (domain not allowed, email not verified, deactivated account, ...) creates nothing.

Provider URLs are checked as the LTI platform URLs are (``lti.fetching``: https only, no
internal addresses; ``LTI_ALLOW_HTTP_LOOPBACK`` lets development and tests use a local one).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidTokenError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry, extract_compact
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from learnpath.accounts import limits
from learnpath.accounts import services as accounts
from learnpath.accounts.limits import purge
from learnpath.accounts.models import Department, Organisation, Role, User
from learnpath.accounts.signals import account_created
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.lti import fetching
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit
from learnpath.sso.models import (
    MfaClaim,
    OidcIdentity,
    OidcLoginStart,
    OidcPendingLogin,
    OidcProvider,
)
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

#: Seconds a sign-in may take at the provider.
PENDING_SECONDS = 10 * 60
#: Sign-ins under way at most (all organisations); past that the oldest are not waited for.
MAX_PENDING = 5000
#: Seconds of clock difference tolerated in exp/iat.
LEEWAY = 60
#: Seconds discovery documents are used before asking the provider again.
METADATA_TTL = 300
SCOPES = "openid email profile"
#: Signature algorithms accepted for ID tokens (asymmetric only: never "none" or HS*).
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
ENTRA_HOST = "login.microsoftonline.com"
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SsoError(Refusal):
    """Signing in with the organisation's provider was refused; the message is safe to show."""


# --- the client secret, at rest -------------------------------------------------------------


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hashlib.sha256(b"learnpath-oidc-client:" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def client_secret(provider: OidcProvider) -> str:
    try:
        return _fernet().decrypt(provider.client_secret_encrypted.encode()).decode()
    except InvalidToken as exc:
        raise SsoError(
            _l("The sign-in settings of your organisation must be saved again by an administrator.")
        ) from exc


# --- registering the provider (admin) -------------------------------------------------------


@dataclass(frozen=True)
class ProviderData:
    issuer: str
    client_id: str
    client_secret: str | None  #: None or "": keep the stored one
    allowed_domains: str
    department_claim: str | None
    mfa_claim: MfaClaim
    mfa_values: str
    enabled: bool
    password_sign_in: bool


def parse_domains(text: str) -> list[str]:
    """Domains from free text (commas, spaces or lines), lower-cased, without "@"; refuses
    anything that is not a domain name."""
    domains: list[str] = []
    for raw in re.split(r"[\s,;]+", text.strip().lower()):
        domain = raw.lstrip("@")
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            raise SsoError(
                _l("“%(domain)s” is not a domain name.", domain=domain[:100]),
                errors={
                    "allowed_domains": str(
                        _l("“%(domain)s” is not a domain name.", domain=domain[:100])
                    )
                },
            )
        if domain not in domains:
            domains.append(domain)
    return domains


def _check_issuer(issuer: str) -> str:
    issuer = issuer.strip()
    try:
        fetching.check_platform_url(issuer)
    except fetching.UnsafeUrl as exc:
        raise SsoError(str(exc), errors={"issuer": str(exc)}) from exc
    return issuer


def save_provider(
    organisation: Organisation,
    data: ProviderData,
    provider: OidcProvider | None,
    actor: User | None = None,
) -> OidcProvider:
    """Register or change the organisation's provider; its discovery document must load.

    ``actor``: the administrator, named in the audit log (None: set up by code, e.g. the demo).
    """
    issuer = _check_issuer(data.issuer)
    domains = parse_domains(data.allowed_domains)
    if not domains:
        message = str(_l("Enter at least one email domain."))
        raise SsoError(message, errors={"allowed_domains": message})
    others = db.session.scalars(
        select(OidcProvider).where(OidcProvider.organisation_id != organisation.id)
    ).all()
    for other in others:
        taken = set(other.domains) & set(domains)
        if taken:
            message = str(
                _l("%(domain)s signs in with another organisation.", domain=sorted(taken)[0])
            )
            raise SsoError(message, errors={"allowed_domains": message})
    if provider is None and not data.client_secret:
        message = str(_l("Enter the client secret."))
        raise SsoError(message, errors={"client_secret": message})
    values = data.mfa_values.split()
    if data.mfa_claim is not MfaClaim.NONE and not values:
        message = str(_l("Enter the values that mean a second factor was used."))
        raise SsoError(message, errors={"mfa_values": message})
    if not data.password_sign_in and not data.enabled:
        message = str(_l("Password sign-in can only be switched off while this sign-in is on."))
        raise SsoError(message, errors={"password_sign_in": message})
    try:
        metadata(issuer, refresh=True)
    except SsoError as exc:
        raise SsoError(str(exc), errors={"issuer": str(exc)}) from exc
    action = AuditAction.SSO_PROVIDER_CHANGED
    if provider is None:
        action = AuditAction.SSO_PROVIDER_REGISTERED
        provider = OidcProvider(organisation_id=organisation.id)
        db.session.add(provider)
    provider.issuer = issuer
    provider.client_id = data.client_id.strip()
    if data.client_secret:
        provider.client_secret_encrypted = encrypt_secret(data.client_secret)
    provider.allowed_domains = "\n".join(domains)
    provider.department_claim = (data.department_claim or "").strip() or None
    provider.mfa_claim = data.mfa_claim
    provider.mfa_values = " ".join(values)
    provider.enabled = data.enabled
    organisation.password_sign_in = data.password_sign_in
    db.session.flush()
    if actor is not None:
        record_audit(actor, actor.id, action, f"oidc_provider:{provider.id}")
    return provider


def provider_of(organisation: Organisation) -> OidcProvider | None:
    return db.session.scalar(
        select(OidcProvider).where(OidcProvider.organisation_id == organisation.id)
    )


def provider_for_email(email: str) -> OidcProvider | None:
    """The enabled provider whose allowed domains hold the domain of ``email``."""
    domain = accounts.normalise_email(email).rpartition("@")[2]
    if not domain or not _DOMAIN.match(domain):
        return None
    candidates = db.session.scalars(
        select(OidcProvider).where(
            OidcProvider.enabled.is_(True), OidcProvider.allowed_domains.contains(domain)
        )
    ).all()
    return next((p for p in candidates if domain in p.domains), None)


def provider_for_slug(slug: str) -> OidcProvider | None:
    return db.session.scalar(
        select(OidcProvider)
        .join(Organisation, Organisation.id == OidcProvider.organisation_id)
        .where(Organisation.slug == slug, OidcProvider.enabled.is_(True))
    )


# --- discovery ------------------------------------------------------------------------------

_metadata_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _metadata_cache.clear()
    fetching.clear_cache()


def metadata(issuer: str, *, refresh: bool = False) -> dict[str, Any]:
    """The provider's discovery document (cached per worker), checked to be for ``issuer``."""
    now = time.monotonic()
    with _lock:
        cached = _metadata_cache.get(issuer)
    if cached is not None and not refresh and now - cached[0] < METADATA_TTL:
        return cached[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        document = fetching.fetch_json(url)
    except fetching.KeySetError as exc:
        log.warning("OpenID discovery failed: %s", exc)
        raise SsoError(
            _l("The sign-in service of your organisation cannot be reached. Try again later.")
        ) from exc
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(document, dict) or not all(isinstance(document.get(k), str) for k in needed):
        raise SsoError(_l("The provider's discovery document is not an OpenID configuration."))
    if document["issuer"] != issuer:
        raise SsoError(
            _l(
                "The provider calls itself “%(found)s”, not “%(issuer)s”: enter that issuer.",
                found=str(document["issuer"])[:200],
                issuer=issuer[:200],
            )
        )
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        try:
            fetching.check_platform_url(document[key])
        except fetching.UnsafeUrl as exc:
            raise SsoError(str(exc)) from exc
    with _lock:
        _metadata_cache[issuer] = (time.monotonic(), document)
    return document


# --- the code flow --------------------------------------------------------------------------


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def callback_url() -> str:
    """The redirect URI to register at the provider (one for every organisation)."""
    return external_url("sso.callback")


def _client(provider: OidcProvider, **kwargs: Any) -> OAuth2Session:
    client = OAuth2Session(
        client_id=provider.client_id,
        client_secret=client_secret(provider),
        scope=SCOPES,
        redirect_uri=callback_url(),
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
        **kwargs,
    )
    client.max_redirects = 0
    adapter = fetching._TimeoutAdapter(fetching.timeout())
    client.mount("https://", adapter)
    client.mount("http://", adapter)
    return client


def start_allowed(ip: str, per_minute: int) -> bool:
    """May this address start another sign-in? At most ``per_minute`` a minute per source
    (an IPv4 address or an IPv6 /64), counted in the database so all servers share the count.
    An allowed start is counted (the caller commits either way)."""
    now = utcnow()
    since = now - timedelta(seconds=60)
    purge(OidcLoginStart, OidcLoginStart.created_at, since)
    source = limits.source_of(ip)
    started = limits.recent(OidcLoginStart.created_at, OidcLoginStart.source == source, since=since)
    if started.count >= per_minute:
        return False
    db.session.add(OidcLoginStart(source=source, created_at=now))
    db.session.flush()
    return True


@dataclass(frozen=True)
class Started:
    url: str
    state: str


def start_login(provider: OidcProvider, next_url: str | None) -> Started:
    """Begin a sign-in at ``provider``: the URL to send the browser to, and its ``state``."""
    if not provider.enabled:
        raise SsoError(_l("Signing in with your organisation is switched off."))
    document = metadata(provider.issuer)
    now = utcnow()
    purge(OidcPendingLogin, OidcPendingLogin.expires_at, now, key=OidcPendingLogin.state_hash)
    pending = db.session.scalar(select(func.count()).select_from(OidcPendingLogin)) or 0
    if pending >= MAX_PENDING:
        raise SsoError(_l("Too many people are signing in at the moment. Try again in a minute."))
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    client = _client(provider)
    url, _ = client.create_authorization_url(
        document["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
    )
    db.session.add(
        OidcPendingLogin(
            state_hash=_hash(state),
            provider_id=provider.id,
            nonce=nonce,
            code_verifier=verifier,
            next_url=next_url,
            expires_at=now + timedelta(seconds=PENDING_SECONDS),
        )
    )
    db.session.flush()
    return Started(url=url, state=state)


@dataclass(frozen=True)
class SignedIn:
    user: User
    provider: OidcProvider
    mfa_done: bool
    next_url: str | None
    logout_url: str | None


_EXPIRED = _l("This sign-in has expired or was already used. Start again.")


def _take_pending(state: str, session_state: str | None) -> OidcPendingLogin:
    if not state or not session_state or not secrets.compare_digest(state, session_state):
        raise SsoError(_EXPIRED)
    pending = db.session.get(OidcPendingLogin, _hash(state))
    if pending is None:
        raise SsoError(_EXPIRED)
    taken = db.session.execute(
        delete(OidcPendingLogin).where(OidcPendingLogin.state_hash == pending.state_hash)
    )
    if getattr(taken, "rowcount", 0) != 1:  # another request used it at the same moment
        raise SsoError(_EXPIRED)
    if pending.expires_at <= utcnow():
        raise SsoError(_EXPIRED)
    return pending


def discard_pending(state: str) -> None:
    """Use up the pending login of ``state`` (after a refused callback)."""
    if state:
        db.session.execute(
            delete(OidcPendingLogin).where(OidcPendingLogin.state_hash == _hash(state))
        )


def finish_login(
    state: str, session_state: str | None, code: str | None, error: str | None
) -> SignedIn:
    """Complete the sign-in the provider sent back: tokens, ID token, account.

    The pending login is used up even when the sign-in is refused (the caller commits that);
    nothing else is kept then.
    """
    pending = _take_pending(state, session_state)
    provider = db.session.get(OidcProvider, pending.provider_id)
    if provider is None or not provider.enabled:
        raise SsoError(_l("Signing in with your organisation is switched off."))
    if error:
        if error == "access_denied":
            raise SsoError(_l("The sign-in was cancelled at your organisation."))
        raise SsoError(_l("Your organisation's sign-in service refused the sign-in."))
    if not code:
        raise SsoError(_EXPIRED)
    document = metadata(provider.issuer)
    try:
        token = _client(provider).fetch_token(
            document["token_endpoint"],
            code=code,
            grant_type="authorization_code",
            code_verifier=pending.code_verifier,
        )
    except (requests.RequestException, ValueError) as exc:
        log.warning("token request to %s failed: %s", provider.issuer, exc)
        raise SsoError(_l("Your organisation's sign-in service refused the sign-in.")) from exc
    except Exception as exc:  # authlib's OAuthError and friends
        log.warning("token request to %s refused: %s", provider.issuer, exc)
        raise SsoError(_l("Your organisation's sign-in service refused the sign-in.")) from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SsoError(_l("Your organisation's sign-in service sent no ID token."))
    claims = validate_id_token(
        provider, document, id_token, pending.nonce, access_token=token.get("access_token")
    )
    user = account_for(provider, claims)
    return SignedIn(
        user=user,
        provider=provider,
        mfa_done=provider_checked_mfa(provider, claims),
        next_url=pending.next_url,
        logout_url=logout_url(provider, document, id_token),
    )


# --- the ID token ---------------------------------------------------------------------------

_REFUSALS = {
    "iss": _l("This sign-in comes from another sign-in service than your organisation's."),
    "aud": _l("This sign-in was meant for another application."),
    "azp": _l("This sign-in was meant for another application."),
    "nonce": _l("This sign-in was already used or belongs to another attempt. Start again."),
    "tid": _l("This sign-in comes from another Microsoft tenant than your organisation's."),
}
_INVALID = _l("The sign-in could not be verified. Start again.")


def _key_set(document: Mapping[str, Any], kid: str | None) -> KeySet:
    try:
        return KeySet.import_key_set(fetching.key_set(document["jwks_uri"], kid))  # type: ignore[arg-type]
    except (fetching.KeySetError, JoseError, ValueError) as exc:
        log.warning("key set of %s unusable: %s", document.get("issuer"), exc)
        raise SsoError(
            _l("The sign-in service of your organisation cannot be reached. Try again later.")
        ) from exc


def validate_id_token(
    provider: OidcProvider,
    document: Mapping[str, Any],
    id_token: str,
    nonce: str,
    *,
    access_token: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """The claims of ``id_token`` once its signature, iss, aud, exp, nonce and (Entra) tid
    are right; else SsoError naming what is wrong."""
    supported = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in supported if a in ALGORITHMS] or ["RS256"]
    try:
        header = extract_compact(id_token.encode()).headers()
    except (JoseError, ValueError) as exc:
        raise SsoError(_INVALID) from exc
    kid = header.get("kid")
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        decoded = jwt.decode(id_token, _key_set(document, kid), registry=registry)
    except BadSignatureError as exc:
        raise SsoError(_l("The sign-in's signature is not right. Start again.")) from exc
    except (JoseError, ValueError) as exc:
        log.info("ID token from %s not decoded: %s", provider.issuer, exc)
        raise SsoError(_l("The sign-in's signature is not right. Start again.")) from exc
    params: dict[str, Any] = {"nonce": nonce, "client_id": provider.client_id}
    if access_token:
        params["access_token"] = access_token
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
        "exp": {"essential": True},
        "sub": {"essential": True},
        "nonce": {"essential": True},
    }
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(now=now, leeway=LEEWAY)
    except ExpiredTokenError as exc:
        raise SsoError(_l("The sign-in has expired. Start again.")) from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        name = getattr(exc, "claim", None) or str(exc)
        message = next((m for key, m in _REFUSALS.items() if key in str(name)), _INVALID)
        log.info("ID token from %s refused: %s", provider.issuer, exc)
        raise SsoError(message) from exc
    except (InvalidTokenError, JoseError) as exc:
        raise SsoError(_INVALID) from exc
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(
        claims["nonce"], nonce
    ):
        raise SsoError(_REFUSALS["nonce"])
    if urlsplit(provider.issuer).hostname == ENTRA_HOST:
        tenant = urlsplit(provider.issuer).path.strip("/").split("/")[0]
        if claims.get("tid") != tenant:
            raise SsoError(_REFUSALS["tid"])
    return dict(claims)


def provider_checked_mfa(provider: OidcProvider, claims: Mapping[str, Any]) -> bool:
    """Whether the provider says it checked a second factor (as the provider is set up)."""
    wanted = set(provider.mfa_values.split())
    if provider.mfa_claim is MfaClaim.AMR:
        amr = claims.get("amr")
        return isinstance(amr, list) and bool(wanted & {str(v) for v in amr})
    if provider.mfa_claim is MfaClaim.ACR:
        return str(claims.get("acr") or "") in wanted
    return False


def logout_url(provider: OidcProvider, document: Mapping[str, Any], id_token: str) -> str | None:
    """Where to send the browser to sign out at the provider too (RP-initiated logout)."""
    endpoint = document.get("end_session_endpoint")
    if not isinstance(endpoint, str):
        return None
    try:
        fetching.check_platform_url(endpoint)
    except fetching.UnsafeUrl:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": provider.client_id,
            "post_logout_redirect_uri": external_url("sso.signed_out"),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


# --- the account ----------------------------------------------------------------------------


def subject_of(provider: OidcProvider, claims: Mapping[str, Any]) -> str:
    """Entra ID: the object id ``oid`` (the same person in every app); else ``sub``."""
    if urlsplit(provider.issuer).hostname == ENTRA_HOST and isinstance(claims.get("oid"), str):
        return str(claims["oid"])
    return str(claims["sub"])


def _email_of(claims: Mapping[str, Any]) -> str | None:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        return None
    return accounts.normalise_email(email)


def _email_verified(provider: OidcProvider, claims: Mapping[str, Any]) -> bool:
    """``email_verified``; Entra ID sends none, but ``xms_edov`` (the domain is verified by
    the tenant) when that optional claim is added."""
    if claims.get("email_verified") is True:
        return True
    return urlsplit(provider.issuer).hostname == ENTRA_HOST and claims.get("xms_edov") in (
        True,
        "true",
        "1",
        1,
    )


def _usable(user: User, provider: OidcProvider) -> User:
    if user.organisation_id != provider.organisation_id:
        raise SsoError(_l("This account belongs to another organisation."))
    if not user.is_active_account:
        raise SsoError(_l("Your account has been deactivated. Ask your organisation for help."))
    return user


def _department(provider: OidcProvider, claims: Mapping[str, Any]) -> Department | None:
    if not provider.department_claim:
        return None
    name = claims.get(provider.department_claim)
    if not isinstance(name, str) or not name.strip():
        return None
    name = " ".join(name.split())[:200]
    department = db.session.scalar(
        select(Department).where(
            Department.organisation_id == provider.organisation_id, Department.name == name
        )
    )
    if department is None:
        department = Department(organisation_id=provider.organisation_id, name=name)
        db.session.add(department)
    return department


def _name_of(claims: Mapping[str, Any], email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    name = " ".join(str(name or "").split())[:200]
    return name or email.partition("@")[0]


def account_for(provider: OidcProvider, claims: Mapping[str, Any]) -> User:
    """The account of the person the provider vouches for: found, linked or created."""
    subject = subject_of(provider, claims)
    identity = db.session.scalar(
        select(OidcIdentity).where(
            OidcIdentity.issuer == provider.issuer, OidcIdentity.subject == subject
        )
    )
    email = _email_of(claims)
    if identity is not None:
        user = _usable(identity.user, provider)
    else:
        if email is None:
            raise SsoError(_l("Your organisation's sign-in service sent no email address."))
        if email.rpartition("@")[2] not in provider.domains:
            raise SsoError(
                _l("Addresses at %(domain)s may not sign in here.", domain=email.rpartition("@")[2])
            )
        if not _email_verified(provider, claims):
            raise SsoError(
                _l("Your email address is not verified by your organisation's sign-in service.")
            )
        existing = db.session.scalar(select(User).where(User.email == email))
        if existing is not None:
            user = _usable(existing, provider)
            action = AuditAction.SSO_IDENTITY_LINKED
        else:
            user = _create(provider, claims, email)
            action = AuditAction.SSO_ACCOUNT_CREATED
        identity = _link(user, provider, subject)
        record_audit(user, user.id, action, f"oidc_provider:{provider.id}")
    department = _department(provider, claims)
    if department is not None:
        user.department = department
    if user.password_hash is None:
        # Flask-Login treats an account without a password as inactive; the provider vouches
        # for this person, and a random password nobody knows keeps password sign-in shut.
        user.password_hash = accounts.hash_password(secrets.token_urlsafe(32))
    now = utcnow()
    identity.last_used_at = now
    user.last_login_at = now
    db.session.flush()
    return user


def _create(provider: OidcProvider, claims: Mapping[str, Any], email: str) -> User:
    data = accounts.NewUser(
        email=email,
        name=_name_of(claims, email),
        roles=frozenset({Role.PARTICIPANT}),
        locale=current_app.config["BABEL_DEFAULT_LOCALE"],
    )
    organisation = db.session.get(Organisation, provider.organisation_id)
    assert organisation is not None
    try:
        with db.session.begin_nested():
            user = accounts.create_user(organisation, data)
        # Cohort invitations waiting for this address become ordinary ones.
        account_created.send(None, user=user)
        return user
    except (IntegrityError, accounts.AccountError) as exc:  # created at the same moment
        existing = db.session.scalar(select(User).where(User.email == email))
        if existing is None:
            raise SsoError(_INVALID) from exc
        return _usable(existing, provider)


def _link(user: User, provider: OidcProvider, subject: str) -> OidcIdentity:
    identity = OidcIdentity(
        user_id=user.id, provider_id=provider.id, issuer=provider.issuer, subject=subject
    )
    try:
        with db.session.begin_nested():
            db.session.add(identity)
    except IntegrityError as exc:  # linked at the same moment
        found = db.session.scalar(
            select(OidcIdentity).where(
                OidcIdentity.issuer == provider.issuer, OidcIdentity.subject == subject
            )
        )
        if found is None or found.user_id != user.id:
            raise SsoError(_INVALID) from exc
        return found
    return identity
