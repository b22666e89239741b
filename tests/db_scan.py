"""Read every text value in the database: erasure and retention tests look for leftovers."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import JSON, String, select

from learnpath.extensions import db


def all_text_values() -> Iterator[tuple[str, str, str]]:
    """Yield (table, column, text) for every value of every String/Text/JSON column."""
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for col, value in zip(columns, row, strict=True):
                if value is not None:
                    text = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    yield table.name, col.name, text
