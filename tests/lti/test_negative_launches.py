"""The negative-launch table of issue #25: every refusal gives a clear page (role="alert"), no
account, no link, no signed-in session and never a 500. Runs on SQLite and on PostgreSQL
(``LEARNPATH_TEST_DATABASE_URL``) like every test.

Each case gets a fresh login (state cookie and nonce from ``GET /lti/login``) and returns the
id_token and state to post, and optionally another browser to post them from.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.lti.models import AdminRoleMapping
from tests.lti.helpers import (
    REMOVE,
    assert_refused,
    b64,
    claims,
    links,
    post_launch,
    start_login,
    unsigned,
    users,
)
from tests.lti.platform import CLAIM

Case = Callable[[Any, Any, dict[str, str]], tuple[str, str]]


def _signed(**overrides: Any) -> Case:
    return lambda lti, app, login: (lti.platform.sign(claims(lti, login["nonce"], **overrides)), "")


def _raw(header: Any, body_changes: dict[str, Any] | None = None, body: Any = None) -> Case:
    def make(lti: Any, app: Any, login: dict[str, str]) -> tuple[str, str]:
        payload = (
            body if body is not None else {**claims(lti, login["nonce"]), **(body_changes or {})}
        )
        return unsigned(header, payload), ""

    return make


def _alg_none(lti, app, login):
    body = claims(lti, login["nonce"])
    return f"{b64({'alg': 'none', 'kid': 'platform-key-1'})}.{b64(body)}.", ""


def _hs256_with_public_key(lti, app, login):
    public = lti.platform.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64({"alg": "HS256", "kid": "platform-key-1"})
    body = b64(claims(lti, login["nonce"]))
    signature = hmac.new(public, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}", ""


def _unknown_kid(lti, app, login):
    return lti.platform.sign(claims(lti, login["nonce"]), kid="not-published"), ""


def _header(**extra: Any) -> Case:
    def make(lti, app, login):
        token = jwt.encode(
            claims(lti, login["nonce"]),
            lti.platform.key,
            algorithm="RS256",
            headers={"kid": lti.platform.kid, **extra},
        )
        return token, ""

    return make


def _tampered(lti, app, login):
    head, _body, signature = lti.platform.sign(claims(lti, login["nonce"])).split(".")
    return f"{head}.{b64(claims(lti, login['nonce'], sub='someone-else'))}.{signature}", ""


def _replayed(lti, app, login):
    token = lti.platform.sign(claims(lti, login["nonce"], sub="first"))
    return token, "replay"


def _other_login_nonce(lti, app, login):
    return lti.platform.sign(claims(lti, "a-nonce-this-login-never-had")), ""


def _no_state_cookie(lti, app, login):
    return lti.platform.sign(claims(lti, login["nonce"])), "other-browser"


def _huge(lti, app, login):
    padding = {f"https://example.org/claim/{i}": "x" * 1000 for i in range(1300)}
    return lti.platform.sign(claims(lti, login["nonce"], **padding)), ""


def _admin_email(lti, app, login):
    lti.registration.admin_role = AdminRoleMapping.NONE
    lti.registration.link_by_email = False
    db.session.commit()
    return lti.platform.sign(claims(lti, login["nonce"], email="beheer@example.org")), ""


def _other_org_email(lti, app, login):
    return lti.platform.sign(claims(lti, login["nonce"], email="elders@example.org")), ""


HEADER = {"alg": "RS256", "kid": "platform-key-1"}
NOW = int(time.time())

CASES: dict[str, Case] = {
    # signatures and keys
    "tampered body": _tampered,
    "alg none": _alg_none,
    "HS256 signed with the public key": _hs256_with_public_key,
    "unknown kid": _unknown_kid,
    "jku header": _header(jku="https://evil.example/jwks"),
    "jwk header": _header(jwk={"kty": "RSA", "n": "x", "e": "AQAB"}),
    # time
    "expired": _signed(exp=NOW - 60, iat=NOW - 400),
    "no exp": _signed(exp=REMOVE),
    "no iat": _signed(iat=REMOVE),
    # who it is for
    "wrong audience": _signed(aud="another-tool"),
    "wrong issuer": _signed(iss="https://evil.example"),
    "unknown deployment": _signed(**{CLAIM + "deployment_id": "elsewhere"}),
    "azp of another tool": _signed(azp="another-tool"),
    "aud list without azp": _signed(aud=["learnpath-client", "another-tool"]),
    # nonce and state
    "replayed token": _replayed,
    "nonce of no login": _other_login_nonce,
    "no state cookie (another browser)": _no_state_cookie,
    # message
    "wrong message type": _signed(**{CLAIM + "message_type": "LtiSomethingElse"}),
    "wrong version": _signed(**{CLAIM + "version": "1.1"}),
    "no resource link": _signed(**{CLAIM + "resource_link": REMOVE}),
    "observer only": _signed(
        **{CLAIM + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]}
    ),
    "no sub": _signed(sub=REMOVE),
    # malformed (unsigned)
    "header a JSON array": _raw([HEADER]),
    "header a JSON string": _raw("RS256"),
    "body a JSON array": _raw(HEADER, body=[1, 2]),
    "body a JSON string": _raw(HEADER, body="claims"),
    "nonce a number": _raw(HEADER, {"nonce": 7}),
    "nonce an object": _raw(HEADER, {"nonce": {"a": 1}}),
    "aud empty list": _raw(HEADER, {"aud": []}),
    "iss an object": _raw(HEADER, {"iss": {"a": 1}}),
    "aud an object": _raw(HEADER, {"aud": {"a": 1}}),
    # malformed (signed)
    "deployment_id a list": _signed(**{CLAIM + "deployment_id": ["deployment-1"]}),
    "resource_link a string": _signed(**{CLAIM + "resource_link": "link-1"}),
    "context a list": _signed(**{CLAIM + "context": ["course-1"]}),
    "custom a string": _signed(**{CLAIM + "custom": "a=b"}),
    # sizes
    "1.3 MB signed token": _huge,
    # accounts
    "email of the admin (linking off)": _admin_email,
    "email of another organisation's account": _other_org_email,
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_refused_launch_leaves_nothing_behind(app, client, lti, make_user, make_org, case):
    make_user(Role.ADMIN, email="beheer@example.org")
    make_user(Role.PARTICIPANT, organisation=make_org(), email="elders@example.org")
    login = start_login(client, lti)
    token, how = CASES[case](lti, app, login)
    browser = client
    if how == "replay":
        assert post_launch(client, token, login["state"]).status_code in (200, 302)
        client.post("/logout")
    elif how == "other-browser":
        browser = app.test_client()
    before = users(), links()
    response = post_launch(browser, token, login["state"])
    assert_refused(browser, response, *before)
    assert response.status_code != 500
    json.dumps(case)  # (keeps the case name in the failure output)
