"""Report services: the HR dashboard of an organisation and the facilitator's cohort report."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Subquery, delete, select

from learnpath.accounts.models import Department, Organisation
from learnpath.cohorts.models import SEAT_STATUSES, Cohort, EnrolmentStatus
from learnpath.content.schema import Content
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.reports import freshness, queries, snapshots
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
from learnpath.reports.models import ReportSnapshot


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

    def put(self, key: tuple[Any, ...], value: Any, age: float = 0.0) -> None:
        """Keep ``value``, computed ``age`` seconds ago."""
        with self.lock:
            self.entries[key] = (time.monotonic() - age, value)
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
    """Drop the computed reports of this process and the kept ones of every process (the next
    ones are computed anew); commits the session."""
    _reports().clear()
    db.session.execute(delete(ReportSnapshot))
    db.session.commit()


T = TypeVar("T")


def stamp(value: T, computed_at: datetime, behind: bool) -> T:
    """``value`` with its report saying when its figures were computed, and whether data
    changed since (a copy: the kept value is shared)."""
    if isinstance(value, Report):
        return cast(T, replace(value, computed_at=computed_at, behind=behind))
    if isinstance(value, tuple):
        return cast(T, tuple(stamp(part, computed_at, behind) for part in value))
    if hasattr(value, "report") and isinstance(value.report, Report):
        return cast(T, replace(value, report=stamp(value.report, computed_at, behind)))  # type: ignore[type-var]
    return value


def reused(
    organisation: Organisation,
    kind: str,
    params: Mapping[str, Any],
    build: Callable[[], T],
    *,
    shared: bool = True,
    also: Mapping[str, Any] | None = None,
    may_lag: bool = False,
) -> T:
    """``build()``, or what it returned before for the same ``kind`` and ``params`` of
    ``organisation`` while the organisation's report data (learnpath.reports.freshness), its
    settings, the day and the language are unchanged, for at most ``REPORT_MAX_AGE`` seconds:
    kept by this process, else by any (learnpath.reports.snapshots, when ``shared``). For a
    page that marks it (``may_lag``), a snapshot computed before the data changed is shown for
    ``REPORT_LAG_SECONDS`` after the change (marked ``behind``) while the job computes it
    again; downloads and other pages get the current figures. ``also``: parameters of the
    same kind whose report may stand in (the whole report for one of its tables; shared)."""
    session = db.session()
    versions = freshness.version_of(organisation.id)  # flushes: uncommitted() knows all
    if freshness.uncommitted(session):
        return build()
    now = utcnow()
    locale = str(get_locale())
    settings = snapshots.settings_of(organisation, locale)
    zone = ZoneInfo(organisation.timezone)
    day = now.astimezone(zone).date()
    wanted = snapshots.params_text(params)
    choices = ([snapshots.params_text(also)] if also is not None else []) + [wanted]
    reports = _reports()
    for choice in choices:
        found = reports.get((kind, choice, settings, versions, day))
        if found is not None:
            return cast(T, found)
    keys = {
        snapshots.key_of(kind, choice, settings): choice
        for choice in choices
        if shared or choice != wanted
    }
    lag = float(current_app.config["REPORT_LAG_SECONDS"]) if may_lag else 0.0
    best: tuple[datetime | None, snapshots.Snapshot, str] | None = None
    for key, snapshot in snapshots.read(organisation.id, keys).items():
        since = snapshot.behind_since(versions, day, zone, now)
        if since is not None and (now - since).total_seconds() >= lag:
            continue
        if best is None or (best[0] is not None and since is None):
            best = (since, snapshot, keys[key])
    if best is not None:
        since, snapshot, choice = best
        value = snapshot.value()
        if value is not None:
            snapshots.seen(snapshot, now)
            value = stamp(value, snapshot.computed_at, behind=since is not None)
            if since is None:
                age = (now - snapshot.computed_at).total_seconds()
                reports.put((kind, choice, settings, versions, day), value, age=age)
            return cast(T, value)
    value = stamp(build(), now, behind=False)
    reports.put((kind, wanted, settings, versions, day), value)
    if shared:
        key = snapshots.key_of(kind, wanted, settings)
        snapshots.keep(
            snapshots.Kept(organisation.id, key, kind, wanted, locale, versions, day, now, value)
        )
    return value


def hr_report(
    organisation: Organisation,
    year: int,
    department_id: int | None,
    content: Content,
    today: datetime,
    only: Collection[str] | None = None,
    may_lag: bool = False,
) -> tuple[Report, Selection]:
    """The HR dashboard (see :func:`build_hr_report`), computed again only when its data
    changed (see :func:`reused`; ``may_lag``: the page, which marks figures of before); a
    table of the whole report computed before is taken from it (a CSV after the page)."""
    params = _hr_params(year, department_id, content, today)
    return reused(
        organisation,
        "hr",
        {**params, "only": None if only is None else sorted(only)},
        lambda: build_hr_report(organisation, year, department_id, content, today, only),
        shared=only is None,
        also=None if only is None else {**params, "only": None},
        may_lag=may_lag,
    )


def _hr_params(
    year: int, department_id: int | None, content: Content, today: datetime
) -> dict[str, Any]:
    return {
        "year": year,
        "department_id": department_id,
        "content": content.version,
        "today_year": today.year,
    }


def _hr_again(organisation: Organisation, params: Mapping[str, Any], now: datetime) -> Any:
    return build_hr_report(
        organisation, params["year"], params["department_id"], get_content(), now
    )


def _hr_current(params: Mapping[str, Any], now: datetime) -> bool:
    return (
        params.get("only") is None
        and params.get("content") == get_content().version
        and params.get("today_year") == now.year
    )


snapshots.register("hr", snapshots.Kind(build=_hr_again, current=_hr_current))


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
