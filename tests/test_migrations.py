"""The migrated schema equals the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from learnpath.db import FOREIGN_TABLES
from learnpath.extensions import db


def test_migrations_match_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, parents: (
                    not (type_ == "table" and name in FOREIGN_TABLES)
                ),
            },
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []
