"""What the reports keep of their own: a version per organisation of the data its figures
are computed from (learnpath.reports.freshness), so a computed report can be reused until
that data changes."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

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
