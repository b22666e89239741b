"""Files and links a facilitator shares with the participants of one session.

The bytes of a file are stored through ``materials.storage`` (the database by default:
``MaterialContent``, one row per file), so every app server sees the same files. Both tables
hang off ``cohort_sessions`` by NOT NULL foreign keys: retention clears them with the rest of
the group's rows (privacy.services.DELETE_TABLES).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.cohorts.models import CohortSession
from learnpath.db import UTCDateTime, str_enum, utcnow
from learnpath.enums import LabelledEnum
from learnpath.extensions import Model


class MaterialKind(LabelledEnum):
    FILE = "file", _l("File")
    LINK = "link", _l("Link")


class Visibility(LabelledEnum):
    """From which moment enrolled participants see a material (relative to the session, so
    a moved session moves it along)."""

    BEFORE = "before", _l("Straight away (before the session)")
    AT_START = "start", _l("From the start of the session")
    AFTER = "after", _l("After the session")


class SessionMaterial(Model):
    __tablename__ = "session_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), index=True)
    kind: Mapped[MaterialKind] = mapped_column(str_enum(MaterialKind, length=10))
    title: Mapped[str] = mapped_column(String(200))
    #: A link's address (https only); None for a file.
    url: Mapped[str | None] = mapped_column(String(1000))
    #: A file's name as uploaded (cleaned), its type as found in its content, and its size.
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, length=10), default=Visibility.BEFORE
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[CohortSession] = relationship()

    def __repr__(self) -> str:
        return f"<SessionMaterial {self.id} {self.kind} session={self.session_id}>"


class MaterialContent(Model):
    """The bytes of one file (the database storage backend)."""

    __tablename__ = "material_contents"

    material_id: Mapped[int] = mapped_column(
        ForeignKey("session_materials.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
