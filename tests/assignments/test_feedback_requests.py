"""Feedback requests to colleagues: one-time, expiring, unguessable links; no account data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from learnpath.assignments import services
from learnpath.assignments.models import FeedbackRequest, Submission
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage

COLLEAGUES = ["ans@example.org", "bram@example.org", "cem@example.org"]


def _invite(client, emails, sender="Sam"):
    data = {"action": "invite:verhalen", "b-verhalen-sender": sender, "b-themas": "Mijn thema's"}
    for i, email in enumerate(emails):
        data[f"b-verhalen-{i}-email"] = email
        data[f"b-verhalen-{i}-name"] = f"Collega {i}"
    return client.post("/opdrachten/jij-op-je-best", data=data)


def _links() -> dict[str, str]:
    """email -> the link in the queued invitation."""
    db.session.expire_all()
    messages = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind == "assignments.feedback_request")
    )
    return {
        m.recipient_email: re.search(r"http://localhost(/feedback/\S+)", m.body_text).group(1)
        for m in messages
    }


def test_invitations_are_queued_with_a_one_time_link_and_only_a_hash_stored(
    group, login_as, client
):
    participant = group.participants[0]
    login_as(participant)
    response = _invite(client, COLLEAGUES)
    assert response.status_code == 302
    links = _links()
    assert set(links) == set(COLLEAGUES)
    requests = db.session.scalars(db.select(FeedbackRequest)).all()
    assert len(requests) == 3
    for r in requests:
        token = links[r.colleague_email].rsplit("/", 1)[1]
        assert len(token) >= 43  # 32 random bytes, url-safe base64
        assert r.token_hash == services.hash_token(token) and token not in r.token_hash
        assert r.expires_at - r.created_at == timedelta(days=14)
        assert r.sender_name == "Sam"
    message = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind == "assignments.feedback_request")
    ).first()
    assert message.recipient_user_id is None
    # The invitation shows the chosen name only, not the account's name or address.
    assert participant.name not in message.body_text and participant.email not in message.body_text
    # The draft answers typed alongside were saved; the addresses are cleared.
    submission = db.session.scalar(db.select(Submission))
    assert submission.answers["themas"]["value"] == "Mijn thema's"
    assert submission.answers["verhalen"]["pending"] == []


def test_invalid_and_duplicate_addresses_are_refused_without_losing_input(group, login_as, client):
    login_as(group.participants[0])
    response = _invite(client, ["geen-adres", "ans@example.org", "ans@example.org"])
    assert response.status_code == 200
    assert 'id="b-verhalen-0-email-error"' in response.text
    assert 'id="b-verhalen-2-email-error"' in response.text
    assert 'value="geen-adres"' in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(FeedbackRequest)) == 0
    assert _links() == {}


def test_at_most_max_people(group, login_as, client):
    login_as(group.participants[0])
    _invite(client, COLLEAGUES)
    response = _invite(client, ["d@example.org", "e@example.org", "f@example.org"])
    assert response.status_code == 200
    assert 'id="b-verhalen-error"' in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(FeedbackRequest)) == 3


def test_colleague_sees_only_intro_and_questions_and_can_answer_once(group, login_as, client, app):
    participant = group.participants[0]
    login_as(participant)
    _invite(client, COLLEAGUES)
    link = _links()["ans@example.org"]
    client.post("/logout")

    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Sam" in page.text
    assert participant.name not in page.text and participant.email not in page.text
    assert group.cohort.name not in page.text
    assert 'name="q-0"' in page.text and 'name="q-2"' in page.text

    # Nothing answered: refused, nothing used up.
    assert client.post(link, data={"q-0": "", "q-1": ""}).status_code == 200
    answered = client.post(link, data={"q-0": "Bij de reorganisatie", "q-1": "Rust", "q-2": ""})
    assert answered.status_code == 200
    again = client.get(link)
    assert again.status_code == 410
    assert client.post(link, data={"q-0": "Overschrijven"}).status_code == 410
    stored = db.session.scalar(
        db.select(FeedbackRequest).where(FeedbackRequest.colleague_email == "ans@example.org")
    )
    assert stored.answers == ["Bij de reorganisatie", "Rust", ""]
    assert stored.used_at is not None

    # The participant reads the answers; the facilitator does not until shared.
    login_as(participant)
    assert "Bij de reorganisatie" in client.get("/opdrachten/jij-op-je-best").text


def test_expired_and_unknown_links(group, login_as, client):
    login_as(group.participants[0])
    _invite(client, COLLEAGUES)
    link = _links()["bram@example.org"]
    with freeze_time(datetime.now(UTC) + timedelta(days=14, seconds=1)):
        assert client.get(link).status_code == 410
        assert client.post(link, data={"q-0": "te laat"}).status_code == 410
    assert client.get("/feedback/" + "A" * 43).status_code == 404
    assert client.get("/feedback/x").status_code == 404


def test_sharing_with_the_facilitator(group, login_as, client):
    participant = group.participants[0]
    login_as(participant)
    _invite(client, COLLEAGUES)
    link = _links()["cem@example.org"]
    client.post(link, data={"q-0": "Geheim verhaal"})
    # Hand in, so the facilitator can open the submission.
    login_as(participant)
    data = {"action": "submit", "b-themas": "t" * 60, "b-verhalen-sender": "Sam"}
    assert client.post("/opdrachten/jij-op-je-best", data=data).status_code == 302
    submission = db.session.scalar(db.select(Submission))
    request_id = db.session.scalar(
        db.select(FeedbackRequest.id).where(FeedbackRequest.colleague_email == "cem@example.org")
    )
    review_url = f"/cohorten/{group.cohort.id}/inzendingen/{submission.id}"

    login_as(group.facilitator)
    assert "Geheim verhaal" not in client.get(review_url).text

    login_as(participant)
    share = f"/opdrachten/jij-op-je-best/verzoeken/{request_id}/delen"
    assert client.post(share, data={"shared": "1"}).status_code == 302
    login_as(group.facilitator)
    assert "Geheim verhaal" in client.get(review_url).text

    login_as(participant)
    client.post(share, data={"shared": "0"})
    login_as(group.facilitator)
    assert "Geheim verhaal" not in client.get(review_url).text

    # Another participant cannot touch this request.
    login_as(group.participants[1])
    assert client.post(share, data={"shared": "1"}).status_code == 404


def test_two_simultaneous_answers_use_the_link_once(group, login_as, client, content):
    login_as(group.participants[0])
    _invite(client, COLLEAGUES)
    token = _links()["ans@example.org"].rsplit("/", 1)[1]
    request = services.find_request(token)
    block = next(b for b in content.assignments["jij-op-je-best"].blocks if b.slug == "verhalen")
    now = datetime.now(UTC)
    services.answer_request(request, block, ["eerste"], now)
    db.session.commit()
    try:
        services.answer_request(request, block, ["tweede"], now)
    except services.AssignmentError:
        db.session.rollback()
    else:  # pragma: no cover
        raise AssertionError("the second answer must be refused")
    db.session.expire_all()
    assert services.find_request(token).answers == ["eerste"]
