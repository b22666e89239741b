"""One JSON line per request and per job run; the request id follows a mail to its delivery."""

from __future__ import annotations

import io
import json
import logging

import pytest

from learnpath import jobs, telemetry
from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.notifications import delivery
from learnpath.notifications.models import OutboxMessage


@pytest.fixture
def lines():
    """The JSON lines the learnpath loggers write (as the processes outside the tests do)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(telemetry.JsonFormatter())
    logger = logging.getLogger("learnpath")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_one_json_line_per_request_with_id_endpoint_status_and_user_but_no_name(
    client, login_as, make_user, lines
):
    user = make_user(Role.PARTICIPANT, name="Zoë Geheim", email="zoe@example.org")
    login_as(user)
    response = client.get("/account", headers={"X-Request-ID": "lb-4711"})
    assert response.headers["X-Request-ID"] == "lb-4711"
    (line,) = [line for line in lines() if line.get("event") == "request"]
    assert line["request_id"] == "lb-4711"
    assert line["endpoint"] == "accounts.account"
    assert line["status"] == 200 and line["method"] == "GET"
    assert line["user_id"] == user.id
    assert isinstance(line["ms"], float)
    text = json.dumps(lines())
    assert "Zoë" not in text and "zoe@example.org" not in text and "/account" not in text


def test_an_unusable_request_id_is_replaced_and_a_missing_one_made(client, lines):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id <script>" + "x" * 100})
    assert replaced.headers["X-Request-ID"] not in ("bad id", made)
    assert len(replaced.headers["X-Request-ID"]) == 32
    # Probes are counted but not logged (a load balancer asks every few seconds).
    client.get("/login")
    assert [line["endpoint"] for line in lines() if line.get("event") == "request"] == [
        "accounts.login"
    ]


def test_the_request_id_of_a_reset_request_is_in_its_mails_delivery_log(
    app, client, make_user, lines, tmp_path, monkeypatch
):
    user = make_user(Role.PARTICIPANT)
    response = client.post(
        "/wachtwoord-vergeten", data={"email": user.email}, headers={"X-Request-ID": "req-42"}
    )
    assert response.status_code in (200, 302)
    message = OutboxMessage.query.filter_by(recipient_email=user.email).one()
    assert message.request_id == "req-42"
    message_id = message.id
    db.session.rollback()  # the job's own session writes
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path))
    jobs.bind(app)
    assert jobs.run_job("deliver_outbox") == 1
    assert list(tmp_path.glob("*.eml"))
    logged = lines()
    queued = [line for line in logged if line.get("event") == "mail_queued"]
    delivered = [line for line in logged if line.get("event") == "mail_delivery"]
    assert queued and queued[0]["request_id"] == "req-42"
    assert delivered == [
        {**delivered[0], "outbox_id": message_id, "status": "sent", "request_id": "req-42"}
    ]
    (job,) = [line for line in logged if line.get("event") == "job"]
    assert job["job"] == "deliver_outbox" and job["ok"] is True and job["result"] == 1
    assert delivery.transport_from_config().directory == tmp_path
