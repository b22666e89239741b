"""Personal data: export of everything about a person, and erasure that leaves figures intact."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from learnpath.accounts.models import Role, User
from learnpath.action_plans.models import ActionPlan, PlanFollowUp, PlanGoal
from learnpath.assignments.models import (
    FacilitatorNote,
    FeedbackRequest,
    Submission,
)
from learnpath.cohorts.models import EnrolmentStatus
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.ical.models import CalendarToken
from learnpath.notifications.models import OutboxMessage
from learnpath.privacy.models import AuditEvent
from tests.db_scan import all_text_values
from tests.reports.conftest import hr


def _person(big):
    fact = next(
        f
        for f in big.facts
        if f.status == EnrolmentStatus.COMPLETED
        and f.handed_in
        and f.end
        and f.plan
        and f.plan.result
        and f.plan.discussed
    )
    return fact.user


def _personal_extras(person, big, manager):
    """Rows elsewhere that mention the person: mail, notes, colleague feedback, audit, feeds."""
    submission = db.session.scalars(
        select(Submission).where(Submission.user_id == person.id)
    ).first()
    db.session.add_all(
        [
            OutboxMessage(
                kind="cohorts.approval",
                recipient_user_id=manager.id,
                recipient_email=manager.email,
                subject=f"{person.name} wants to join",
                body_text=f"{person.name} ({person.email}) asks for approval.",
                message_id="<m1@learnpath>",
            ),
            OutboxMessage(
                kind="account.invite",
                recipient_user_id=person.id,
                recipient_email=person.email,
                subject="Welcome",
                body_text=f"Dear {person.name}",
                message_id="<m2@learnpath>",
            ),
            FacilitatorNote(
                cohort_id=submission.cohort_id,
                user_id=person.id,
                author_id=big.facilitator.id,
                text="private: doubts about job",
            ),
            FeedbackRequest(
                submission_id=submission.id,
                block_slug="b",
                colleague_email="coll@example.org",
                colleague_name="Colleague",
                sender_name=person.name,
                token_hash="t" * 64,
                expires_at=utcnow() + timedelta(days=3),
                answers=["colleague secret words"],
            ),
            AuditEvent(
                actor_id=big.facilitator.id,
                subject_user_id=person.id,
                action="submission.view",
                object_ref=f"submission:{submission.id}",
            ),
            CalendarToken(user_id=person.id, scope="personal", seed="s", token_hash="h" * 64),
        ]
    )
    db.session.commit()


def _figures(big):
    report, _ = hr(big)
    return [(t.slug, [(r.label, [c.text for c in r.cells]) for r in t.rows]) for t in report.tables]


def test_erasure_leaves_nothing_of_the_person_and_figures_unchanged(
    client, login_as, make_user, big
):
    person = _person(big)
    manager = make_user(Role.MANAGER, organisation=big.org)
    _personal_extras(person, big, manager)
    before = _figures(big)
    name, email = person.name, person.email
    answers = [
        s.answers["b"]["text"]
        for s in db.session.scalars(select(Submission).where(Submission.user_id == person.id))
    ]
    assert answers
    needles = [
        name.lower(),
        email.lower(),
        *(a.lower() for a in answers),
        "colleague secret words",
        "private: doubts",
    ]
    assert any(name.lower() in text.lower() for _t, _c, text in all_text_values())

    admin = make_user(Role.ADMIN, organisation=big.org)
    login_as(admin)
    page = client.get(f"/privacy/gebruikers/{person.id}/wissen")
    assert page.status_code == 200
    wrong = client.post(f"/privacy/gebruikers/{person.id}/wissen", data={"confirm_email": "x@y.nl"})
    assert wrong.status_code == 400 and 'value="x@y.nl"' in wrong.text
    done = client.post(f"/privacy/gebruikers/{person.id}/wissen", data={"confirm_email": email})
    assert done.status_code == 302

    found = [
        (table, col)
        for table, col, text in all_text_values()
        for needle in needles
        if needle in text.lower()
    ]
    assert found == []
    assert _figures(big) == before
    # what the goal and result figures count survives, without any text
    plan = db.session.scalar(select(ActionPlan).where(ActionPlan.user_id == person.id))
    goals = db.session.scalars(select(PlanGoal).where(PlanGoal.plan_id == plan.id)).all()
    fact = next(f for f in big.facts if f.user.id == person.id)
    assert [
        (g.category and g.category.value, g.achievement and g.achievement.value) for g in goals
    ] == fact.plan.goals
    follow_up = db.session.scalar(select(PlanFollowUp).where(PlanFollowUp.plan_id == plan.id))
    assert follow_up.result.value == fact.plan.result
    assert email.lower() not in json.dumps(plan.data).lower()
    erased = db.session.get(User, person.id)
    assert not erased.is_active and erased.password_hash is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_user_id == person.id)
    ).all()
    assert actions == ["privacy.erase"]


def test_admin_cannot_erase_themselves_or_people_of_another_organisation(
    client, login_as, make_user, make_org, big
):
    admin = make_user(Role.ADMIN, organisation=big.org)
    login_as(admin)
    response = client.post(
        f"/privacy/gebruikers/{admin.id}/wissen", data={"confirm_email": admin.email}
    )
    assert response.status_code == 400
    assert db.session.get(User, admin.id).is_active
    outsider = make_user(Role.ADMIN, organisation=make_org())
    login_as(outsider)
    person = _person(big)
    assert client.get(f"/privacy/gebruikers/{person.id}/wissen").status_code == 404
    assert (
        client.post(
            f"/privacy/gebruikers/{person.id}/wissen", data={"confirm_email": person.email}
        ).status_code
        == 404
    )
    assert client.get(f"/privacy/gebruikers/{person.id}/export.json").status_code == 404


def test_participant_downloads_own_data_only(client, login_as, big):
    person = _person(big)
    login_as(person)
    data = client.get("/privacy/mijn-gegevens.json").get_json()
    assert data["user"]["email"] == person.email
    assert "password_hash" not in data["user"]
    texts = json.dumps(data["records"], ensure_ascii=False)
    assert f"secret answer of {person.email}" in texts
    assert "enrolments" in data["records"] and "self_assessments" in data["records"]
    others = [f.user.email for f in big.facts if f.user.id != person.id]
    assert not any(other in texts for other in others)
    assert "facilitator_notes" not in data["records"]


def test_admin_export_is_recorded_and_shown_in_the_audit_log(client, login_as, make_user, big):
    person = _person(big)
    admin = make_user(Role.ADMIN, organisation=big.org, name="Admin Anna")
    login_as(admin)
    data = client.get(f"/privacy/gebruikers/{person.id}/export.json").get_json()
    assert data["user"]["id"] == person.id
    log = client.get("/privacy/auditlog").text
    assert "Alle persoonsgegevens gedownload" in log and "Admin Anna" in log
    assert person.name in client.get("/privacy/gebruikers").text


def test_account_page_links_to_the_download(client, login_as, big):
    login_as(_person(big))
    assert 'href="/privacy/mijn-gegevens"' in client.get("/account").text
    assert 'href="/privacy/mijn-gegevens.zip"' in client.get("/privacy/mijn-gegevens").text
