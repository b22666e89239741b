"""The career conversation: the manager proposes times, the participant accepts one, both get
a calendar invitation, both record agreements; the plan becomes "discussed"."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

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
    response = client.post(
        f"/team/plannen/{row.id}/afspraken",
        data={
            "agreements": "Afspraak-X: opleiding in Q3",
            "follow_up_on": follow_up,
            "discussed": "y",
        },
    )
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
