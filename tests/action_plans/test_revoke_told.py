"""Revoking a share is clear to both: the manager gets a mail, their old link says the plan is
no longer shared (still a 404, nothing of the plan), and an agreed conversation still to come
is cancelled in both calendars (METHOD:CANCEL) and both are told."""

from __future__ import annotations

from datetime import timedelta

from learnpath.action_plans import services
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage


def _messages(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_manager_is_told_and_the_old_link_says_so(setup, shared, login_as, client):
    row = shared(["goals"])
    login_as(setup.participant)
    response = client.post(f"/actieplan/delen/{row.id}/intrekken", follow_redirects=True)
    assert "heeft dit per e-mail gehoord" in response.text
    mails = _messages("action_plan_revoked")
    assert [m.recipient_user_id for m in mails] == [setup.manager.id]
    assert setup.participant.name in mails[0].subject
    assert _messages("career_conversation.cancel") == []
    login_as(setup.manager)
    response = client.get(f"/team/plannen/{row.id}")
    assert response.status_code == 404
    assert "Dit plan wordt niet meer gedeeld" in response.text
    assert "Doel-1" not in response.text


def test_an_agreed_conversation_is_cancelled_for_both(setup, shared, login_as, client):
    row = shared(["goals"])
    when = utcnow() + timedelta(days=5)
    conversation = services.propose_times(row, [when], 60, utcnow(), "Kamer 1")
    services.accept_time(conversation, conversation.proposals[0].id, utcnow())
    db.session.commit()
    login_as(setup.participant)
    response = client.post(f"/actieplan/delen/{row.id}/intrekken", follow_redirects=True)
    assert "is geannuleerd" in response.text
    cancels = _messages("career_conversation.cancel")
    assert {m.recipient_user_id for m in cancels} == {setup.participant.id, setup.manager.id}
    for message in cancels:
        assert "METHOD:CANCEL" in message.ics
        assert f"UID:career-conversation-{conversation.id}@learnpath" in message.ics
    revoked = _messages("action_plan_revoked")[0]
    assert "geannuleerd" in (revoked.body_text or "")


def test_someone_else_never_sees_the_no_longer_shared_page(
    setup, shared, login_as, client, make_user
):
    from learnpath.accounts.models import Role

    row = shared(["goals"])
    services.revoke(row)
    db.session.commit()
    login_as(make_user(Role.MANAGER))
    response = client.get(f"/team/plannen/{row.id}")
    assert response.status_code == 404
    assert setup.participant.name not in response.text
