"""What HR sees first: the headline figures of the current year, protected as on the dashboard
(the same report, so a figure hidden there is hidden here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnpath.accounts.models import User
from learnpath.content.schema import Content
from learnpath.reports.figures import Table
from learnpath.reports.services import hr_report

#: The dashboard's tables that the start page repeats.
HEADLINE_TABLES = ("status", "attendance")


@dataclass(frozen=True)
class HrPanel:
    year: int
    threshold: int
    too_small: bool
    tables: list[Table]


def hr_panel(user: User, content: Content, now: datetime) -> HrPanel:
    report, selection = hr_report(
        user.organisation, now.year, None, content, now, only=HEADLINE_TABLES
    )
    tables = [t for slug in HEADLINE_TABLES if (t := report.table(slug)) is not None]
    return HrPanel(selection.year, report.threshold, report.too_small, tables)
