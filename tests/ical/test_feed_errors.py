"""A feed request has no session (F12), so its error answers are plain text, not the site's
pages: those show forms whose CSRF token needs a session (before, rendering them crashed)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from learnpath import create_app
from learnpath.ical import views

URL = "/cal/" + "a" * 43 + ".ics"


def test_a_post_to_a_feed_is_refused_in_plain_text(client) -> None:  # noqa: ANN001
    answer = client.post(URL)
    assert answer.status_code == 405
    assert answer.content_type == "text/plain; charset=utf-8"
    assert "GET" in answer.headers["Allow"]
    assert "Set-Cookie" not in answer.headers


@pytest.fixture
def served(app_config: dict[str, Any], _migrated: None) -> Flask:
    """The app as in production: unhandled errors become the server-error answer."""
    return create_app({**app_config, "TESTING": False})


def test_a_failing_feed_answers_a_plain_server_error(
    served: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views, "feed_for_token", broken)
    answer = served.test_client().get(URL)
    assert answer.status_code == 500
    assert answer.data == b"500 Internal Server Error\n"
    assert "Set-Cookie" not in answer.headers


def test_other_pages_keep_their_error_pages(client) -> None:  # noqa: ANN001
    answer = client.get("/no-such-page")
    assert answer.status_code == 404
    assert answer.content_type.startswith("text/html")
