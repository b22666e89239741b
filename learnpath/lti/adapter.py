"""PyLTI1p3 wired to our database instead of process memory or the Flask session, and hardened.

- ``DatabaseStorage`` keeps OIDC state and deep-linking launches in ``lti_launch_values``,
  so a login handled by one gunicorn worker and the launch by another agree. Nothing lives
  longer than ``LAUNCH_LIFETIME`` (one hour); a login's state ``STATE_LIFETIME``.
- ``BoundLogin`` ties each login to the browser that started it: the state row holds the
  nonce and a hash of a random secret that only that browser's state cookie carries
  (``Partitioned`` over HTTPS, so the iframe launch works where third-party cookies are blocked).
- ``BoundLaunch`` checks, before PyLTI1p3 looks at the token: the state cookie matches the
  state row (which is then consumed: one launch per login), the token's shape and size
  (``tokens.check_shape``: ``exp`` and ``azp`` included), its issuer and client are the ones
  the login was for, and its nonce is that login's. Key sets come from ``fetching.key_set``
  (https, public addresses, timeout, cached). Only deep-linking launches are stored, and then
  only the claims the deep-linking answer needs.
- ``DatabaseToolConf`` finds registrations and deployments in our tables and signs with the
  current tool key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Response
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.contrib.flask.cookie import FlaskCookieService
from pylti1p3.deployment import Deployment as LibDeployment
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration as LibRegistration
from pylti1p3.registration import TKeySet
from pylti1p3.session import SessionService
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import delete, func, select

from learnpath.accounts import limits
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.lti import fetching, keys, tokens
from learnpath.lti.models import Deployment, LaunchValue, LoginStart, Registration

#: Nothing in ``lti_launch_values`` lives longer than this (seconds).
LAUNCH_LIFETIME = 3600
#: A login's state (and with it its nonce) is valid this long: the platform answers at once.
STATE_LIFETIME = 600
_STATE_PREFIX = "lti1p3-login-"
#: Claims kept of a deep-linking launch (to answer it); nothing else of any launch is stored.
_KEPT_CLAIMS = (
    "iss",
    "sub",
    tokens.CLAIM + "deployment_id",
    tokens.CLAIM + "message_type",
    tokens.CLAIM + "version",
    tokens.DL_CLAIM + "deep_linking_settings",
)


class DatabaseStorage(LaunchDataStorage[Any]):
    """Launch values in a table shared by all workers; keys are random, so no session prefix."""

    def get_session_cookie_name(self) -> str | None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        row = db.session.get(LaunchValue, self._prepare_key(key))
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        key = self._prepare_key(key)
        lifetime = min(exp or LAUNCH_LIFETIME, LAUNCH_LIFETIME)  # PyLTI1p3 asks for a day
        expires_at = utcnow() + timedelta(seconds=lifetime)
        row = db.session.get(LaunchValue, key)
        if row is None:
            db.session.add(LaunchValue(key=key, value=value, expires_at=expires_at))
        else:
            row.value, row.expires_at = value, expires_at
        db.session.flush()

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def pop_value(self, key: str) -> bool:
        """Delete an unexpired value; True only for the one caller that deleted it."""
        result = db.session.execute(
            delete(LaunchValue).where(
                LaunchValue.key == self._prepare_key(key), LaunchValue.expires_at > utcnow()
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def take_value(self, key: str) -> Any:
        """The unexpired value, deleted at once; None if absent or another caller took it."""
        value = self.get_value(key)
        if value is None or not self.pop_value(key):
            return None
        return value


class OneTimeNonceSessionService(SessionService):
    """Nonces are single use: checking one consumes it."""

    data_storage: DatabaseStorage

    def __init__(self, request: FlaskRequest) -> None:
        super().__init__(request)
        self.set_data_storage(DatabaseStorage())
        self.data_storage.set_request(request)

    def check_nonce(self, nonce: str) -> bool:
        return self.data_storage.pop_value(self._get_key("nonce", nonce))


def purge_expired() -> int:
    """Delete expired launch values; return how many."""
    result = db.session.execute(delete(LaunchValue).where(LaunchValue.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


# --- login rate limits ----------------------------------------------------------------------


def login_allowed(ip: str, config: Mapping[str, Any]) -> bool:
    """May this address start another login? Per-source rate, and a cap on pending logins.

    Both are counted in the database, so every worker and server sees the same numbers.
    """
    now = utcnow()
    since = now - timedelta(seconds=60)
    limits.purge(LoginStart, LoginStart.created_at, since)
    source = limits.source_of(ip)
    started = limits.recent(LoginStart.created_at, LoginStart.source == source, since=since)
    if started.count >= int(config.get("LTI_LOGINS_PER_MINUTE_PER_IP", 30)):
        return False
    db.session.add(LoginStart(source=source, created_at=now))
    purge_expired()
    pending = db.session.scalar(
        select(func.count())
        .select_from(LaunchValue)
        .where(LaunchValue.key.startswith(_STATE_PREFIX), LaunchValue.expires_at > utcnow())
    )
    return (pending or 0) < int(config.get("LTI_MAX_PENDING_LOGINS", 5000))


# --- login and launch bound to the browser ------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class StateCookieService(FlaskCookieService):
    """PyLTI1p3's state cookie, plus ``Partitioned`` over HTTPS (like the launch cookie)."""

    def update_response(self, response: Response) -> None:
        assert self._request is not None
        secure = bool(self._request.is_secure())
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(
                key,
                data["value"],
                max_age=data["exp"],
                secure=secure,
                httponly=True,
                path="/",
                samesite="None" if secure else "Lax",
                partitioned=secure,
            )


