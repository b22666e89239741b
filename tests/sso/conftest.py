"""Two real OpenID providers (tests/oidc/provider.mjs) for organisations A and B, and helpers
that sign in through them the way a browser does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from learnpath.accounts.models import Organisation, User
from learnpath.extensions import db
from learnpath.sso import services
from learnpath.sso.models import MfaClaim, OidcIdentity, OidcProvider
from tests.oidc import server
from tests.oidc.server import RunningProvider, account

BASE_URL = "http://localhost"

ACCOUNTS_A = {
    "anna": account(
        "anna@testdorp.nl", name="Anna de Vries", department="Sociaal domein", amr=["pwd"]
    ),
    "henk": account("henk@testdorp.nl", name="Henk HR", amr=["pwd", "mfa"]),
    "piet": account("piet@testdorp.nl", name="Piet Beheer", amr=["pwd"]),
    "unverified": account("nog.niet@testdorp.nl", verified=False),
    "outsider": account("iemand@elders.nl"),
    "gone": account("vertrokken@testdorp.nl"),
    "clash": account("dubbel@testdorp.nl"),
}
ACCOUNTS_B = {"bea": account("bea@anderdorp.nl", name="Bea Bakker")}


@pytest.fixture(scope="session")
def provider_a(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningProvider]:
    with server.running(
        tmp_path_factory.mktemp("oidc-a"),
        clients=[server.client_metadata("learnpath-a", BASE_URL)],
        accounts=ACCOUNTS_A,
    ) as running:
        yield running


@pytest.fixture(scope="session")
def provider_b(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningProvider]:
    with server.running(
        tmp_path_factory.mktemp("oidc-b"),
        clients=[server.client_metadata("learnpath-b", BASE_URL)],
        accounts=ACCOUNTS_B,
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def _loopback_providers(app: Any) -> None:
    """The test providers run on http://127.0.0.1 (allowed only outside production)."""
    app.config["LTI_ALLOW_HTTP_LOOPBACK"] = True
    services.clear_cache()


def register(
    organisation: Organisation,
    provider: RunningProvider,
    domains: str,
    *,
    password_sign_in: bool = True,
    mfa_claim: MfaClaim = MfaClaim.AMR,
) -> OidcProvider:
    registered = services.save_provider(
        organisation,
        services.ProviderData(
            issuer=provider.issuer,
            client_id=provider.client_id,
            client_secret=server.CLIENT_SECRET,
            allowed_domains=domains,
            department_claim="department",
            mfa_claim=mfa_claim,
            mfa_values="mfa",
            enabled=True,
            password_sign_in=password_sign_in,
        ),
        None,
    )
    db.session.commit()
    return registered


@dataclass
class Attempt:
    """A sign-in through the provider up to (not yet into) the callback."""

    callback: str  #: path and query of the redirect back to learnpath


def through_provider(
    client: FlaskClient, organisation: Organisation, provider: RunningProvider, login: str
) -> Attempt:
    started = client.get(f"/inloggen/via/{organisation.slug}/start")
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    back = provider.sign_in(started.headers["Location"], login, stop_at=BASE_URL)
    return Attempt(callback=server.query_of(back))


def sign_in(
    client: FlaskClient, organisation: Organisation, provider: RunningProvider, login: str
) -> Any:
    attempt = through_provider(client, organisation, provider, login)
    return client.get(attempt.callback)


def counts() -> tuple[int, int]:
    db.session.rollback()
    return (
        db.session.scalar(select(func.count()).select_from(User)) or 0,
        db.session.scalar(select(func.count()).select_from(OidcIdentity)) or 0,
    )
