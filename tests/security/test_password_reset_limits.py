"""Password-reset requests are rate-limited and take one path for known and unknown addresses
(issue 16, point 2)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import template_rendered
from flask.testing import FlaskClient
from sqlalchemy import event, select

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage

SOURCE = "203.0.113.5"


def ask(client: FlaskClient, email: str, source: str = SOURCE) -> Any:
    return client.post(
        "/wachtwoord-vergeten", data={"email": email}, environ_base={"REMOTE_ADDR": source}
    )


def _resets() -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "account.reset"))
    )


def test_reset_mails_per_address_are_limited_without_saying_so(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    limit = app.config["RESET_MAX_PER_ADDRESS"]
    answers = [ask(client, user.email, f"192.0.2.{i + 1}") for i in range(limit + 2)]
    assert {a.status_code for a in answers} == {302}
    assert len(_resets()) == limit
    flashed = client.get("/login").text
    assert "Als er een account bij dit adres hoort" in flashed


def test_reset_requests_per_source_are_limited(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    limit = app.config["RESET_MAX_PER_SOURCE"]
    for i in range(limit):
        assert ask(client, f"iemand{i}@example.org").status_code == 302
    refused = ask(client, user.email)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert _resets() == []
    # Another source is not affected.
    assert ask(client, user.email, "198.51.100.7").status_code == 302
    assert len(_resets()) == 1


@contextmanager
def _work_done(app: Any) -> Iterator[dict[str, list[str]]]:
    """Record the templates rendered and the kinds of SQL statement run by the app."""
    seen: dict[str, list[str]] = {"templates": [], "sql": []}

    def rendered(sender: Any, template: Any, context: Any, **extra: Any) -> None:
        seen["templates"].append(template.name)

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        words = " ".join(sql.split()[:3])
        if words.startswith(("RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            words = "end of savepoint"  # kept for a real account, undone for an unknown one
        seen["sql"].append(words)

    engine = db.engine
    template_rendered.connect(rendered, app)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        template_rendered.disconnect(rendered, app)


def test_known_and_unknown_addresses_take_the_same_path(client, make_user, app):
    email = make_user(Role.PARTICIPANT).email
    ask(client, "opwarmen@example.org", "192.0.2.99")  # first-request caches out of the way
    with _work_done(app) as known:
        assert ask(client, email).status_code == 302
    with _work_done(app) as unknown:
        assert ask(client, "niemand@example.org").status_code == 302
    assert known["templates"] == unknown["templates"]
    assert "email/accounts/reset.txt" in known["templates"]
    assert known["sql"] == unknown["sql"], (known["sql"], unknown["sql"])
    assert len(_resets()) == 1