class BoundLogin(FlaskOIDCLogin):
    """OIDC login whose state and nonce belong to the browser that started it."""

    def _prepare_redirect_url(self, launch_url: str) -> str:
        self._registration = self.validate_oidc_login()
        hint = self._get_request_param("login_hint")
        message_hint = self._get_request_param("lti_message_hint")
        if len(hint) > tokens.MAX_STRING or len(message_hint or "") > tokens.MAX_STRING:
            raise OIDCException("login hint too long")
        state = "state-" + str(uuid.uuid4())
        browser = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        self._cookie_service.set_cookie(state, browser, STATE_LIFETIME)
        DatabaseStorage().set_value(
            _STATE_PREFIX + state,
            {
                "browser": _digest(browser),
                "nonce": nonce,
                "iss": self._registration.get_issuer(),
                "client_id": self._registration.get_client_id(),
            },
            STATE_LIFETIME,
        )
        params = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": self._registration.get_client_id(),
            "redirect_uri": launch_url,
            "state": state,
            "nonce": nonce,
            "login_hint": hint,
        }
        if message_hint:
            params["lti_message_hint"] = message_hint
        return f"{self._registration.get_auth_login_url()}?{urlencode(params)}"


class BoundLaunch(FlaskMessageLaunch):
    """A launch accepted only from the login's browser, with a well-formed, fresh token."""

    _login: dict[str, Any] | None = None

    def validate_state(self) -> BoundLaunch:
        state = self._get_request_param("state")
        if not isinstance(state, str) or not state.startswith("state-") or len(state) > 64:
            raise LtiException("State not found")
        browser = self._cookie_service.get_cookie(state)
        if not browser:
            raise LtiException("State not found (no state cookie in this browser)")
        storage = DatabaseStorage()
        login = storage.get_value(_STATE_PREFIX + state)
        if login is None:
            raise LtiException("Invalid Nonce: no such login (used already, or timed out)")
        if not isinstance(login, dict) or not hmac.compare_digest(
            str(login.get("browser")), _digest(browser)
        ):
            raise LtiException("State not found (state cookie of another login)")
        if storage.take_value(_STATE_PREFIX + state) is None:
            raise LtiException("Invalid Nonce: this login was used already")
        self._login = login
        return self

    def validate_jwt_format(self) -> BoundLaunch:
        try:
            header, body = tokens.check_shape(self._get_request_param("id_token"))
        except tokens.MalformedToken as exc:
            raise LtiException(f"Malformed id_token: {exc}") from exc
        assert self._login is not None
        if body["iss"] != self._login.get("iss"):
            raise LtiException("Registration not found: another issuer than this login's")
        if tokens.audiences(body)[0] != self._login.get("client_id"):
            raise LtiException("Client id not registered: another client than this login's")
        self._jwt = {"header": header, "body": body}  # type: ignore[typeddict-item]
        return self

    def validate_nonce(self) -> BoundLaunch:
        assert self._login is not None
        nonce = self._get_jwt_body().get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(
            nonce, str(self._login.get("nonce"))
        ):
            raise LtiException("Invalid Nonce")
        return self

    def fetch_public_key(self, key_set_url: str) -> TKeySet:
        kid = self._jwt.get("header", {}).get("kid")
        try:
            return fetching.key_set(key_set_url, kid)  # type: ignore[return-value]
        except fetching.KeySetError as exc:
            raise LtiException(f"Key set unavailable: {exc}") from exc

    def save_launch_data(self) -> BoundLaunch:
        body: Mapping[str, Any] = self._jwt["body"]
        if body.get(tokens.CLAIM + "message_type") == "LtiDeepLinkingRequest":
            kept = {k: body[k] for k in _KEPT_CLAIMS if k in body}
            context = body.get(tokens.CLAIM + "context") or {}
            if context.get("id"):  # the signed cohort binding names the course
                kept[tokens.CLAIM + "context"] = {"id": context["id"]}
            kept["aud"] = tokens.audiences(body)[0]
            self._session_service.save_launch_data(self._launch_id, kept)
        return self


