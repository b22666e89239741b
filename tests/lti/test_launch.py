"""The full LTI 1.3 flow against a real test platform, and every refused launch."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from sqlalchemy import func, select

from learnpath.accounts.models import Role, User
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.extensions import db
from learnpath.lti.cookies import LTI_COOKIE
from learnpath.lti.models import AdminRoleMapping, ResourceLink, UserLink
from learnpath.lti.services import map_roles
from tests.conftest import TEST_PASSWORD
from tests.factories import make_cohort
from tests.lti.platform import ADMINISTRATOR, CLAIM, INSTRUCTOR, LEARNER


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def _confirm(client, response, password=TEST_PASSWORD):
    """Answer the "link your account" page a launch for an existing account lands on."""
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith("/lti/account-koppelen")
    return client.post("/lti/account-koppelen", data={"password": password})


def _bind(client, launch, lti, facilitator, cohort, link="link-1"):
    # The facilitator has an account already: the registration offers linking by email and
    # the facilitator confirms it by signing in once.
    lti.registration.link_by_email = True
    db.session.commit()
    hint = lti.platform.prepare_launch(
        "teacher-1", [INSTRUCTOR], email=facilitator.email, resource_link_id=link
    )
    response = _confirm(client, launch(hint))
    assert response.headers["Location"].endswith("/lti/koppelen")
    response = client.post("/lti/koppelen", data={"cohort": cohort.id})
    assert response.status_code == 302, response.text
    return response


def test_instructor_binds_the_link_and_a_learner_lands_in_the_cohort(
    client, launch, lti, org, make_user
):
    facilitator = make_user(Role.FACILITATOR, email="begeleider@example.org")
    cohort = make_cohort(org, facilitator, name="Najaar")
    _bind(client, launch, lti, facilitator, cohort)
    link = db.session.scalar(select(ResourceLink))
    assert link.cohort_id == cohort.id and link.context_title == "Loopbaan 2025"
    assert client.get(f"/cohorten/{cohort.id}").status_code == 200  # signed in as facilitator

    hint = lti.platform.prepare_launch("student-1", [LEARNER], email="Sam@Example.org")
    response = launch(hint)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/mijn-traject")
    assert LTI_COOKIE in response.headers.get("Set-Cookie", "")
    user = db.session.scalar(select(User).where(User.email == "sam@example.org"))
    assert user.roles == {Role.PARTICIPANT} and user.organisation_id == org.id
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    assert enrolment.cohort_id == cohort.id and enrolment.status == EnrolmentStatus.ENROLLED
    page = client.get("/mijn-traject")
    assert page.status_code == 200
    assert "Najaar" in page.text
    assert (
        f"frame-ancestors 'self' {lti.platform.url};"
        in page.headers["Content-Security-Policy"] + ";"
    )

    # Launching again is the same person, the same place.
    launch(lti.platform.prepare_launch("student-1", [LEARNER], email="sam@example.org"))
    assert db.session.scalar(select(func.count()).select_from(UserLink)) == 2
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_learner_without_email_gets_an_account_and_waits_for_binding(client, launch, lti):
    response = launch(lti.platform.prepare_launch("anon-7", [LEARNER]))
    assert response.status_code == 200
    assert 'role="alert"' not in response.text
    link = db.session.scalar(select(UserLink))
    assert link.user.email.endswith("@lti.invalid") and link.user.roles == {Role.PARTICIPANT}


def _payload(token: str, **changes: object) -> str:
    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(changes)
    new_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{new_body}.{signature}"


@pytest.mark.parametrize(
    ("case", "overrides", "tamper", "needle"),
    [
        ("tampered signature", {}, lambda t: _payload(t, sub="someone-else"), "handtekening"),
        ("wrong audience", {"aud": "another-tool"}, None, "kent deze leeromgeving"),
        (
            "expired",
            {"exp": int(time.time()) - 60, "iat": int(time.time()) - 400},
            None,
            "verlopen",
        ),
        ("unknown deployment", {CLAIM + "deployment_id": "elsewhere"}, None, "deployment"),
    ],
)
def test_bad_launches_are_refused_and_create_no_account(
    client, launch, lti, case, overrides, tamper, needle
):
    before = _users()
    hint = lti.platform.prepare_launch("intruder", [LEARNER], email="x@example.org", **overrides)
    response = launch(hint, tamper)
    assert response.status_code in (400, 403), case
    assert 'role="alert"' in response.text and needle in response.text
    assert _users() == before
    assert db.session.scalar(select(func.count()).select_from(UserLink)) == 0
    assert LTI_COOKIE not in response.headers.get("Set-Cookie", "")


def test_a_replayed_launch_is_refused(client, launch, lti):
    response = launch(lti.platform.prepare_launch("student-2", [LEARNER]))
    assert response.status_code == 200
    replay = client.post("/lti/launch", data=response.form)
    assert replay.status_code == 400 and "al gebruikt" in replay.text


def test_a_launch_without_the_state_cookie_is_refused(app, launch, lti):
    other_browser = app.test_client()
    hint = lti.platform.prepare_launch("student-3", [LEARNER])
    first = launch(hint)
    assert first.status_code == 200
    again = other_browser.post("/lti/launch", data={"id_token": "a.b.c", "state": "state-x"})
    assert again.status_code == 400


def test_unknown_platform_is_refused_at_login(client, lti):
    response = client.get(
        "/lti/login",
        query_string={"iss": "https://evil.example", "login_hint": "x", "client_id": "c"},
    )
    assert response.status_code == 400 and 'role="alert"' in response.text


def test_role_mapping():
    assert map_roles([LEARNER], AdminRoleMapping.NONE) == {Role.PARTICIPANT}
    assert map_roles([INSTRUCTOR], AdminRoleMapping.NONE) == {Role.FACILITATOR}
    assert map_roles(
        ["http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"],
        AdminRoleMapping.NONE,
    ) == {Role.FACILITATOR}
    assert map_roles([ADMINISTRATOR], AdminRoleMapping.NONE) == set()
    assert map_roles([ADMINISTRATOR], AdminRoleMapping.HR) == {Role.HR}
    assert map_roles([ADMINISTRATOR, LEARNER], AdminRoleMapping.ADMIN) == {
        Role.ADMIN,
        Role.PARTICIPANT,
    }


def test_platform_administrator_becomes_hr_by_the_registration_setting(client, launch, lti):
    response = launch(lti.platform.prepare_launch("admin-1", [ADMINISTRATOR]))
    assert response.status_code in (200, 302)
    assert db.session.scalar(select(UserLink)).user.roles == {Role.HR}


def test_observer_only_is_refused(client, launch, lti):
    observer = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
    response = launch(lti.platform.prepare_launch("mentor", [observer]))
    assert response.status_code == 403 and _users() == 0


def test_email_of_another_organisation_is_refused(client, launch, lti, make_org, make_user):
    make_user(Role.PARTICIPANT, organisation=make_org(), email="taken@example.org")
    before = _users()
    response = launch(lti.platform.prepare_launch("s9", [LEARNER], email="taken@example.org"))
    assert response.status_code == 403 and _users() == before


def test_instructor_who_does_not_facilitate_the_cohort_is_told_so(
    client, launch, lti, org, make_user
):
    facilitator = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, facilitator)
    _bind(client, launch, lti, facilitator, cohort)
    other = launch(lti.platform.prepare_launch("teacher-2", [INSTRUCTOR]))
    assert other.status_code == 200
    assert client.get(f"/cohorten/{cohort.id}").status_code == 404


def test_deep_linking_returns_a_signed_link_to_the_chosen_cohort(
    client, launch, lti, org, make_user
):
    facilitator = make_user(Role.FACILITATOR, email="dl@example.org")
    cohort = make_cohort(org, facilitator, name="Deep")
    lti.registration.link_by_email = True  # the facilitator links their account once
    db.session.commit()
    hint = lti.platform.prepare_launch(
        "teacher-3", [INSTRUCTOR], email="dl@example.org", message_type="LtiDeepLinkingRequest"
    )
    response = _confirm(client, launch(hint))
    assert response.headers["Location"].endswith("/lti/deep-linking")
    page = client.post("/lti/deep-linking", data={"cohort": cohort.id})
    assert page.status_code == 200
    assert f'action="{lti.platform.url}/deep-link-return"' in page.text
    token = page.text.split('name="JWT" value="')[1].split('"')[0]
    public = jwt.PyJWK(lti.jwks["keys"][0]).key
    claims = jwt.decode(token, public, algorithms=["RS256"], audience=lti.platform.issuer)
    assert claims["iss"] == lti.platform.client_id
    item = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"][0]
    # The cohort, and learnpath's signature over it: only that binds the platform's new link.
    assert set(item["custom"]) == {"learnpath_cohort", "learnpath_binding"}
    assert item["custom"]["learnpath_cohort"] == str(cohort.id)

    # The platform creates the link; its first learner launch carries the custom parameter.
    hint = lti.platform.prepare_launch(
        "student-dl", [LEARNER], resource_link_id="new-link", **{CLAIM + "custom": item["custom"]}
    )
    assert launch(hint).headers["Location"].endswith("/mijn-traject")
    assert (
        db.session.scalar(
            select(ResourceLink.cohort_id).where(ResourceLink.resource_link_id == "new-link")
        )
        == cohort.id
    )


def test_launch_cookie_is_cross_site_only_over_https_and_normal_logins_keep_lax(
    app, lti, make_user
):
    from tests.conftest import TEST_PASSWORD, IsolatedClient

    app.test_client_class = IsolatedClient
    browser = app.test_client()
    hint = lti.platform.prepare_launch("secure-1", [LEARNER])
    start = browser.get(
        "/lti/login",
        base_url="https://localhost",
        query_string={
            "iss": lti.platform.issuer,
            "login_hint": hint,
            "client_id": "learnpath-client",
        },
    )
    assert "SameSite=None" in start.headers["Set-Cookie"]  # the state cookie
    import requests

    from tests.lti.platform import parse_auth_form

    form = parse_auth_form(requests.get(start.headers["Location"], timeout=10).text)
    landed = browser.post(
        "/lti/launch",
        base_url="https://localhost",
        data={"id_token": form["id_token"], "state": form["state"]},
    )
    cookie = next(c for c in landed.headers.getlist("Set-Cookie") if c.startswith(LTI_COOKIE))
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie

    user = make_user(Role.PARTICIPANT, email="normaal@example.org")
    plain = app.test_client()
    response = plain.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("session=") and "SameSite=Lax" in c for c in cookies)
    assert not any(c.startswith(LTI_COOKIE) for c in cookies)
