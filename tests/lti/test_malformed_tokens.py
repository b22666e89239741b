"""Issue #25 point 5: malformed tokens are refused with the launch-refused page, never a 500.

Each token comes with a real state cookie and nonce from ``GET /lti/login``; eight of them are
not even signed, the others are signed by the registered platform's own key.
"""

from __future__ import annotations

import pytest

from tests.lti.helpers import assert_refused, claims, post_launch, start_login, unsigned, users
from tests.lti.platform import CLAIM

HEADER = {"alg": "RS256", "kid": "platform-key-1", "typ": "JWT"}


def _unsigned_cases(lti, nonce):
    body = claims(lti, nonce)
    return {
        "header is a JSON array": unsigned([HEADER], body),
        "header is a JSON string": unsigned("RS256", body),
        "body is a JSON array": unsigned(HEADER, [body]),
        "body is a JSON string": unsigned(HEADER, "claims"),
        "nonce is a number": unsigned(HEADER, {**body, "nonce": 12345}),
        "nonce is an object": unsigned(HEADER, {**body, "nonce": {"n": nonce}}),
        "aud is an empty list": unsigned(HEADER, {**body, "aud": []}),
        "iss is an object": unsigned(HEADER, {**body, "iss": {"x": 1}}),
        "aud is an object": unsigned(HEADER, {**body, "aud": {"x": 1}}),
        "not base64": f"{'%%%'}.{'!!!'}.x",
        "two parts": "abc.def",
    }


UNSIGNED = [
    "header is a JSON array",
    "header is a JSON string",
    "body is a JSON array",
    "body is a JSON string",
    "nonce is a number",
    "nonce is an object",
    "aud is an empty list",
    "iss is an object",
    "aud is an object",
    "not base64",
    "two parts",
]


@pytest.mark.parametrize("case", UNSIGNED)
def test_unsigned_malformed_tokens_are_refused(client, lti, case):
    login = start_login(client, lti)
    before = users()
    token = _unsigned_cases(lti, login["nonce"])[case]
    response = post_launch(client, token, login["state"])
    assert_refused(client, response, before)
    assert "kon niet worden geaccepteerd" in response.text, case


SIGNED = {
    "deployment_id is a list": {CLAIM + "deployment_id": ["deployment-1"]},
    "deployment_id is an object": {CLAIM + "deployment_id": {"id": "deployment-1"}},
    "resource_link is a string": {CLAIM + "resource_link": "link-1"},
    "resource_link id is an object": {CLAIM + "resource_link": {"id": {"x": 1}}},
    "context is a list": {CLAIM + "context": ["course-1"]},
    "context title is an object": {CLAIM + "context": {"id": "c", "title": {"x": 1}}},
    "custom is a string": {CLAIM + "custom": "learnpath_cohort=1"},
    "custom holds an object": {CLAIM + "custom": {"learnpath_cohort": {"id": 1}}},
    "roles is a string": {CLAIM + "roles": "Learner"},
    "sub is a number": {"sub": 17},
    "email is a list": {"email": ["a@example.org"]},
    "sub longer than a column": {"sub": "s" * 300},
}


@pytest.mark.parametrize("case", list(SIGNED))
def test_signed_tokens_with_claims_of_the_wrong_type_are_refused(client, lti, case):
    login = start_login(client, lti)
    before = users()
    token = lti.platform.sign(claims(lti, login["nonce"], **SIGNED[case]))
    response = post_launch(client, token, login["state"])
    assert_refused(client, response, before)
