"""Report services: the HR dashboard of an organisation and the facilitator's cohort report."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Subquery, select

from learnpath.accounts.models import Department, Organisation
from learnpath.cohorts.models import SEAT_STATUSES, Cohort, EnrolmentStatus
from learnpath.content.schema import Content
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.reports import freshness, queries
from learnpath.reports.anonymity import (
    ALL,
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    Protected,
    View,
    clamp_threshold,
    key_of,
    protect,
    publishable,
)
from learnpath.reports.figures import Builder, Formatter, Inputs, Report, Table


class ReportError(Refusal):
    """A report setting that cannot be applied; the message is safe to show."""


@dataclass(frozen=True)
class Selection:
    """What the HR dashboard shows: a year, and all departments or one."""

    year: int
    years: list[int]
    department_id: int | None
    #: Departments that may be chosen (enough people, also after complementary suppression).
    departments: list[tuple[int, str]]
    #: Set when the requested department had to be refused.
    refused: bool = False


def year_window(organisation: Organisation, year: int) -> tuple[datetime, datetime]:
    """Return [1 January, next 1 January) of ``year`` in the organisation's zone, in UTC."""
    zone = ZoneInfo(organisation.timezone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)


def available_years(
    organisation: Organisation, today: datetime, enrolments: Subquery | None = None
) -> list[int]:
    """Years with cohorts of the organisation's employees, and always the current one."""
    years = set(queries.cohort_years(organisation.id, enrolments)) | {today.year}
    return sorted(years, reverse=True)


def department_names(organisation: Organisation) -> dict[int | None, str]:
    rows = db.session.execute(
        select(Department.id, Department.name)
        .where(Department.organisation_id == organisation.id)
        .order_by(Department.name)
    )
    names: dict[int | None, str] = {dept_id: name for dept_id, name in rows}
    names[None] = _("No department")
    return names


def _inputs(
    organisation: Organisation,
    year: int,
    view: View,
    content: Content,
    enrolments: Subquery | None = None,
    names: dict[int | None, str] | None = None,
) -> Inputs:
    start, end = year_window(organisation, year)
    return Inputs(
        scope=queries.Scope(organisation.id, start, end),
        view=view,
        threshold=clamp_threshold(organisation.report_min_group),
        content=content,
        by_department=True,
        department_names=names if names is not None else department_names(organisation),
        enrolments=enrolments,
    )


#: How long a computed HR report may be shown again while its data is unchanged: the figures
#: that follow the clock (sessions held by now) and a commit whose counters were not raised
#: (its process died in between) are at most this old.
REPORT_MAX_AGE = 300.0
#: Computed reports kept per process (about 0.3 MB each for the largest organisation).
REPORTS_KEPT = 16


class _Reports:
    """The last computed HR reports of a process, by what they were computed from."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > REPORT_MAX_AGE:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic(), value)
            self.entries.move_to_end(key)
            while len(self.entries) > REPORTS_KEPT:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def _reports() -> _Reports:
    reports = current_app.extensions.get("learnpath.hr_reports")
    if reports is None:
        reports = current_app.extensions.setdefault("learnpath.hr_reports", _Reports())
    return reports


def forget_reports() -> None:
    """Drop this process's computed reports (the next ones are computed anew)."""
    _reports().clear()


T = TypeVar("T")


def reused(
    organisation: Organisation,
    what: tuple[Any, ...],
    build: Callable[[], T],
    also: tuple[Any, ...] | None = None,
) -> T:
    """``build()``, or what it returned before for the same ``what`` of ``organisation``
    while the organisation's report data (learnpath.reports.freshness), its settings, the
    day, the language are unchanged and for at most ``REPORT_MAX_AGE`` seconds. ``also``: a
    ``what`` whose result may stand in (the whole report for one of its tables)."""
    session = db.session()
    version = freshness.version_of(organisation.id)  # flushes: uncommitted() knows all
    if freshness.uncommitted(session):
        return build()
    settings = (
        organisation.id,
        organisation.report_min_group,
        organisation.timezone,
        organisation.name,
        utcnow().astimezone(ZoneInfo(organisation.timezone)).date(),
        str(get_locale()),
        version,
    )
    reports = _reports()
    if also is not None:
        found = reports.get((*also, *settings))
        if found is not None:
            return cast(T, found)
    found = reports.get((*what, *settings))
    if found is None:
        found = build()
        reports.put((*what, *settings), found)
    return cast(T, found)


def hr_report(
    organisation: Organisation,
    year: int,
    department_id: int | None,
    content: Content,
    today: datetime,
    only: Collection[str] | None = None,
) -> tuple[Report, Selection]:
    """The HR dashboard (see :func:`build_hr_report`), computed again only when its data
    changed (see :func:`reused`); a table of the whole report computed before is taken from
    it (a CSV after the page)."""
    what = ("hr", year, department_id, content.version, today.year)
    return reused(
        organisation,
        (*what, None if only is None else tuple(sorted(only))),
        lambda: build_hr_report(organisation, year, department_id, content, today, only),
        also=None if only is None else (*what, None),
    )


