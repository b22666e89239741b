"""Where the career conversation takes place: the manager gives a room or a meeting link with
the times; it is the LOCATION of both invitations and of both personal feeds."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from learnpath.action_plans.models import Conversation
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage


def _local(days: int, hour: int) -> str:
    day = utcnow().astimezone(ZoneInfo("Europe/Amsterdam")) + timedelta(days=days)
    return day.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def _agree(setup, row, login_as, client, location: str) -> Conversation:
    login_as(setup.manager)
    form = {"times-0": _local(7, 10), "duration": "60", "location": location}
    assert client.post(f"/team/plannen/{row.id}/tijden", data=form).status_code == 302
    conversation = db.session.scalar(db.select(Conversation))
    login_as(setup.participant)
    assert "Waar: " + location in client.get("/actieplan/gesprek").text
    client.post("/actieplan/gesprek/tijd", data={"proposal": conversation.proposals[0].id})
    db.session.rollback()
    return db.session.scalar(db.select(Conversation))


@pytest.mark.parametrize(
    ("location", "has_url"),
    [("Stadhuis, kamer 2.14", False), ("https://meet.jit.si/loopbaan-gesprek", True)],
)
def test_location_is_in_both_invitations_and_feeds(
    setup, shared, login_as, client, location, has_url
):
    from learnpath.ical.services import derive_token, issue_token

    row = shared(["goals"])
    conversation = _agree(setup, row, login_as, client, location)
    assert conversation.location == location
    invitations = list(
        db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.kind == "career_conversation.request")
        )
    )
    assert len(invitations) == 2
    escaped = location.replace(",", "\\,")
    for message in invitations:
        assert f"LOCATION:{escaped}" in message.ics
        assert ("URL:" in message.ics) == has_url
    tokens = {u.id: derive_token(issue_token(u).seed) for u in (setup.participant, setup.manager)}
    db.session.commit()
    for token in tokens.values():
        feed = client.get(f"/cal/{token}.ics").text
        assert f"LOCATION:{escaped}" in feed


def test_a_too_long_location_is_refused_with_the_input_kept(setup, shared, login_as, client):
    row = shared(["goals"])
    login_as(setup.manager)
    form = {"times-0": _local(7, 10), "duration": "60", "location": "x" * 501}
    response = client.post(f"/team/plannen/{row.id}/tijden", data=form)
    assert response.status_code == 200
    assert "x" * 501 in response.text
    assert db.session.scalar(db.select(Conversation)) is None
