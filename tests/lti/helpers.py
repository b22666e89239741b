"""Building blocks for hostile launches: a login's state and nonce, hand-made tokens, checks."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from learnpath.accounts.models import User
from learnpath.extensions import db
from learnpath.lti.cookies import LTI_COOKIE
from learnpath.lti.models import UserLink
from tests.lti.platform import CLAIM, LEARNER


def login_redirect(client: Any, lti: Any, hint: str = "hint", **query: str) -> Any:
    """GET /lti/login as the platform would; return the redirect to the platform's auth page."""
    platform = lti.platform
    response = client.get(
        "/lti/login",
        query_string={
            "iss": platform.issuer,
            "login_hint": hint,
            "target_link_uri": "http://localhost/lti/launch",
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
            **query,
        },
    )
    assert response.status_code == 302, response.text
    return response


def start_login(client: Any, lti: Any, hint: str = "hint", **query: str) -> dict[str, str]:
    """GET /lti/login as the platform would; return the state and nonce it handed out."""
    response = login_redirect(client, lti, hint, **query)
    params = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}
    return {"state": params["state"], "nonce": params["nonce"]}


def claims(lti: Any, nonce: str, sub: str = "student-x", **overrides: Any) -> dict[str, Any]:
    """A complete, valid resource-link launch body."""
    platform = lti.platform
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": platform.issuer,
        "aud": platform.client_id,
        "sub": sub,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "name": "Sam Leerling",
        CLAIM + "message_type": "LtiResourceLinkRequest",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": platform.deployment_id,
        CLAIM + "roles": [LEARNER],
        CLAIM + "resource_link": {"id": "link-1", "title": "Loopbaantraject"},
        CLAIM + "context": {"id": "course-1", "title": "Loopbaan 2025"},
        CLAIM + "target_link_uri": "http://localhost/lti/launch",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not REMOVE}


REMOVE = object()  #: a claims() override value that leaves the claim out


def b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(header: Any, body: Any, signature: str = "c2ln") -> str:
    """A token from raw JSON values (any shape), with a meaningless signature."""
    return f"{b64(header)}.{b64(body)}.{signature}"


def post_launch(client: Any, token: str, state: str, **kwargs: Any) -> Any:
    return client.post("/lti/launch", data={"id_token": token, "state": state}, **kwargs)


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def links() -> int:
    return db.session.scalar(select(func.count()).select_from(UserLink)) or 0


def assert_refused(client: Any, response: Any, users_before: int, links_before: int = 0) -> None:
    """A clear refusal page; no account, no link, no signed-in session; never a 500."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert 'role="alert"' in response.text
    assert users() == users_before
    assert links() == links_before
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith(LTI_COOKIE + "=") and "Max-Age=0" not in c for c in cookies)
    with client.session_transaction() as session:
        assert "_user_id" not in session
