"""On PostgreSQL the 304's one query runs on connections of its own, which hold no transaction:
psycopg forgets its prepared statements at every ROLLBACK (each request that only read ends
with one), so on the app's pool the query would be planned anew after every other page."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.ical import feeds
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
