"""Facilitator review: progress matrix (constant queries), feedback, audit, notes, extensions."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from learnpath.accounts.models import Role
from learnpath.assignments import services
from learnpath.assignments.models import (
    DeadlineExtension,
    Submission,
    SubmissionStatus,
)
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.privacy.models import AuditEvent

FULL_VRAAG = {
    "b-vraag": "Welke rol past bij mij in de komende jaren?",
    **{f"b-startpunt-{i}-score": "3" for i in range(4)},
}


def _hand_in(client, login_as, participant):
    login_as(participant)
    assert (
        client.post(
            "/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    return db.session.scalar(db.select(Submission).where(Submission.user_id == participant.id))


@contextmanager
def count_queries():
    counter = {"n": 0}

    def before(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _fill(group, content):
    """Give every participant a mix of states on every assignment."""
    now = datetime.now(UTC)
    for i, enrolment in enumerate(group.enrolments):
        for j, a in enumerate(content.assignments_for(CAREER_PROGRAMME)):
            kind = (i + j) % 4
            if kind == 0 or a.is_action_plan:
                continue
            status = [
                None,
                SubmissionStatus.DRAFT,
                SubmissionStatus.SUBMITTED,
                SubmissionStatus.REVIEWED,
            ][kind]
            db.session.add(
                Submission(
                    enrolment_id=enrolment.id,
                    cohort_id=group.cohort.id,
                    user_id=enrolment.user_id,
                    assignment_slug=a.slug,
                    content_version=content.version,
                    answers={},
                    status=status,
                    submitted_at=now if kind >= 2 else None,
                    is_late=(i % 2 == 0 and kind == 2),
                )
            )
        services.grant_extension(
            enrolment,
            content.assignments["netwerkkaart"],
            now + timedelta(days=40),
            group.facilitator,
        )
    db.session.commit()


def test_matrix_uses_a_constant_number_of_queries(make_group, make_user, login_as, client, content):
    facilitator = make_user(Role.FACILITATOR)
    small = make_group(size=2, facilitator=facilitator)
    big = make_group(size=12, facilitator=facilitator)
    assert len(content.assignments_for(CAREER_PROGRAMME)) == 12
    _fill(small, content)
    _fill(big, content)
    login_as(facilitator)
    client.get(f"/cohorten/{small.cohort.id}/opdrachten")  # warm up
    with count_queries() as small_count:
        response = client.get(f"/cohorten/{small.cohort.id}/opdrachten")
    assert response.status_code == 200
    with count_queries() as big_count:
        response = client.get(f"/cohorten/{big.cohort.id}/opdrachten")
    assert response.status_code == 200
    assert response.text.count("<tr>") >= 13  # header + 12 participants
    assert big_count["n"] == small_count["n"]
    assert big_count["n"] <= 15  # user, roles, organisation, cohort, facilitators, reads


def test_matrix_shows_states(group, login_as, client, content):
    now = datetime.now(UTC)
    group.move_sessions(now - timedelta(days=20))
    _hand_in(client, login_as, group.participants[0])  # late: deep-dive was 6 days ago
    login_as(group.facilitator)
    page = client.get(f"/cohorten/{group.cohort.id}/opdrachten").text
    assert "state-late" in page
    assert "state-not_started" in page
    assert "state-overdue" in page
    assert "state-action_plan" in page
    assert group.participants[0].name in page and group.participants[1].name in page


def test_feedback_notifies_the_participant_and_reads_are_audited(group, login_as, client):
    participant = group.participants[0]
    submission = _hand_in(client, login_as, participant)
    login_as(group.facilitator)
    url = f"/cohorten/{group.cohort.id}/inzendingen/{submission.id}"
    page = client.get(url)
    assert page.status_code == 200 and FULL_VRAAG["b-vraag"] in page.text
    audit = db.session.scalars(db.select(AuditEvent)).all()
    assert [(a.actor_id, a.subject_user_id, a.action, a.object_ref) for a in audit] == [
        (group.facilitator.id, participant.id, "submission.view", f"submission:{submission.id}")
    ]
    assert client.post(url, data={"text": ""}).status_code == 200  # refused: empty
    response = client.post(url, data={"text": "Goed geformuleerd; maak het concreter."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status == SubmissionStatus.REVIEWED
    mail = db.session.scalar(
        db.select(OutboxMessage).where(OutboxMessage.kind == "assignments.feedback")
    )
    assert mail.recipient_user_id == participant.id
    assert "/opdrachten/loopbaanvraag" in mail.body_text
    # The feedback text itself stays in the app, not in the mail.
    assert "concreter" not in mail.body_text


def test_drafts_are_not_visible_to_the_facilitator(group, login_as, client):
    participant = group.participants[0]
    login_as(participant)
    client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "save"})
    submission = db.session.scalar(db.select(Submission))
    login_as(group.facilitator)
    assert client.get(f"/cohorten/{group.cohort.id}/inzendingen/{submission.id}").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 0


def test_notes_are_private_to_the_cohorts_facilitators(group, make_user, login_as, client):
    from learnpath.cohorts.models import cohort_facilitators

    co = make_user(Role.FACILITATOR)
    db.session.execute(
        cohort_facilitators.insert().values(cohort_id=group.cohort.id, user_id=co.id)
    )
    db.session.commit()
    enrolment = group.enrolments[0]
    base = f"/cohorten/{group.cohort.id}/deelnemers/{enrolment.id}"
    login_as(group.facilitator)
    assert client.post(base + "/notities", data={"text": ""}).status_code == 200
    assert (
        client.post(base + "/notities", data={"text": "Twijfelt over overstap."}).status_code == 302
    )
    assert "Twijfelt over overstap." in client.get(base).text
    login_as(co)
    assert "Twijfelt over overstap." in client.get(base).text
    # Not the participant (no page shows notes) and not another facilitator.
    login_as(enrolment.user)
    for url in ("/opdrachten", "/opdrachten/loopbaanvraag", "/zelfscan"):
        assert "Twijfelt over overstap." not in client.get(url).text
    login_as(make_user(Role.FACILITATOR))
    assert client.get(base).status_code == 404
    assert client.post(base + "/notities", data={"text": "x"}).status_code == 404


def test_extension_through_the_page(group, login_as, client):
    enrolment = group.enrolments[0]
    login_as(group.facilitator)
    url = f"/cohorten/{group.cohort.id}/deelnemers/{enrolment.id}/verlenging"
    response = client.post(url, data={"assignment": "loopbaanvraag", "due_at": "2020-01-01T10:00"})
    assert response.status_code == 200  # in the past: refused
    future = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT18:00")
    assert (
        client.post(url, data={"assignment": "loopbaanvraag", "due_at": future}).status_code == 302
    )
    extension = db.session.scalar(db.select(DeadlineExtension))
    # Entered in the organisation's zone (Amsterdam): 18:00 local is 16:00 or 17:00 UTC.
    assert extension.due_at.hour in (16, 17)
    due = services.due_for(enrolment, get_content().assignments["loopbaanvraag"], get_content())
    assert due == extension.due_at


def test_extension_re_marks_a_late_hand_in(group, login_as, client, content):
    now = datetime.now(UTC)
    group.move_sessions(now - timedelta(days=20))
    submission = _hand_in(client, login_as, group.participants[0])
    assert submission.is_late
    services.grant_extension(
        group.enrolments[0],
        content.assignments["loopbaanvraag"],
        now + timedelta(days=1),
        group.facilitator,
    )
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).is_late is False
