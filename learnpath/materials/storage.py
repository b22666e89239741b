"""Where the bytes of uploaded files live: a small interface, the database as default backend.

Every app server reads the same database, so files uploaded through one are downloaded through
any other. Another backend (an object store) implements the same three methods and is chosen
with ``MATERIALS_STORAGE`` in the app's configuration; only ``database`` exists today.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from flask import current_app
from sqlalchemy import delete

from learnpath.extensions import db
from learnpath.materials.models import MaterialContent


class Storage(Protocol):
    def put(self, material_id: int, data: bytes) -> None: ...

    def get(self, material_id: int) -> bytes | None: ...

    def delete(self, material_ids: Iterable[int]) -> None: ...


class DatabaseStorage:
    """The file's bytes in ``material_contents``, in the same unit of work as its record."""

    def put(self, material_id: int, data: bytes) -> None:
        db.session.add(MaterialContent(material_id=material_id, data=data))
        db.session.flush()

    def get(self, material_id: int) -> bytes | None:
        content = db.session.get(MaterialContent, material_id)
        return None if content is None else content.data

    def delete(self, material_ids: Iterable[int]) -> None:
        ids = list(material_ids)
        if ids:
            db.session.execute(delete(MaterialContent).where(MaterialContent.material_id.in_(ids)))


BACKENDS: dict[str, type[Storage]] = {"database": DatabaseStorage}


def storage() -> Storage:
    name = str(current_app.config.get("MATERIALS_STORAGE", "database"))
    return BACKENDS[name]()
