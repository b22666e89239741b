"""Pooled connections are tested before use only after being idle (``db.configure_pool``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from learnpath import create_app
from learnpath import db as db_module
from learnpath.extensions import db
from tests.conftest import is_postgres

pytestmark = pytest.mark.skipif(not is_postgres(), reason="a server connection to break")


@pytest.fixture
def pooled(app_config: dict[str, Any], _migrated: None) -> Flask:
    """An app of its own with a pool of one connection, so each request reuses it."""
    app = create_app({**app_config, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1}})
    yield app
    with app.app_context():
        db.engine.dispose()


def _backend_pid(app: Flask) -> int:
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()
    return int(pid)


def _terminate(app: Flask, pid: int) -> None:
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    with other.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_an_idle_broken_connection_is_replaced_before_the_request_sees_it(
    pooled: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = _backend_pid(pooled)
    _terminate(pooled, pid)
    clock = db_module.time.monotonic
    later = clock() + db_module.IDLE_PING_SECONDS + 1
    monkeypatch.setattr(db_module.time, "monotonic", lambda: later)

    assert _backend_pid(pooled) != pid  # no error: the ping found it broken, a new one came


def test_a_recently_used_connection_is_not_tested(pooled: Flask) -> None:
    """No extra round trip per request; a connection broken in the last seconds fails its
    request once, and the pool then starts afresh."""
    pid = _backend_pid(pooled)
    _terminate(pooled, pid)

    with pytest.raises(OperationalError):
        _backend_pid(pooled)
    assert _backend_pid(pooled) != pid
