"""Fixtures: a running test platform registered for the organisation, and a launch driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from learnpath.accounts.models import Organisation
from learnpath.extensions import db
from learnpath.lti import fetching, keys, services
from learnpath.lti.models import AdminRoleMapping, Registration
from tests.lti.helpers import login_redirect
from tests.lti.platform import TestPlatform, parse_auth_form


@dataclass
class Lti:
    platform: TestPlatform
    registration: Registration
    jwks: dict[str, Any]

    def refresh_jwks(self) -> None:
        self.jwks = keys.jwks()


@pytest.fixture
def lti(app: Any, org: Organisation) -> Iterator[Lti]:
    # The test platform listens on http://127.0.0.1 (what development allows, production not).
    app.config["LTI_ALLOW_HTTP_LOOPBACK"] = True
    fetching.clear_cache()
    keys.rotate_key()
    holder: dict[str, Any] = {}
    # The platform reads a snapshot of the tool's JWKS: it runs in another thread and must
    # not touch the database while the test holds it.
    with TestPlatform(lambda: holder["lti"].jwks) as platform:
        registration = services.save_registration(
            org,
            services.RegistrationData(
                name="Moodle van de gemeente",
                deployment_ids=[platform.deployment_id],
                admin_role=AdminRoleMapping.HR,
                **platform.registration_values(),
            ),
        )
        db.session.commit()
        holder["lti"] = Lti(platform, registration, keys.jwks())
        yield holder["lti"]


LaunchDriver = Callable[..., Any]


@pytest.fixture
def launch(client: Any, lti: Lti) -> LaunchDriver:
    """Drive login initiation -> platform auth -> id_token POST; return the launch response."""

    def run(hint: str, tamper: Callable[[str], str] | None = None) -> Any:
        start = login_redirect(client, lti, hint)
        form = parse_auth_form(requests.get(start.headers["Location"], timeout=10).text)
        assert form["action"] == "http://localhost/lti/launch"
        token = tamper(form["id_token"]) if tamper else form["id_token"]
        response = client.post("/lti/launch", data={"id_token": token, "state": form["state"]})
        response.form = {"id_token": token, "state": form["state"]}
        return response

    return run
