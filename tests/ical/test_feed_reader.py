"""On PostgreSQL the 304's one query runs on connections of its own, which hold no transaction:
psycopg forgets its prepared statements at every ROLLBACK (each request that only read ends
with one), so on the app's pool the query would be planned anew after every other page."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from learnpath.accounts.models import Role
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.ical import feeds, services
from tests.conftest import is_postgres
from tests.ical.test_feed_assembly import counted, token_of
from tests.ical.test_feed_assembly import rich as rich  # noqa: F401, PLC0414  (the fixture)

pytestmark = pytest.mark.skipif(not is_postgres(), reason="psycopg's prepared statements")


def test_the_version_query_stays_prepared_between_other_pages(
    client,
    rich,
    make_user,  # noqa: ANN001
) -> None:
    url = f"/cal/{token_of(rich['person'])}.ics"
    etag = client.get(url).headers["ETag"]
    other = client.application.test_client()
    reader = make_user(Role.PARTICIPANT)
    db.session.commit()
    with other.session_transaction() as session:
        session["_user_id"] = reader.get_id()
        session["_fresh"] = True
    for _ in range(8):  # psycopg prepares a statement from its fifth run
        assert other.get("/").status_code == 200  # reads, then rolls back
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with feeds._reader(db.engine).connect() as connection:
        prepared = connection.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :part"),
            {"part": "%feed_version%"},
        ).scalar_one()
    assert prepared == 1


def test_its_statement_is_counted_on_the_apps_engine(client, rich) -> None:  # noqa: ANN001
    url = f"/cal/{token_of(rich['person'])}.ics"
    etag = client.get(url).headers["ETag"]
    with counted() as statements:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert len(statements) == 1 and "feed_version" in statements[0]


def test_after_its_first_run_it_goes_to_the_driver_with_the_same_row(client, rich) -> None:  # noqa: ANN001
    """The first run goes through SQLAlchemy and keeps the statement as sent; later runs send
    it to psycopg directly and read the very same row (so the same ETag)."""
    url = f"/cal/{token_of(rich['person'])}.ics"
    feeds._SENT.clear()
    etag = client.get(url).headers["ETag"]
    assert feeds._reader(db.engine) in feeds._SENT
    for _ in range(3):
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    params = {
        "token_hash": services.lookup_hash(token_of(rich["person"])),
        "since": utcnow() - feeds.KEEP_CANCELLED,
    }
    direct = feeds._version_row(params)
    through_sqlalchemy = db.session.execute(feeds._version_query(), params).first()
    assert repr(tuple(direct)) == repr(tuple(through_sqlalchemy))
    assert direct.sessions_count == through_sqlalchemy.sessions_count > 0
    assert direct.conversations_changed == through_sqlalchemy.conversations_changed
    params["token_hash"] = "0" * 64
    assert feeds._version_row(params) is None


def test_a_broken_reader_connection_is_replaced(client, rich, monkeypatch) -> None:  # noqa: ANN001
    """A reader connection the server dropped fails the direct run; the query then runs
    through SQLAlchemy on a new connection, and the request is answered as usual."""
    url = f"/cal/{token_of(rich['person'])}.ics"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with feeds._reader(db.engine).connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.session.rollback()
    through_sqlalchemy = []
    run = feeds._version_row_sqlalchemy

    def spy(*args):  # noqa: ANN002, ANN202
        through_sqlalchemy.append(args)
        return run(*args)

    monkeypatch.setattr(feeds, "_version_row_sqlalchemy", spy)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert len(through_sqlalchemy) == 1
    assert client.get(url).status_code == 200
    assert len(through_sqlalchemy) == 1
