"""Issue #25 points 3 (azp) and 4 (size limits, only the needed claims stored)."""

from __future__ import annotations

from sqlalchemy import func, select

from learnpath.extensions import db
from learnpath.lti.models import LaunchValue
from tests.lti.helpers import assert_refused, claims, post_launch, start_login, users


def _launch(client, lti, **overrides):
    login = start_login(client, lti)
    token = lti.platform.sign(claims(lti, login["nonce"], **overrides))
    return post_launch(client, token, login["state"])


# --- azp --------------------------------------------------------------------------------------


def test_azp_naming_another_tool_is_refused_with_a_single_aud(client, lti):
    before = users()
    assert_refused(client, _launch(client, lti, azp="another-tool"), before)


def test_azp_naming_another_tool_is_refused_with_an_aud_list(client, lti):
    before = users()
    aud = [lti.platform.client_id, "another-tool"]
    assert_refused(client, _launch(client, lti, aud=aud, azp="another-tool"), before)


def test_several_audiences_without_azp_are_refused(client, lti):
    before = users()
    aud = [lti.platform.client_id, "another-tool"]
    assert_refused(client, _launch(client, lti, aud=aud), before)


def test_azp_of_our_client_is_accepted(client, lti):
    aud = [lti.platform.client_id, "another-tool"]
    response = _launch(client, lti, aud=aud, azp=lti.platform.client_id)
    assert response.status_code in (200, 302), response.text


# --- sizes ------------------------------------------------------------------------------------


def test_the_app_refuses_bodies_over_16_mib(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


def test_a_validly_signed_large_token_is_refused_and_nothing_is_stored(client, lti):
    before = users()
    padding = {f"https://example.org/claim/{i}": "x" * 1000 for i in range(1300)}
    response = _launch(client, lti, **padding)
    assert_refused(client, response, before)
    stored = db.session.scalars(select(LaunchValue.key)).all()
    assert all(key.startswith("lti1p3-login-") for key in stored)  # only the unused login


def test_a_30_mb_token_is_refused_before_it_is_read(client, lti):
    login = start_login(client, lti)
    before = users()
    response = post_launch(client, "a" * (30 * 1024 * 1024), login["state"])
    assert response.status_code == 413
    assert_refused(client, response, before)


def test_a_resource_launch_stores_no_claims_and_a_deep_link_only_what_it_needs(client, lti):
    response = _launch(client, lti, **{"https://example.org/claim/secret": "private"})
    assert response.status_code in (200, 302)
    assert db.session.scalar(select(func.count()).select_from(LaunchValue)) == 0

    from learnpath.accounts.models import Role
    from tests.lti.platform import CLAIM, INSTRUCTOR

    client.post("/logout")
    deep = {
        CLAIM + "message_type": "LtiDeepLinkingRequest",
        CLAIM + "roles": [INSTRUCTOR],
        CLAIM + "resource_link": None,
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": lti.platform.url + "/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
        },
        "https://example.org/claim/secret": "private",
        "email": "docent@example.org",
    }
    deep = {k: v for k, v in deep.items() if v is not None}
    login = start_login(client, lti)
    body = claims(lti, login["nonce"], sub="teacher-9", **deep)
    body.pop(CLAIM + "resource_link")
    response = post_launch(client, lti.platform.sign(body), login["state"])
    assert response.headers["Location"].endswith("/lti/deep-linking"), response.text
    (stored,) = db.session.scalars(select(LaunchValue)).all()
    assert "https://example.org/claim/secret" not in stored.value
    assert "email" not in stored.value and "name" not in stored.value
    assert Role.FACILITATOR  # the instructor's page works from the stored claims:
    assert client.get("/lti/deep-linking").status_code == 200
