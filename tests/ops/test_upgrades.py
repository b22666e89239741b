"""`flask db upgrade` from every migration there is to head, on PostgreSQL, with data in the tables.

One database is walked up revision by revision; at each revision every table that is still
empty gets a row (values made from the column types, foreign keys pointing at the rows made
before). A copy of the database at that revision (``CREATE DATABASE ... TEMPLATE``) is then
upgraded to head (what ``flask db upgrade`` runs), and no row is lost.
New migrations are found, not listed: the test iterates over whatever revisions exist.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from learnpath import create_app
from learnpath.extensions import db
from tests.conftest import is_postgres
from tests.ops import pg

pytestmark = pytest.mark.skipif(not is_postgres(), reason="upgrades are tested on PostgreSQL")

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "learnpath" / "migrations"
#: Tables that are not ours (APScheduler's job store from earlier versions).
SKIP = {"alembic_version", "apscheduler_jobs"}


def revisions() -> list[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _value(column: sa.Column, table: sa.Table, made: dict[str, dict[str, Any]]) -> Any:
    for fk in column.foreign_keys:
        parent = made.get(fk.column.table.name)
        if parent is not None and fk.column.name in parent:
            return parent[fk.column.name]
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    if isinstance(kind, sa.Date):
        return dt.date(2026, 1, 5)
    if isinstance(kind, sa.Integer | sa.Numeric | sa.Float):
        return 1
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.LargeBinary):
        return b"x"
    if isinstance(kind, sa.Uuid):
        return uuid.uuid4()
    if isinstance(kind, sa.String):  # also Text
        length = getattr(kind, "length", None) or 40
        return f"x-{table.name}-{column.name}"[:length]
    return None


def fill_empty_tables(url: URL, made: dict[str, dict[str, Any]]) -> set[str]:
    """Give every empty table one row; return the tables that have one now."""
    engine = create_engine(url)
    filled: set[str] = set()
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        for table in metadata.sorted_tables:
            if table.name in SKIP:
                continue
            with engine.begin() as conn:
                if conn.scalar(sa.select(sa.func.count()).select_from(table)):
                    filled.add(table.name)
                    continue
                row = {
                    column.name: _value(column, table, made)
                    for column in table.columns
                    if not (
                        column.primary_key
                        and column.autoincrement is True
                        and not column.foreign_keys
                    )
                    and not (column.server_default is not None and column.nullable)
                }
                row = {k: v for k, v in row.items() if v is not None}
                try:
                    with conn.begin_nested():
                        inserted = conn.execute(
                            table.insert().values(row).returning(*table.primary_key.columns)
                        )
                        keys = inserted.one()._asdict()
                except sa.exc.DBAPIError:
                    continue  # a rule of this table wants something the generator cannot guess
                made[table.name] = {**row, **keys}
                filled.add(table.name)
    finally:
        engine.dispose()
    return filled


def _upgrade(url: URL, revision: str) -> None:
    app = create_app({"DATABASE_URL": pg.as_text(url), "SECRET_KEY": "upgrade-test"})
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(revision=revision)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.timeout(900)  # several processes; on a busy machine it takes minutes
def test_every_revision_upgrades_to_head_with_data_in_the_tables(tmp_path: Path) -> None:
    all_revisions = revisions()
    assert all_revisions[:17] == [f"{n:04d}" for n in range(1, 18)]  # the released ones, in order
    walk = pg.sibling("svc_walk")
    copy = pg.sibling("svc_walk_copy")
    pg.create(walk)
    made: dict[str, dict[str, Any]] = {}
    try:
        for revision in all_revisions[:-1]:
            _upgrade(walk, revision)
            filled = fill_empty_tables(walk, made)
            assert filled, f"no table could be filled at {revision}"
            before = pg.row_counts(walk)
            pg.create(copy, template=walk.database)
            started = time.monotonic()
            _upgrade(copy, "heads")  # what `flask db upgrade` runs
            print(f"{revision} -> head: {time.monotonic() - started:.1f}s")
            after = pg.row_counts(copy)
            lost = {
                name: (count, after.get(name))
                for name, count in before.items()
                if name in after and after[name] < count
            }
            assert not lost, f"upgrade from {revision} lost rows: {lost}"
            pg.drop(copy)
    finally:
        pg.drop(copy)
        pg.drop(walk)