class DatabaseToolConf(ToolConfAbstract[FlaskRequest]):
    """Registrations from ``lti_registrations``; every issuer may have several client ids."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> LibRegistration:
        raise NotImplementedError  # we always look up by issuer and client id

    def find_deployment(self, iss: str, deployment_id: str) -> LibDeployment | None:
        raise NotImplementedError

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LibRegistration:
        row = registration_for(iss, client_id)
        # PyLTI1p3 checks for a missing registration although its signature says otherwise.
        return None if row is None else to_library(row)  # type: ignore[return-value]

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LibDeployment | None:
        row = registration_for(iss, client_id)
        if row is None or deployment_id not in {d.deployment_id for d in row.deployments}:
            return None
        return LibDeployment().set_deployment_id(deployment_id)


def registration_for(issuer: str | None, client_id: str | None) -> Registration | None:
    """The registration of this issuer and client id, if any."""
    if not issuer or not client_id:
        return None
    return db.session.scalar(
        select(Registration).where(
            Registration.issuer == issuer, Registration.client_id == client_id
        )
    )


def deployment_exists(registration: Registration, deployment_id: str) -> bool:
    return (
        db.session.scalar(
            select(Deployment.id).where(
                Deployment.registration_id == registration.id,
                Deployment.deployment_id == deployment_id,
            )
        )
        is not None
    )


def to_library(row: Registration) -> LibRegistration:
    """PyLTI1p3's registration object for one of ours, with the current signing key."""
    key = keys.current_key()
    registration = (
        LibRegistration()
        .set_issuer(row.issuer)
        .set_client_id(row.client_id)
        .set_auth_login_url(row.auth_login_url)
        .set_auth_token_url(row.auth_token_url)
        .set_key_set_url(row.key_set_url)
        .set_tool_private_key(keys.private_pem(key))
        .set_tool_public_key(key.public_pem)
    )
    if row.auth_audience:
        registration.set_auth_audience(row.auth_audience)
    return registration


def _services(request: FlaskRequest) -> dict[str, Any]:
    return {
        "session_service": OneTimeNonceSessionService(request),
        "cookie_service": StateCookieService(request),
    }


def oidc_login(request: FlaskRequest) -> FlaskOIDCLogin:
    """The OIDC login with our storage and registrations, bound to the browser."""
    return BoundLogin(request, DatabaseToolConf(), **_services(request))


def message_launch(request: FlaskRequest) -> FlaskMessageLaunch:
    """The launch validator with our storage and registrations; ``exp`` and ``iat`` required."""
    launch = BoundLaunch(request, DatabaseToolConf(), **_services(request))
    # PyJWT takes "require" although PyLTI1p3 types the options as Dict[str, bool].
    launch.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})  # type: ignore[dict-item]
    return launch


def restored_launch(launch_id: str, request: FlaskRequest) -> FlaskMessageLaunch:
    """A deep-linking launch validated earlier (by any worker), to answer it."""
    services = _services(request)
    launch = BoundLaunch.from_cache(launch_id, request, DatabaseToolConf(), **services)
    return launch  # type: ignore[return-value]
