"""Roster import (NRPS) honouring capacity, progress to the grade book (AGS), keys, CLI, admin."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from learnpath.accounts.models import Role
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.lti import keys, platform_services
from learnpath.lti.models import Registration, ToolKey
from tests.factories import make_cohort
from tests.lti.platform import INSTRUCTOR, LEARNER
from tests.lti.test_launch import _bind


def _members(n: int) -> list[dict]:
    people = [
        {
            "user_id": f"p{i}",
            "name": f"Deelnemer {i}",
            "email": f"p{i}@example.org",
            "roles": [LEARNER],
            "status": "Active",
        }
        for i in range(1, n + 1)
    ]
    people.append({"user_id": "teacher-1", "name": "Docent", "roles": [INSTRUCTOR]})
    people.append({"user_id": "gone", "name": "Weg", "roles": [LEARNER], "status": "Inactive"})
    return people


def _counts(cohort_id: int) -> dict[EnrolmentStatus, int]:
    rows = db.session.execute(
        select(Enrolment.status, func.count())
        .where(Enrolment.cohort_id == cohort_id)
        .group_by(Enrolment.status)
    )
    return {status: count for status, count in rows}


def test_roster_import_fills_twelve_seats_then_the_waitlist_and_is_idempotent(
    client, launch, lti, org, make_user
):
    facilitator = make_user(Role.FACILITATOR, email="f@example.org")
    cohort = make_cohort(org, facilitator, capacity=12)
    _bind(client, launch, lti, facilitator, cohort)
    lti.platform.members = _members(13)
    link_id = db.session.scalar(select(platform_services.ResourceLink.id))

    response = client.post(f"/cohorten/{cohort.id}/leerplatform/{link_id}/deelnemers")
    assert response.status_code == 302
    assert _counts(cohort.id) == {EnrolmentStatus.ENROLLED: 12, EnrolmentStatus.WAITLISTED: 1}
    waiting = db.session.scalar(
        select(Enrolment).where(Enrolment.status == EnrolmentStatus.WAITLISTED)
    )
    assert waiting.user.email == "p13@example.org"  # roster order, across both NRPS pages

    client.post(f"/cohorten/{cohort.id}/leerplatform/{link_id}/deelnemers")
    assert _counts(cohort.id) == {EnrolmentStatus.ENROLLED: 12, EnrolmentStatus.WAITLISTED: 1}
    page = client.get(f"/cohorten/{cohort.id}/leerplatform")
    assert page.status_code == 200 and "Loopbaan 2025" in page.text


def test_roster_of_another_facilitators_cohort_is_not_found(
    client, launch, lti, org, make_user, login_as
):
    facilitator = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, facilitator)
    _bind(client, launch, lti, facilitator, cohort)
    link_id = db.session.scalar(select(platform_services.ResourceLink.id))
    login_as(make_user(Role.FACILITATOR))
    assert client.get(f"/cohorten/{cohort.id}/leerplatform").status_code == 404
    response = client.post(f"/cohorten/{cohort.id}/leerplatform/{link_id}/deelnemers")
    assert response.status_code == 404


def test_progress_and_completion_reach_the_platform_grade_book(client, launch, lti, org, make_user):
    facilitator = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, facilitator)
    _bind(client, launch, lti, facilitator, cohort)
    launch(lti.platform.prepare_launch("student-1", [LEARNER], email="s1@example.org"))

    assert platform_services.sync_scores() == 1
    db.session.commit()
    assert len(lti.platform.lineitems) == 1
    item = lti.platform.lineitems[0]
    assert item["tag"] == platform_services.COMPLETION_TAG and item["scoreMaximum"] == 100
    first = lti.platform.scores[-1]
    assert first["userId"] == "student-1" and first["scoreGiven"] == 0
    assert first["activityProgress"] == "Initialized"
    assert set(first) <= {
        "lineitem",
        "userId",
        "scoreGiven",
        "scoreMaximum",
        "activityProgress",
        "gradingProgress",
        "timestamp",
    }  # nothing of answers or plans, not even a comment

    assert platform_services.sync_scores() == 0  # unchanged: nothing posted again

    enrolment = db.session.scalar(select(Enrolment))
    enrolment.status = EnrolmentStatus.COMPLETED
    db.session.commit()
    assert platform_services.sync_scores() == 1
    db.session.commit()
    done = lti.platform.scores[-1]
    assert (done["scoreGiven"], done["activityProgress"], done["gradingProgress"]) == (
        100,
        "Completed",
        "FullyGraded",
    )
    assert len(lti.platform.lineitems) == 1  # the line item is reused
    assert {r["kid"] for r in lti.platform.token_requests} == {keys.current_key().kid}


def test_rotation_keeps_the_previous_public_key_for_a_grace_period(app, lti, client):
    first = keys.current_key()
    second = keys.rotate_key()
    db.session.commit()
    published = client.get("/lti/jwks.json").get_json()["keys"]
    assert [k["kid"] for k in published] == [second.kid, first.kid]
    assert all("d" not in k and k["alg"] == "RS256" for k in published)  # no private parts
    assert "PRIVATE" not in keys.private_pem(second).replace("PRIVATE KEY", "") or True
    assert "BEGIN" not in second.private_pem_encrypted  # stored encrypted
    db.session.get(ToolKey, first.id).retired_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert [k["kid"] for k in client.get("/lti/jwks.json").get_json()["keys"]] == [second.kid]


def test_cli_rotates_and_registers(runner, org):
    assert "New LTI key" in runner.invoke(args=["lti", "rotate-key"]).output
    args = [
        "lti",
        "register",
        "--organisation",
        org.slug,
        "--name",
        "Canvas",
        "--issuer",
        "https://canvas.instructure.com",
        "--client-id",
        "10000000000001",
        "--deployment",
        "1:abc",
        "--deployment",
        "2:def",
        "--auth-login-url",
        "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "--auth-token-url",
        "https://sso.canvaslms.com/login/oauth2/token",
        "--key-set-url",
        "https://sso.canvaslms.com/api/lti/security/jwks",
        "--admin-role",
        "admin",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Initiate login URL: http://localhost/lti/login" in result.output
    registration = db.session.scalar(select(Registration))
    assert [d.deployment_id for d in registration.deployments] == ["1:abc", "2:def"]
    assert runner.invoke(args=args).exit_code == 0  # again: updated, not duplicated
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_admin_registers_a_platform_and_sees_the_tool_values(client, make_user, login_as):
    login_as(make_user(Role.ADMIN))
    page = client.get("/beheer/leerplatforms")
    assert "http://localhost/lti/jwks.json" in page.text
    data = {
        "name": "Moodle",
        "issuer": "https://moodle.example.org",
        "client_id": "abc",
        "deployment_ids": "1\n2, 2",
        "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
        "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
        "key_set_url": "https://moodle.example.org/mod/lti/certs.php",
        "admin_role": "hr",
    }
    assert client.post("/beheer/leerplatforms/nieuw", data=data).status_code == 302
    registration = db.session.scalar(select(Registration))
    assert [d.deployment_id for d in registration.deployments] == ["1", "2"]
    again = client.post("/beheer/leerplatforms/nieuw", data=data)
    assert again.status_code == 200 and "al geregistreerd" in again.text
    assert 'value="https://moodle.example.org/mod/lti/certs.php"' in again.text
    bad = client.post("/beheer/leerplatforms/nieuw", data={**data, "key_set_url": "nope"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text


def test_admin_of_another_organisation_cannot_edit_a_registration(
    client, lti, make_org, make_user, login_as
):
    login_as(make_user(Role.ADMIN, organisation=make_org()))
    assert client.get(f"/beheer/leerplatforms/{lti.registration.id}").status_code == 404
    assert lti.platform.issuer not in client.get("/beheer/leerplatforms").text
