"""Report services: the HR dashboard of an organisation and the facilitator's cohort report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnpath.accounts.models import Department, Organisation
from learnpath.cohorts.models import Cohort
from learnpath.content.schema import Content
from learnpath.extensions import db
from learnpath.reports import queries
from learnpath.reports.anonymity import ALL, MAX_THRESHOLD, MIN_THRESHOLD, View, clamp_threshold
from learnpath.reports.figures import Builder, Inputs, Report


class ReportError(Exception):
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


def available_years(organisation: Organisation, today: datetime) -> list[int]:
    """Years with cohorts of the organisation's employees, and always the current one."""
    years = set(queries.cohort_years(organisation.id)) | {today.year}
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


def _inputs(organisation: Organisation, year: int, view: View, content: Content) -> Inputs:
    start, end = year_window(organisation, year)
    return Inputs(
        scope=queries.Scope(organisation.id, start, end),
        view=view,
        threshold=clamp_threshold(organisation.report_min_group),
        content=content,
        by_department=True,
        department_names=department_names(organisation),
    )


def hr_report(
    organisation: Organisation,
    year: int,
    department_id: int | None,
    content: Content,
    today: datetime,
) -> tuple[Report, Selection]:
    """Build the HR dashboard; a department with too few people is refused (whole org shown)."""
    years = available_years(organisation, today)
    builder = Builder(_inputs(organisation, year, ALL, content))
    people = builder.people()
    names = builder.inputs.department_names
    allowed = [(d, names[d]) for d in names if d is not None and (people.total(d) or 0) > 0]
    refused = department_id is not None and department_id not in dict(allowed)
    view: View = ALL if refused or department_id is None else department_id
    selection = Selection(year, years, None if view == ALL else department_id, allowed, refused)
    if view != ALL:
        builder = Builder(_inputs(organisation, year, view, content))
    report = Report(builder.inputs.threshold)
    if people.total(ALL) is None or people.total(ALL) == 0:
        report.too_small = True
        return report, selection
    report.tables.append(builder.status())
    if view == ALL:
        eligible = queries.eligible_counts(organisation.id)
        report.tables.append(builder.departments_table(people, eligible))
    report.tables += [
        builder.cohorts_table(),
        builder.attendance(),
        builder.assignments(),
        *builder.outcomes(),
        builder.dropout(),
        *builder.competencies(),
        builder.manager_tracks(),
    ]
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


def set_threshold(organisation: Organisation, value: int) -> None:
    """Set the organisation's smallest reported group (MIN_THRESHOLD..MAX_THRESHOLD)."""
    if not MIN_THRESHOLD <= value <= MAX_THRESHOLD:
        raise ReportError(
            _l("Choose a number from %(low)d to %(high)d.", low=MIN_THRESHOLD, high=MAX_THRESHOLD)
        )
    organisation.report_min_group = value
    db.session.flush()