def build_hr_report(
    organisation: Organisation,
    year: int,
    department_id: int | None,
    content: Content,
    today: datetime,
    only: Collection[str] | None = None,
) -> tuple[Report, Selection]:
    """Build the HR dashboard; a department with too few people is refused (whole org shown).

    ``only``: the slugs of the tables wanted (a CSV of one table builds that table alone; the
    figures it shares with other tables are still protected together with them).
    """
    enrolments = queries.organisation_enrolments(organisation.id)
    # the years to choose from are the page's (a download of one table needs none)
    years = available_years(organisation, today, enrolments) if only is None else [year]
    builder = Builder(_inputs(organisation, year, ALL, content, enrolments))
    people = builder.people()
    names = builder.inputs.department_names
    allowed = [(d, names[d]) for d in names if d is not None and (people.total(d) or 0) > 0]
    refused = department_id is not None and department_id not in dict(allowed)
    view: View = ALL if refused or department_id is None else department_id
    selection = Selection(year, years, None if view == ALL else department_id, allowed, refused)
    if view != ALL:
        builder = Builder(_inputs(organisation, year, view, content, enrolments, dict(names)))
    report = Report(builder.inputs.threshold)
    if people.total(ALL) is None or people.total(ALL) == 0:
        report.too_small = True
        return report, selection
    parts: list[tuple[tuple[str, ...], Callable[[], list[Table]]]] = [
        (("status",), lambda: [builder.status()]),
        (
            ("departments",),
            lambda: (
                [builder.departments_table(people, queries.eligible_counts(organisation.id))]
                if view == ALL
                else []
            ),
        ),
        (("cohorts",), lambda: [builder.cohorts_table()]),
        (("attendance",), lambda: [builder.attendance()]),
        (("assignments",), lambda: [builder.assignments()]),
        (("action_plans", "goals", "results"), builder.outcomes),
        (("dropout",), lambda: [builder.dropout()]),
        (("competencies", "competency_change"), builder.competencies),
        (("manager_tracks",), lambda: [builder.manager_tracks()]),
        (("opportunities",), lambda: [builder.opportunities()]),
    ]
    for slugs, build in parts:
        if only is None or any(slug in only for slug in slugs):
            report.tables += build()
    return report, selection


def cohort_report(cohort: Cohort, content: Content) -> Report:
    """Build the facilitator's report of one cohort (no departments, same protection)."""
    inputs = Inputs(
        scope=queries.Scope(cohort_ids=(cohort.id,)),
        view=ALL,
        threshold=clamp_threshold(cohort.organisation.report_min_group),
        content=content,
        by_department=False,
    )
    builder = Builder(inputs)
    report = Report(inputs.threshold)
    if not builder.people().total(ALL):
        report.too_small = True
        return report
    report.tables += [
        builder.status(),
        builder.attendance(),
        builder.assignments(),
        *builder.outcomes(),
        builder.dropout(),
        *builder.competencies(),
    ]
    return report


def cohort_overview(
    organisation: Organisation,
    cohorts: Sequence[Cohort],
    exact: Collection[int],
    content: Content,
) -> dict[int, tuple[str, str]]:
    """Seats taken and waitlist per cohort for HR's overview, protected like the report.

    Cohorts in ``exact`` (those the reader facilitates) show exact numbers. For the others
    every figure counts the organisation's own people only (a network cohort holds people of
    several employers; HR sees its own, issue 23), and is hidden when it is a small group,
    when the report hides the cohort's registrations or waitlist (the overview would give
    them away), and, as a complement, when it could be worked out from a total: the report's
    status table gives the sum over the cohorts of a year.
    """
    threshold = clamp_threshold(organisation.report_min_group)
    ids = [c.id for c in cohorts]
    seats = queries.seat_split(ids, organisation.id, tuple(SEAT_STATUSES))
    waiting = queries.seat_split(ids, organisation.id, (EnrolmentStatus.WAITLISTED,))
    starts = queries.cohort_start_times(ids)
    zone = ZoneInfo(organisation.timezone)
    groups: dict[tuple[int, str], list[int]] = {}
    for cohort in cohorts:
        if cohort.id not in exact:
            year = starts[cohort.id].astimezone(zone).year
            groups.setdefault((year, str(cohort.kind)), []).append(cohort.id)
    hidden_regs: set[int] = set()
    hidden_waits: set[int] = set()
    enrolments = queries.organisation_enrolments(organisation.id) if groups else None
    for year in sorted({year for year, _kind in groups}):
        builder = Builder(_inputs(organisation, year, ALL, content, enrolments))
        facts, regs, waits = builder.cohort_protection()
        hidden_regs |= {f.id for f in facts if regs.cell(ALL, f.id) is None}
        hidden_waits |= {f.id for f in facts if waits.cell(ALL, f.id) is None}
    result = {cid: (str(sum(seats[cid])), str(sum(waiting[cid]))) for cid in exact if cid in seats}
    fmt = Formatter(threshold)
    for members in groups.values():
        shown_seats = _protect_line(members, seats, hidden_regs, threshold)
        shown_waits = _protect_line(members, waiting, hidden_waits, threshold)
        for cid in members:
            result[cid] = (
                fmt.count(shown_seats, ALL, cid).text,
                fmt.count(shown_waits, ALL, cid).text,
            )
    return result


def _protect_line(
    members: list[int],
    split: Mapping[int, tuple[int, int]],
    hidden_elsewhere: set[int],
    threshold: int,
) -> Protected:
    """Protect one count per cohort (the organisation's own people) whose sum may be known."""
    forced = [
        key
        for cid in members
        if cid in hidden_elsewhere or not publishable(split[cid][0], threshold=threshold)
        for key in (key_of(None, cid), key_of(ALL, cid))
    ]
    counts: queries.Counts = {(None, cid): split[cid][0] for cid in members}
    return protect(counts, members, [None], threshold, forced=forced)


def set_threshold(organisation: Organisation, value: int) -> None:
    """Set the organisation's smallest reported group (MIN_THRESHOLD..MAX_THRESHOLD)."""
    if not MIN_THRESHOLD <= value <= MAX_THRESHOLD:
        raise ReportError(
            _l("Choose a number from %(low)d to %(high)d.", low=MIN_THRESHOLD, high=MAX_THRESHOLD)
        )
    organisation.report_min_group = value
    db.session.flush()
