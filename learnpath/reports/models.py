"""What the reports keep of their own: a version per organisation of the data its figures
are computed from (learnpath.reports.freshness), so a computed report can be reused until
that data changes, and the computed reports themselves, shared by every server."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from learnpath.db import UTCDateTime
from learnpath.extensions import Model

#: The row that counts changes whose organisations are not known (a bulk statement, a table
#: without a rule): it is part of every organisation's version.
EVERY_ORGANISATION = 0


class ReportVersion(Model):
    """A counter raised after each commit that changed data an organisation's reports read.

    No foreign key: the row ``EVERY_ORGANISATION`` (0) belongs to none, and a removed
    organisation's counter does no harm."""

    __tablename__ = "report_versions"

    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class ReportSnapshot(Model):
    """A computed report kept for every server (learnpath.reports.snapshots): what it was
    computed from (kind, parameters, language, the organisation's settings in ``key``), the
    counters read before its data, and the report itself (signed)."""

    __tablename__ = "report_snapshots"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    #: Digest of the kind, parameters, language and the organisation's report settings.
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    #: The parameters as canonical JSON (what the kind's builder is given again).
    params: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16))
    #: The organisation's counter and the row 0's, read before the report's data.
    version: Mapped[int] = mapped_column(BigInteger)
    every_version: Mapped[int] = mapped_column(BigInteger)
    #: The organisation's day (its own zone) the report was computed on.
    day: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set by the first raise of the counters after ``computed_at`` (freshness.bump).
    stale_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: The report, pickled and compressed; ``signature``: its HMAC-SHA256 with the app's key.
    body: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[str] = mapped_column(String(64))
