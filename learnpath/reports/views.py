"""Report pages: the HR dashboard, the facilitator's cohort report, and CSV of every table."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.cohorts.access import get_managed_cohort
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.ical.services import facilitated_cohorts
from learnpath.reports import services
from learnpath.reports.blueprint import bp
from learnpath.reports.figures import Report, Table
from learnpath.reports.forms import ThresholdForm
from learnpath.web.access import roles
from learnpath.web.actions import commit
from learnpath.web.spreadsheet import csv_response

HR_ROLES = (Role.HR, Role.ADMIN)


@bp.route("/")
@roles(Role.FACILITATOR, Role.HR, Role.ADMIN)
def index() -> ResponseReturnValue:
    """List the reports the current user may open."""
    return render_template("reports/index.html", cohorts=facilitated_cohorts(current_user))


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _hr_report(only: tuple[str, ...] | None = None) -> tuple[Report, services.Selection]:
    today = utcnow()
    year = _int_arg("jaar") or today.year
    if not 2000 <= year <= 2200:
        year = today.year
    return services.hr_report(
        current_user.organisation, year, _int_arg("afdeling"), get_content(), today, only
    )


@bp.route("/organisatie")
@roles(*HR_ROLES)
def dashboard() -> ResponseReturnValue:
    """Show the organisation's programme figures for a year, optionally for one department."""
    return _render_dashboard(ThresholdForm(threshold=current_user.organisation.report_min_group))


def _render_dashboard(form: ThresholdForm) -> str:
    report, selection = _hr_report()
    csv_urls = {
        t.slug: url_for(
            "reports.dashboard_csv",
            slug=t.slug,
            jaar=selection.year,
            afdeling=selection.department_id or "",
        )
        for t in report.tables
    }
    return render_template(
        "reports/dashboard.html", report=report, selection=selection, form=form, csv_urls=csv_urls
    )


@bp.route("/organisatie/drempel", methods=["POST"])
@roles(*HR_ROLES)
def threshold() -> ResponseReturnValue:
    """Set the smallest group the organisation's reports show."""
    form = ThresholdForm()
    if not form.validate_on_submit():
        return _render_dashboard(form), 400
    services.set_threshold(current_user.organisation, form.threshold.data or 0)
    commit()
    flash(_("Reports now show groups of %(n)d people or more.", n=form.threshold.data), "success")
    return redirect(url_for("reports.dashboard"))


@bp.route("/organisatie/<slug>.csv")
@roles(*HR_ROLES)
def dashboard_csv(slug: str) -> ResponseReturnValue:
    """Download one table of the HR dashboard (same selection, same suppression) as CSV; only
    that table is built."""
    report, selection = _hr_report(only=(slug,))
    suffix = f"{selection.year}" + (
        f"-afdeling-{selection.department_id}" if selection.department_id else ""
    )
    return _csv(report, slug, f"{slug}-{suffix}.csv")


@bp.route("/groepen/<id:cohort_id>")
@roles(Role.FACILITATOR)
def cohort(cohort_id: int) -> ResponseReturnValue:
    """Show the figures of one of the facilitator's own cohorts."""
    group = get_managed_cohort(cohort_id)
    report = services.cohort_report(group, get_content())
    csv_urls = {
        t.slug: url_for("reports.cohort_csv", cohort_id=group.id, slug=t.slug)
        for t in report.tables
    }
    return render_template("reports/cohort.html", cohort=group, report=report, csv_urls=csv_urls)


@bp.route("/groepen/<id:cohort_id>/<slug>.csv")
@roles(Role.FACILITATOR)
def cohort_csv(cohort_id: int, slug: str) -> ResponseReturnValue:
    """Download one table of a cohort report as CSV."""
    group = get_managed_cohort(cohort_id)
    return _csv(services.cohort_report(group, get_content()), slug, f"{slug}-groep-{group.id}.csv")


def _csv(report: Report, slug: str, filename: str) -> Response:
    table = report.table(slug)
    if table is None:
        abort(404)
    return csv_response(table_rows(table), filename)


def table_rows(table: Table) -> list[list[str]]:
    """Return a table's CSV rows: headers, rows and the total row, with the same markers."""
    rows = [list(table.headers)]
    for row in (*table.rows, *([table.total] if table.total else [])):
        rows.append([row.label, *(cell.raw for cell in row.cells)])
    return rows
