"""The career conversation: the manager proposes times, the participant accepts one, both get
a calendar invitation, both record agreements; the plan becomes "discussed"."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from learnpath.action_plans import services
from learnpath.action_plans.models import ActionPlan, Conversation, PlanStatus
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage


def _local(days: int, hour: int) -> str:
    day = utcnow().astimezone(ZoneInfo("Europe/Amsterdam")) + timedelta(days=days)
    return day.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def _messages(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_propose_accept_record(setup, shared, login_as, client):
    row = shared(["goals"])
    login_as(setup.manager)
    form = {"times-0": _local(7, 10), "times-1": _local(8, 14), "times-2": "", "duration": "60"}
    assert client.post(f"/team/plannen/{row.id}/tijden", data=form).status_code == 302
    assert [m.recipient_user_id for m in _messages("career_conversation_proposed")] == [
        setup.participant.id
    ]

    login_as(setup.participant)
    page = client.get("/actieplan/gesprek").text
    assert "Doel: ontwikkeling" in page  # agenda of the good conversation
    conversation = db.session.scalar(db.select(Conversation))
    first = conversation.proposals[0]
    assert client.post("/actieplan/gesprek/tijd", data={"proposal": first.id}).status_code == 302
    invitations = _messages("career_conversation.request")
    assert {m.recipient_user_id for m in invitations} == {setup.participant.id, setup.manager.id}
    assert all("Vraag-Q" not in (m.ics or "") for m in invitations)

    client.post("/actieplan/gesprek/voorbereiding", data={"items": ["energy", "ask"]})
    login_as(setup.manager)
    follow_up = (utcnow() + timedelta(days=90)).date().isoformat()
    outcome = {
        "agreements": "Afspraak-X: opleiding in Q3",
        "follow_up_on": follow_up,
        "discussed": "y",
    }
    # Before the agreed time it cannot be recorded as held (and the box is not offered).
    response = client.post(f"/team/plannen/{row.id}/afspraken", data=outcome)
    assert response.status_code == 200 and "zodra het afgesproken tijdstip" in response.text
    assert 'name="discussed"' not in client.get(f"/team/plannen/{row.id}").text
    db.session.rollback()
    held = db.session.scalar(db.select(Conversation))
    held.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert 'name="discussed"' in client.get(f"/team/plannen/{row.id}").text
    response = client.post(f"/team/plannen/{row.id}/afspraken", data=outcome)
    assert response.status_code == 302
    plan = db.session.scalar(db.select(ActionPlan))
    assert plan.status == PlanStatus.DISCUSSED
    login_as(setup.participant)
    assert "Afspraak-X" in client.get("/actieplan/gesprek").text
    db.session.rollback()
    assert db.session.scalar(db.select(Conversation)).checklist["participant"] == ["energy", "ask"]


def test_bad_proposals_and_outcomes_are_refused(setup, shared, login_as, client):
    row = shared(["goals"])
    login_as(setup.manager)
    response = client.post(
        f"/team/plannen/{row.id}/tijden", data={"times-0": _local(-2, 10), "duration": "60"}
    )
    assert response.status_code == 200 and "Stel tijden in de toekomst voor" in response.text
    response = client.post(f"/team/plannen/{row.id}/tijden", data={"duration": "60"})
    assert "Stel één tot drie tijden voor" in response.text
    past = (utcnow() - timedelta(days=3)).date().isoformat()
    response = client.post(
        f"/team/plannen/{row.id}/afspraken",
        data={"agreements": "Afspraak-Y", "follow_up_on": past, "discussed": "y"},
    )
    assert response.status_code == 200
    assert "Afspraak-Y" in response.text and "Kies een datum vanaf vandaag" in response.text
    assert "Spreek eerst een tijd af" in response.text


def test_agreed_conversation_is_in_both_personal_feeds(setup, shared, login_as, client):
    from learnpath.ical.services import derive_token, issue_token

    row = shared(["goals"])
    login_as(setup.manager)
    form = {"times-0": _local(7, 10), "times-1": "", "times-2": "", "duration": "60"}
    client.post(f"/team/plannen/{row.id}/tijden", data=form)
    conversation = db.session.scalar(db.select(Conversation))
    uid = f"UID:career-conversation-{conversation.id}@learnpath"
    tokens = {u.id: derive_token(issue_token(u).seed) for u in (setup.participant, setup.manager)}
    db.session.commit()
    assert uid not in client.get(f"/cal/{tokens[setup.participant.id]}.ics").text  # not agreed yet
    login_as(setup.participant)
    client.post("/actieplan/gesprek/tijd", data={"proposal": conversation.proposals[0].id})
    for user_id, token in tokens.items():
        feed = client.get(f"/cal/{token}.ics").text
        assert uid in feed, user_id
        assert "Vraag-Q" not in feed  # no plan content in the calendar
    services.revoke(db.session.get(type(row), row.id))
    db.session.commit()
    assert uid not in client.get(f"/cal/{tokens[setup.manager.id]}.ics").text
