"""Shared fixtures: an app on SQLite (default) or PostgreSQL (LEARNPATH_TEST_DATABASE_URL).

The schema is built once per run by the Alembic migrations (so every test also exercises
them); after each test all tables are emptied.
"""

from __future__ import annotations

import contextvars
import os
import weakref
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text

from learnpath import create_app
from learnpath.accounts.models import Department, Organisation, Role, User
from learnpath.accounts.services import hash_password, set_roles
from learnpath.extensions import db
from learnpath.reports import snapshots

#: Fixtures that several test packages use (one place, instead of conftests importing each other).
pytest_plugins = ["tests.shared_fixtures"]

# Apps the tests build raise their report versions at once, as the shared one does (a thread
# per app raising them later would outlive its test); a test of the delay sets its own.
os.environ.setdefault("LEARNPATH_REPORT_VERSION_DELAY", "0")

#: Every engine a test connected through: the pools of apps a test built itself are emptied
#: after it. Such apps stay reachable (SQLAlchemy's and Flask's own references), and with their
#: idle connections a long PostgreSQL run met the server's connection limit.
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _remember_engine(connection: Any) -> None:
    _ENGINES.add(connection.engine)


_SHARED_ENGINES: list[Engine] = []


@pytest.fixture(autouse=True)
def _close_idle_connections() -> Iterator[None]:
    yield
    for engine in list(_ENGINES):
        if not any(engine is shared for shared in _SHARED_ENGINES):
            engine.dispose()


TEST_PASSWORD = "juist-wachtwoord-42"
_PASSWORD_HASH = hash_password(TEST_PASSWORD)


def database_url(tmp_dir: Path) -> str:
    return os.environ.get("LEARNPATH_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def is_postgres() -> bool:
    return bool(os.environ.get("LEARNPATH_TEST_DATABASE_URL"))


def _reset_database(app: Flask) -> None:
    """Drop everything (a previous run may have left tables) and migrate from empty."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(revision="heads")  # "heads": tolerate parallel branches until they are merged


@pytest.fixture(scope="session")
def app_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("app")
    return {
        "TESTING": True,
        "DATABASE_URL": database_url(tmp),
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def _migrated(app_config: dict[str, Any]) -> None:
    _reset_database(create_app(app_config))


@pytest.fixture(scope="session")
def _shared_app(app_config: dict[str, Any], _migrated: None) -> Flask:
    """One application for the whole run: building one (about 170 URL rules compiled, an engine
    and its pool) cost a quarter of a second, per test."""
    app = create_app(app_config)
    with app.app_context():
        _SHARED_ENGINES.append(db.engine)  # its pool is kept from test to test
    return app


@pytest.fixture
def app(_shared_app: Flask) -> Iterator[Flask]:
    """The run's application with its settings as built; what a test changes on it (settings,
    extensions such as the loaded content, the instance path, the client class) is put back
    afterwards, and the tables are emptied."""
    app = _shared_app
    saved_config = dict(app.config)
    saved_extensions = dict(app.extensions)
    saved_instance_path = app.instance_path
    saved_client_class = app.test_client_class
    try:
        with app.app_context():
            yield app
            db.session.remove()
            snapshots.write_pending()  # what the context's end writes, before the tables empty
            _empty_tables()
    finally:
        app.config.clear()
        app.config.update(saved_config)
        app.extensions.clear()
        app.extensions.update(saved_extensions)
        app.instance_path = saved_instance_path
        app.test_client_class = saved_client_class


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Only the tables a test wrote to (those with rows, or whose id sequence moved):
            # DELETE in dependency order and restart their sequences. TRUNCATE would cascade
            # to every table that refers to users and cost far more than the few rows do.
            probe = " UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables
            )
            used = set(conn.scalars(text(probe)))
            moved = conn.scalars(
                text("SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
            )
            used |= {name.removesuffix("_id_seq") for name in moved} & set(tables)
            for name in (t for t in tables if t in used):
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(
                text(
                    "SELECT setval(s.seq, 1, false) FROM ("
                    "SELECT pg_get_serial_sequence(table_name, column_name) AS seq "
                    "FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = ANY(:names)) s WHERE s.seq IS NOT NULL"
                ),
                {"names": list(used)},
            )
        else:
            # The same on SQLite: one probe for the tables with rows, then only those.
            probe = " UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables
            )
            used = set(conn.scalars(text(probe)))
            for name in (t for t in tables if t in used):
                conn.execute(text(f"DELETE FROM {name}"))


class IsolatedClient(FlaskClient):
    """A test client whose requests run like real ones: in their own app context.

    Flask reuses an app context that is already pushed (ours, from the ``app`` fixture), which
    would share ``g`` and the database session between the test and its requests and hide
    bugs. Each request therefore runs in an empty ``contextvars`` context; the test's own
    session is ended first so it holds no lock and later reads see the request's changes.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if has_app_context():  # not when following a redirect inside the request context
            db.session.rollback()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


_seq = count(1)


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organisation]:
    def make(name: str | None = None, timezone: str = "Europe/Amsterdam") -> Organisation:
        n = next(_seq)
        org = Organisation(slug=f"org-{n}", name=name or f"Gemeente {n}", timezone=timezone)
        org.departments.append(Department(name="Bedrijfsvoering"))
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def org(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Gemeente Testdorp")


@pytest.fixture
def make_user(org: Organisation) -> Callable[..., User]:
    def make(
        *roles: Role,
        organisation: Organisation | None = None,
        email: str | None = None,
        name: str | None = None,
        manager: User | None = None,
        active: bool = True,
        locale: str = "nl",
    ) -> User:
        n = next(_seq)
        organisation = organisation or org
        user = User(
            organisation=organisation,
            department=organisation.departments[0] if organisation.departments else None,
            email=email or f"user{n}@example.org",
            name=name or f"Gebruiker {n}",
            password_hash=_PASSWORD_HASH if active else None,
            manager=manager,
            locale=locale,
        )
        db.session.add(user)
        set_roles(user, roles or (Role.PARTICIPANT,))
        db.session.commit()
        return user

    return make


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[User], FlaskClient]:
    def login(user: User) -> FlaskClient:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return login
