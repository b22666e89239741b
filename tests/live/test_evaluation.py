"""The evaluation after a session: for those who attended, by mail and on the start page, open
for 7 days, one response per person without keeping who answered what, results from 5."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from learnpath.accounts.models import Role
from learnpath.cohorts.models import AttendanceStatus
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.live import evaluations, services
from learnpath.live.models import EvaluationAnswer, EvaluationReceipt
from learnpath.live.queries import evaluation_results
from learnpath.notifications.models import OutboxMessage
from learnpath.schedule import services as schedule
from tests.live.conftest import main_of

ANSWERS = {"nuttig": "4", "begeleiding": "5", "online": "3", "meenemen": "Veel geleerd"}


def test_answers_hold_nothing_that_leads_back_to_a_person():
    answer_columns = {c.name for c in EvaluationAnswer.__table__.columns}
    assert answer_columns == {"id", "session_id", "response_id", "item_slug", "score", "text"}
    assert not [
        c for c in EvaluationAnswer.__table__.columns if c.foreign_keys and c.name != "session_id"
    ]
    assert str(EvaluationAnswer.__table__.c.id.type).startswith("VARCHAR")  # random, not a sequence
    receipt_columns = {c.name for c in EvaluationReceipt.__table__.columns}
    assert receipt_columns == {"session_id", "user_id"}  # no time to match answers by


def test_every_session_and_meeting_has_three_to_five_items_with_one_open_question(app):
    content = get_content()
    blueprints = [s for p in content.programmes.values() for s in p.sessions] + [
        m for w in content.workshop_series.values() for m in w.meetings
    ]
    for blueprint in blueprints:
        items = blueprint.evaluation
        assert 3 <= len(items) <= 5 and [i.kind for i in items].count("open") == 1
        assert all(i.question.nl and i.question.en for i in items)


def test_invited_once_answered_once_results_from_five(
    make_group, make_user, login_as, client, clock
):
    group = make_group(size=6)
    session = group.sessions[0]
    ended = session.ends_at + timedelta(minutes=5)
    people = group.participants
    for person in people[:5]:
        services.record_join(session, person, session.starts_at)
    # Joined but marked absent by the facilitator: not invited; confirmed present: invited.
    schedule.record_attendance(
        session,
        {people[4].id: AttendanceStatus.ABSENT, people[5].id: AttendanceStatus.PRESENT},
        group.facilitator,
    )
    db.session.commit()
    assert evaluations.invite(session.ends_at - timedelta(minutes=1)) == 0  # not ended yet
    assert evaluations.invite(ended) == 5
    assert evaluations.invite(ended) == 0  # once
    db.session.commit()
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "live.evaluation"))
    invited = {m.recipient_user_id for m in mails}
    assert invited == {p.id for p in people[:4]} | {people[5].id}

    url = f"/sessies/{session.id}/evaluatie"
    clock(ended)
    login_as(people[4])
    assert "voor wie bij de sessie was" in client.get(url).text
    results_url = f"/cohorten/{group.cohort.id}/sessies/{session.id}/evaluatie"
    for n, person in enumerate([*people[:4], people[5]]):
        login_as(person)
        assert f'href="{url}"' in main_of(client.get("/"))
        bad = client.post(url, data={**ANSWERS, "nuttig": "9"})
        assert "Kies een van de antwoorden." in bad.text and "Veel geleerd" in bad.text
        assert client.post(url, data=ANSWERS).status_code == 302
        assert "al ingevuld" in client.post(url, data=ANSWERS).text
        assert f'href="{url}"' not in main_of(client.get("/"))
        if n == 3:  # four responses: nothing shown
            login_as(group.facilitator)
            page = client.get(results_url).text
            assert 'id="results-hidden"' in page and "Veel geleerd" not in page
            assert evaluation_results([session.id])[session.id].is_suppressed
    assert db.session.scalar(select(func.count()).select_from(EvaluationReceipt)) == 5
    login_as(group.facilitator)
    page = client.get(results_url).text
    assert "5 antwoorden" in page and "Veel geleerd" in page
    result = evaluation_results([session.id])[session.id]
    useful = next(i for i in result.items if i.slug == "nuttig")
    assert useful.mean == 4.0 and useful.distribution == {1: 0, 2: 0, 3: 0, 4: 5, 5: 0}
    open_item = next(i for i in result.items if i.kind == "open")
    assert open_item.responses == 5 and open_item.answers == ()  # only for the facilitator
    # Another cohort's facilitator, and a participant, do not see the results.
    login_as(make_user(Role.FACILITATOR))
    assert client.get(results_url).status_code == 404
    login_as(people[0])
    assert client.get(results_url).status_code == 403
    # Closed after 7 days.
    clock(session.ends_at + timedelta(days=7, minutes=1))
    login_as(people[0])
    assert "niet open" in client.get(url).text or "al ingevuld" in client.get(url).text
