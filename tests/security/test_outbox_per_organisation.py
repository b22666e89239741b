"""An administrator sees the undelivered mail of their own organisation only: also the mail sent
on its people's behalf to addresses without an account (a colleague asked for feedback), which
names the colleague and the sender."""

from __future__ import annotations

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage, OutboxStatus
from learnpath.notifications.services import queue_message, queue_to_address

FEEDBACK = {
    "sender": "Anouk",
    "colleague_name": "",
    "intro": "",
    "link": "https://example.org/x",
    "expires": "morgen",
}


def _fail(message: OutboxMessage | None) -> OutboxMessage:
    assert message is not None
    message.status = OutboxStatus.FAILED
    message.last_error = "550 mailbox unavailable"
    db.session.commit()
    return message


def test_messages_carry_their_organisation(app, make_user, make_org):
    elders = make_org("Gemeente Elders")
    anouk = make_user(Role.PARTICIPANT, organisation=elders)
    with app.test_request_context():
        to_person = queue_message("test.person", anouk, "Onderwerp", "accounts/invite", link="x")
        to_colleague = queue_to_address(
            "test.colleague",
            "collega@example.org",
            "nl",
            "Anouk vraagt je mening",
            "assignments/feedback_request",
            organisation_id=anouk.organisation_id,
            **FEEDBACK,
        )
    assert to_person is not None and to_colleague is not None
    assert to_person.organisation_id == elders.id
    assert to_colleague.organisation_id == elders.id


def test_another_organisations_mail_to_a_colleague_is_not_shown(
    app, client, login_as, make_user, make_org
):
    admin = make_user(Role.ADMIN)
    anouk = make_user(Role.PARTICIPANT, organisation=make_org("Gemeente Elders"))
    ours = make_user(Role.PARTICIPANT)
    with app.test_request_context():
        theirs = _fail(
            queue_to_address(
                "test.colleague",
                "collega-van-anouk@example.org",
                "nl",
                "Anouk vraagt je mening",
                "assignments/feedback_request",
                organisation_id=anouk.organisation_id,
                **FEEDBACK,
            )
        )
        mine = _fail(
            queue_to_address(
                "test.colleague",
                "collega-van-ons@example.org",
                "nl",
                "Wij vragen je mening",
                "assignments/feedback_request",
                organisation_id=ours.organisation_id,
                **FEEDBACK,
            )
        )
    login_as(admin)
    page = client.get("/beheer/berichten").text
    assert "collega-van-ons@example.org" in page
    assert "collega-van-anouk@example.org" not in page and "Anouk" not in page
    client.post("/beheer/berichten", data={"message_id": [theirs.id, mine.id]})
    db.session.expire_all()
    assert theirs.status == OutboxStatus.FAILED
    assert mine.status == OutboxStatus.PENDING
