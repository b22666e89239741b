"""Extra PostgreSQL databases next to the test database (named after it), for the ops tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Engine, make_url


def test_url() -> URL:
    return make_url(os.environ["LEARNPATH_TEST_DATABASE_URL"])


def sibling(suffix: str) -> URL:
    """The URL of database ``<test database>_<suffix>`` on the same server."""
    base = test_url()
    return base.set(database=f"{base.database}_{suffix}")


def _admin(url: URL) -> Engine:
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def create(url: URL, template: str | None = None) -> None:
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{url.database}"{suffix}'))
    admin.dispose()


def drop(url: URL) -> None:
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def database(suffix: str) -> Iterator[URL]:
    """A fresh, empty database for the block; dropped after it."""
    url = sibling(suffix)
    create(url)
    try:
        yield url
    finally:
        drop(url)


def as_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def row_counts(url: URL) -> dict[str, int]:
    """Rows per table (every table of the public schema)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return {
                name: int(conn.scalar(select(func.count()).select_from(table(name))) or 0)
                for name in names
            }
    finally:
        engine.dispose()


def client_env(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump / pg_restore / psql, and the environment for them."""
    args = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env
