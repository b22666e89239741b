"""PyLTI1p3 wired to our database instead of process memory or the Flask session.

- ``DatabaseStorage`` keeps nonces, OIDC state and validated launches in ``lti_launch_values``,
  so a login handled by one gunicorn worker and the launch by another agree.
- ``OneTimeNonceSessionService`` consumes a nonce when it is checked: PyLTI1p3 only checks
  that it exists, which would accept a replayed id_token.
- ``DatabaseToolConf`` finds registrations and deployments in our tables and signs with the
  current tool key.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deployment import Deployment as LibDeployment
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration as LibRegistration
from pylti1p3.session import SessionService
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import delete, select

from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.lti import keys
from learnpath.lti.models import Deployment, LaunchValue, Registration

#: Validated launch data and state live this long (seconds); nonces are consumed earlier.
LAUNCH_LIFETIME = 3600


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
        expires_at = utcnow() + timedelta(seconds=exp or LAUNCH_LIFETIME)
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
    return {"session_service": OneTimeNonceSessionService(request)}


def oidc_login(request: FlaskRequest) -> FlaskOIDCLogin:
    """PyLTI1p3's OIDC login with our storage and registrations."""
    return FlaskOIDCLogin(request, DatabaseToolConf(), **_services(request))


def message_launch(request: FlaskRequest) -> FlaskMessageLaunch:
    """PyLTI1p3's launch validator with our storage and registrations."""
    return FlaskMessageLaunch(request, DatabaseToolConf(), **_services(request))


def restored_launch(launch_id: str, request: FlaskRequest) -> FlaskMessageLaunch:
    """A launch validated earlier (by any worker), e.g. to answer a Deep Linking request."""
    services = _services(request)
    launch = FlaskMessageLaunch.from_cache(launch_id, request, DatabaseToolConf(), **services)
    return launch  # type: ignore[return-value]
