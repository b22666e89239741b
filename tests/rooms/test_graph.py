"""The Microsoft Graph adapter against recorded examples from Microsoft's documentation
(tests/rooms/graph/): the client-credentials token, create, update and delete of an
onlineMeeting, and Graph's errors. A fake transport replays them; nothing goes to the network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
import requests

from learnpath.rooms.graph import TeamsRooms
from learnpath.rooms.providers import ProviderFailed

RECORDED = Path(__file__).parent / "graph"
TENANT = "00000000-0000-0000-0000-000000000000"
ORGANIZER = "f4053f86-17cc-42e7-85f4-f0389ac980d6"


def recorded(name):
    return (RECORDED / name).read_text()


class Reply:
    def __init__(self, status, body=None):
        self.status_code = status
        self._body = body

    def json(self):
        if self._body is None:
            raise ValueError("no body")
        return json.loads(self._body)


class Transport:
    """Answers each request with the next recorded reply and keeps what was sent."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.sent = []

    def request(self, method, url, **kwargs):
        self.sent.append(SimpleNamespace(method=method, url=url, **kwargs))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def adapter(*replies):
    rooms = TeamsRooms(
        TENANT, "535fb089-9ff3-47b6-9bfb-4f1264799865", "qWgdYAmab0YSkuL1qKv5bPX", ORGANIZER
    )
    rooms.http = Transport(*replies)  # type: ignore[assignment]
    return rooms


def session_at(start, minutes=30):
    return SimpleNamespace(starts_at=start, ends_at=start + timedelta(minutes=minutes))


TOKEN = Reply(200, recorded("token_response.json"))


def test_the_token_request_is_the_documented_client_credentials_grant():
    rooms = adapter(TOKEN, Reply(201, recorded("create_response.json")))
    rooms.create(session_at(datetime(2019, 7, 12, 21, 30, 34, tzinfo=UTC)), "User Token Meeting")
    token_call = rooms.http.sent[0]
    request_line, _host, _type, _blank, body = recorded("token_request.txt").splitlines()
    assert token_call.method == "POST"
    assert token_call.url == "https://login.microsoftonline.com" + request_line.split()[1]
    assert token_call.data == {k: v[0] for k, v in parse_qs(body).items()}
    assert token_call.timeout


def test_create_sends_the_documented_body_and_reads_id_and_join_url():
    rooms = adapter(TOKEN, Reply(201, recorded("create_response.json")))
    made = rooms.create(
        session_at(datetime(2019, 7, 12, 21, 30, 34, tzinfo=UTC)), "User Token Meeting"
    )
    call = rooms.http.sent[1]
    assert call.method == "POST"
    assert call.url == f"https://graph.microsoft.com/v1.0/users/{ORGANIZER}/onlineMeetings"
    assert call.json == json.loads(recorded("create_request.json"))
    token = json.loads(recorded("token_response.json"))["access_token"]
    assert call.headers["Authorization"] == f"Bearer {token}"
    response = json.loads(recorded("create_response.json"))
    assert made.external_id == response["id"]
    assert made.join_url == response["joinWebUrl"]


def test_update_patches_the_meeting_and_delete_expects_204():
    response = json.loads(recorded("update_response.json"))
    rooms = adapter(TOKEN, Reply(200, recorded("update_response.json")), Reply(204))
    made = rooms.update(
        session_at(datetime(2020, 9, 9, 21, 33, 30, tzinfo=UTC)),
        "Patch Meeting Subject",
        response["id"],
    )
    rooms.cancel(response["id"])
    _token, patch, delete = rooms.http.sent
    assert patch.method == "PATCH"
    assert patch.url.endswith(f"/users/{ORGANIZER}/onlineMeetings/{response['id']}")
    assert patch.json == json.loads(recorded("update_request.json"))
    assert made is not None and made.join_url == response["joinWebUrl"]
    assert delete.method == "DELETE" and delete.url == patch.url
    assert len([c for c in rooms.http.sent if "oauth2" in c.url]) == 1  # one token for all


def test_a_graph_refusal_is_shown_and_not_retried():
    rooms = adapter(TOKEN, Reply(403, recorded("error_response.json")))
    with pytest.raises(ProviderFailed) as refused:
        rooms.create(session_at(datetime(2030, 1, 1, 9, tzinfo=UTC)), "x")
    assert "403" in str(refused.value) and "Forbidden" in str(refused.value)
    assert "qWgdYAmab0YSkuL1qKv5bPX" not in str(refused.value)
    assert refused.value.retry is False


@pytest.mark.parametrize(
    "reply",
    [Reply(503, recorded("error_response.json")), Reply(429), requests.ConnectionError("down")],
)
def test_outages_and_throttling_are_retried(reply):
    rooms = adapter(TOKEN, reply)
    with pytest.raises(ProviderFailed) as failed:
        rooms.create(session_at(datetime(2030, 1, 1, 9, tzinfo=UTC)), "x")
    assert failed.value.retry is True


def test_a_wrong_secret_is_not_retried_and_a_moved_meeting_deleted_at_microsoft_is_made_again():
    wrong = adapter(Reply(401, '{"error": "invalid_client"}'))
    with pytest.raises(ProviderFailed) as refused:
        wrong.create(session_at(datetime(2030, 1, 1, 9, tzinfo=UTC)), "x")
    assert refused.value.retry is False and "invalid_client" in str(refused.value)
    gone = adapter(
        TOKEN,
        Reply(404, recorded("error_response.json")),
        Reply(201, recorded("create_response.json")),
    )
    made = gone.update(session_at(datetime(2030, 1, 1, 9, tzinfo=UTC)), "x", "old-id")
    assert made is not None and gone.http.sent[-1].method == "POST"
