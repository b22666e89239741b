"""The follow-up self-assessment (issue 22 point 1): the same instrument 3 to 6 months after
the last session (months from content), invited by mail and on the start page, the third
moment in the radar chart and the group's means."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from learnpath.assignments import follow_up, selfassessment
from learnpath.assignments.models import AssessmentMoment, SelfAssessment
from learnpath.cohorts.models import EnrolmentStatus
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage

ZONE = ZoneInfo("Europe/Amsterdam")


def _form(inst, value):
    return {
        selfassessment.item_field(item.slug): str(value)
        for scale in inst.scales
        for item in scale.items
    }


def test_the_window_opens_three_and_closes_six_months_after_the_last_session(group, content):
    assert selfassessment.instrument(content).follow_up_months == (3, 6)
    group.move_sessions(datetime(2026, 1, 5, 9, 30, tzinfo=UTC))  # last: 2 February
    window = selfassessment.windows(group.cohort, content, group.sessions)
    assert window.follow_up_opens_at == datetime(2026, 5, 2, tzinfo=ZONE)
    assert window.follow_up_closes_at == datetime(2026, 8, 2, tzinfo=ZONE)
    moment = AssessmentMoment.FOLLOW_UP
    assert not window.is_open(moment, window.follow_up_opens_at - timedelta(seconds=1))
    assert window.is_open(moment, window.follow_up_opens_at)
    assert not window.is_open(moment, window.follow_up_closes_at)
    assert selfassessment.add_months(datetime(2026, 11, 30).date(), 3).isoformat() == "2027-02-28"


def test_a_completed_participant_is_invited_and_sees_three_moments(
    group, login_as, client, content
):
    inst = selfassessment.instrument(content)
    now = datetime.now(UTC)
    group.move_sessions(now - timedelta(days=150))  # last session ~4 months ago
    first, dropped = group.enrolments
    for enrolment, status in (
        (first, EnrolmentStatus.COMPLETED),
        (dropped, EnrolmentStatus.DROPPED_OUT),
    ):
        enrolment.status, enrolment.active_user_id = status, None
    for moment, value in ((AssessmentMoment.START, 2), (AssessmentMoment.END, 3)):
        db.session.add(
            SelfAssessment(
                user_id=first.user_id,
                cohort_id=group.cohort.id,
                moment=moment,
                instrument_slug=inst.slug,
                content_version=content.version,
                answers={i.slug: value for s in inst.scales for i in s.items},
                completed_at=now - timedelta(days=140),
            )
        )
    db.session.commit()

    # one mail to the completed member, none to the one who dropped out, none the second time
    assert follow_up.follow_up_invitations() == 1
    assert follow_up.follow_up_invitations() == 0
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "invitation.self_assessment.follow_up")
    ).one()
    assert mail.recipient_user_id == first.user_id
    assert "/zelfscan/follow_up" in mail.body_text and "zelfscan" in mail.subject.lower()

    login_as(group.participants[0])
    start_page = client.get("/").text
    assert "/zelfscan/follow_up" in start_page
    assert "/zelfscan/follow_up" in client.get("/opdrachten").text
    assert client.post("/zelfscan/follow_up", data=_form(inst, 4)).status_code == 302
    page = client.get("/zelfscan").text
    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S).group(0)
    assert svg.count('<polygon class="series-') == 3
    assert "series-follow-up" in svg and "Nameting" in svg
    assert '<th scope="col">Nameting</th>' in page
    assert "/zelfscan/follow_up" not in client.get("/").text  # done: no longer invited
    assert client.post("/zelfscan/follow_up", data=_form(inst, 5)).status_code == 302
    count = select(func.count()).select_from(SelfAssessment)
    assert db.session.scalar(count.where(SelfAssessment.moment == "follow_up")) == 1

    # the one who dropped out cannot take it
    login_as(group.participants[1])
    client.post("/zelfscan/follow_up", data=_form(inst, 4))
    assert db.session.scalar(count.where(SelfAssessment.moment == "follow_up")) == 1


def test_the_follow_up_is_not_open_before_its_window(group, login_as, client, content):
    group.move_sessions(datetime.now(UTC) - timedelta(days=40))
    login_as(group.participants[0])
    response = client.post("/zelfscan/follow_up", data=_form(selfassessment.instrument(content), 4))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SelfAssessment)) == 0
    assert follow_up.follow_up_invitations() == 0
