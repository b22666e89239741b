"""The readiness checks, shared by ``/readyz`` (a load balancer) and ``flask doctor`` (a person)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from learnpath import jobs
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def migration_heads(app: Flask) -> set[str]:
    """The head revision(s) of the migrations shipped with this code (read once per app)."""
    heads = app.extensions.get("learnpath_migration_heads")
    if heads is None:
        # alembic (with mako) is imported here, not at start: a web worker that is never asked
        # for its readiness does not hold it (issue #17, memory per worker)
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(Path(app.extensions["migrate"].directory)))
        heads = set(ScriptDirectory.from_config(config).get_heads())
        app.extensions["learnpath_migration_heads"] = heads
    return set(heads)


def _database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        return Check("database", False, f"unreachable: {type(exc).__name__}")
    return Check("database", True, db.engine.dialect.name)


def _migrations(app: Flask) -> Check:
    from alembic.migration import MigrationContext

    try:
        current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    except Exception as exc:
        db.session.rollback()
        return Check("migrations", False, f"cannot be read: {type(exc).__name__}")
    wanted = migration_heads(app)
    if current != wanted:
        return Check(
            "migrations",
            False,
            f"database at {', '.join(sorted(current)) or 'nothing'}, code needs "
            f"{', '.join(sorted(wanted))}: run `flask db upgrade`",
        )
    return Check("migrations", True, f"at head {', '.join(sorted(wanted))}")


def _content() -> Check:
    # The app refuses to start on invalid content, so content it holds was checked at start.
    return Check("content", True, f"valid, version {get_content().version[:12]}")


def _scheduler(app: Flask) -> Check:
    try:
        lease = jobs.current_lease()
    except Exception as exc:
        db.session.rollback()
        return Check("scheduler", False, f"cannot be read: {type(exc).__name__}")
    if lease is None:
        return Check("scheduler", False, "no scheduler has run: start `flask scheduler run`")
    age = utcnow() - lease.heartbeat_at
    seconds = int(age.total_seconds())
    if age > jobs.heartbeat_max_age(app):
        return Check(
            "scheduler", False, f"last heartbeat {seconds}s ago from {lease.holder}: is it running?"
        )
    return Check("scheduler", True, f"{lease.holder} active, heartbeat {seconds}s ago")


def readiness(app: Flask) -> list[Check]:
    """Database reachable, migrations at head, content valid, scheduler heartbeat recent."""
    database = _database()
    if not database.ok:
        return [
            database,
            Check("migrations", False, "database unreachable"),
            _content(),
            Check("scheduler", False, "database unreachable"),
        ]
    checks = [database, _migrations(app), _content()]
    migrated = checks[1].ok
    checks.append(_scheduler(app) if migrated else Check("scheduler", False, "not migrated"))
    db.session.rollback()  # a probe holds nothing open
    return checks
