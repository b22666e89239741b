"""The competency self-assessment: windows, reverse scoring, radar chart, cohort aggregate."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.assignments import selfassessment
from learnpath.assignments.models import AssessmentMoment, SelfAssessment
from learnpath.extensions import db
from learnpath.privacy.models import AuditEvent


def _all(inst, value):
    return {item.slug: value for scale in inst.scales for item in scale.items}


def _form(inst, value):
    return {selfassessment.item_field(slug): str(v) for slug, v in _all(inst, value).items()}


def test_scores_are_item_means_with_reverse_scored_items_flipped(content):
    inst = selfassessment.instrument(content)
    assert len(inst.scales) == 5
    assert all(3 <= len(scale.items) <= 4 for scale in inst.scales)
    answers = _all(inst, 4)
    scores = selfassessment.scores(inst, answers)
    for scale in inst.scales:
        values = [2 if item.reverse_scored else 4 for item in scale.items]
        assert scores[scale.competency] == round(sum(values) / len(values), 2)
    scale = next(s for s in inst.scales if any(i.reverse_scored for i in s.items))
    reverse = next(i for i in scale.items if i.reverse_scored)
    assert selfassessment.scores(inst, {reverse.slug: 1})[scale.competency] == 5


def test_windows(group, content):
    window = selfassessment.windows(group.cohort, content, group.sessions)
    intro, actie = group.session("intro"), group.session("actie")
    assert window.start_closes_at == intro.ends_at
    assert window.is_open(AssessmentMoment.START, intro.ends_at)
    assert not window.is_open(AssessmentMoment.START, intro.ends_at + timedelta(seconds=1))
    local_day = actie.starts_at.astimezone(ZoneInfo("Europe/Amsterdam")).date()
    assert window.end_opens_at.astimezone(ZoneInfo("Europe/Amsterdam")).date() == local_day
    assert window.end_opens_at.astimezone(ZoneInfo("Europe/Amsterdam")).hour == 0
    assert not window.is_open(AssessmentMoment.END, actie.starts_at - timedelta(days=1))
    assert window.is_open(AssessmentMoment.END, actie.starts_at)


def test_take_start_and_end_and_see_chart_and_table(group, login_as, client, content):
    inst = selfassessment.instrument(content)
    participant = group.participants[0]
    login_as(participant)
    # Incomplete: refused with a message per open statement, given answers kept.
    partial = dict(list(_form(inst, 2).items())[:3])
    response = client.post("/zelfscan/start", data=partial)
    assert response.status_code == 200
    assert response.text.count('class="error"') == sum(len(s.items) for s in inst.scales) - 3
    assert re.search(rf'id="{list(partial)[0]}-2" [^>]*checked', response.text)
    # The end is not open yet.
    assert client.get("/zelfscan/end").status_code == 302
    assert client.post("/zelfscan/start", data=_form(inst, 2)).status_code == 302
    # Only once.
    assert client.post("/zelfscan/start", data=_form(inst, 5)).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(SelfAssessment)) == 1

    group.move_sessions(datetime.now(UTC) - timedelta(days=28))  # action session today
    login_as(participant)
    assert client.post("/zelfscan/end", data=_form(inst, 4)).status_code == 302
    page = client.get("/zelfscan").text
    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="radar-title radar-desc"' in svg
    assert '<title id="radar-title">' in svg and '<desc id="radar-desc">' in svg
    assert svg.count('<polygon class="series-') == 2
    assert "<table" in page and "<caption>" in page
    # Every answer moved from 2 to 4: each scale mean rises by (items - 2 * reversed) * 2 / items.
    for scale in inst.scales:
        reversed_count = sum(item.reverse_scored for item in scale.items)
        change = 2 * (len(scale.items) - 2 * reversed_count) / len(scale.items)
        assert f"{change:+.1f}".replace(".", ",") in page


def test_start_closes_after_the_intro(group, login_as, client, content):
    group.move_sessions(datetime.now(UTC) - timedelta(days=1))
    login_as(group.participants[0])
    inst = selfassessment.instrument(content)
    assert client.post("/zelfscan/start", data=_form(inst, 3)).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(SelfAssessment)) == 0


def _answers_for(group, content, values):
    inst = selfassessment.instrument(content)
    for participant, value in zip(group.participants, values, strict=False):
        db.session.add(
            SelfAssessment(
                user_id=participant.id,
                cohort_id=group.cohort.id,
                moment=AssessmentMoment.START,
                instrument_slug=inst.slug,
                content_version=content.version,
                answers=_all(inst, value),
            )
        )
    db.session.commit()


def test_facilitator_sees_no_mean_below_five_respondents(make_group, login_as, client, content):
    group = make_group(size=4)
    _answers_for(group, content, [1, 2, 4, 5])
    login_as(group.facilitator)
    page = client.get(f"/cohorten/{group.cohort.id}/zelfscan").text
    assert "<svg" not in page
    assert "too few" in page or "te weinig" in page
    assert "at least 5" in page or "minstens 5" in page


def test_facilitator_sees_group_means_never_individual_scores(
    make_group, login_as, client, content
):
    group = make_group(size=5)
    _answers_for(group, content, [1, 2, 3, 4, 5])
    login_as(group.facilitator)
    page = client.get(f"/cohorten/{group.cohort.id}/zelfscan").text
    assert "<svg" in page
    for participant in group.participants:
        assert participant.name not in page
    aggregate = {a.moment: a for a in selfassessment.cohort_aggregate(group.cohort, content)}
    assert aggregate[AssessmentMoment.START].respondents == 5
    assert aggregate[AssessmentMoment.END].is_suppressed
    assert set(aggregate[AssessmentMoment.START].means.values()) == {3.0}


def test_participant_decides_whether_the_facilitator_sees_individual_scores(
    group, login_as, client, content, make_user
):
    inst = selfassessment.instrument(content)
    participant, enrolment = group.participants[0], group.enrolments[0]
    login_as(participant)
    client.post("/zelfscan/start", data=_form(inst, 4))
    page_url = f"/cohorten/{group.cohort.id}/deelnemers/{enrolment.id}"
    login_as(group.facilitator)
    assert "gedeeld door de deelnemer" not in client.get(page_url).text
    login_as(participant)
    assert "Deel mijn scores met mijn begeleider" in client.get("/zelfscan").text
    client.post("/zelfscan/delen", data={"share": "yes"})
    login_as(group.facilitator)
    shared = client.get(page_url).text
    assert "gedeeld door de deelnemer" in shared and "<svg" in shared
    other = make_user(Role.FACILITATOR)
    login_as(other)
    assert client.get(page_url).status_code == 404
    login_as(participant)
    client.post("/zelfscan/delen", data={"share": "no"})
    login_as(group.facilitator)
    assert "gedeeld door de deelnemer" not in client.get(page_url).text
    reads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "read_self_assessment")
    ).all()
    assert [(r.actor_id, r.subject_user_id) for r in reads] == [
        (group.facilitator.id, participant.id)
    ]
