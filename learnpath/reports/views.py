"""Report pages: the HR dashboard, the facilitator's cohort report, and CSV of every table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Network, Role
from learnpath.accounts.networks import is_coordinator
from learnpath.cohorts.access import get_managed_cohort
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.i18n import current_locale
from learnpath.ical.services import facilitated_cohorts
from learnpath.reports import evaluation, network, services
from learnpath.reports.blueprint import bp
from learnpath.reports.figures import Report, Table
from learnpath.reports.forms import ThresholdForm
from learnpath.web.access import roles, signed_in
from learnpath.web.actions import commit
from learnpath.web.spreadsheet import localised_csv_response

HR_ROLES = (Role.HR, Role.ADMIN)


@bp.route("/")
@roles(Role.FACILITATOR, Role.HR, Role.ADMIN)
def index() -> ResponseReturnValue:
    """List the reports the current user may open."""
    return render_template("reports/index.html", cohorts=facilitated_cohorts(current_user))


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _hr_report(
    only: tuple[str, ...] | None = None, may_lag: bool = False
) -> tuple[Report, services.Selection]:
    today = utcnow()
    year = _int_arg("jaar") or today.year
    if not 2000 <= year <= 2200:
        year = today.year
    return services.hr_report(
        current_user.organisation, year, _int_arg("afdeling"), get_content(), today, only, may_lag
    )


@bp.route("/organisatie")
@roles(*HR_ROLES)
def dashboard() -> ResponseReturnValue:
    """Show the organisation's programme figures for a year, optionally for one department."""
    return _render_dashboard(ThresholdForm(threshold=current_user.organisation.report_min_group))


def _render_dashboard(form: ThresholdForm) -> str:
    report, selection = _hr_report(may_lag=True)  # figures of before are marked on the page
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
    from learnpath.reports.exports import table_rows  # fpdf/openpyxl load on first use

    return localised_csv_response(table_rows(table), filename, current_locale())


# -- the evaluation report ----------------------------------------------------------------------


def _evaluation(may_lag: bool = False) -> tuple[evaluation.Evaluation | None, dict[str, str]]:
    """The evaluation for the period in the query string (or the errors of its fields);
    ``may_lag``: for the page, which marks figures of before (downloads get current ones)."""
    organisation = current_user.organisation
    today = utcnow().astimezone(ZoneInfo(organisation.timezone)).date()
    period, errors = evaluation.parse_period(
        request.args.get("van"), request.args.get("tot"), today
    )
    if period is None:
        return None, errors
    return evaluation.evaluation_report(organisation, period, get_content(), may_lag), {}


def _render_evaluation(result: evaluation.Evaluation | None, errors: dict[str, str]) -> str:
    period = result.period if result else None
    args: dict[str, Any] = (
        {"van": period.start.isoformat(), "tot": period.end.isoformat()} if period else {}
    )
    links = {
        "xlsx": url_for("reports.evaluation_xlsx", **args),
        "pdf": url_for("reports.evaluation_pdf", **args),
    }
    csv_urls = (
        {
            t.slug: url_for("reports.evaluation_csv", slug=t.slug, **args)
            for t in result.report.tables
        }
        if result
        else {}
    )
    return render_template(
        "reports/evaluation.html",
        result=result,
        errors=errors,
        values={
            "van": request.args.get("van", args.get("van", "")),
            "tot": request.args.get("tot", args.get("tot", "")),
        },
        links=links,
        csv_urls=csv_urls,
    )


def _subtitle(name: str, period: evaluation.Period) -> list[str]:
    """The lines under a period report's title in its downloads: whose, which cohorts, when."""
    return [
        name,
        _(
            "Cohorts starting from %(start)s to %(end)s",
            start=format_date(period.start, "long"),
            end=format_date(period.end, "long"),
        ),
        _("Made on %(date)s", date=format_date(utcnow(), "long")),
    ]


@bp.route("/evaluatie")
@roles(*HR_ROLES)
def evaluation_page() -> ResponseReturnValue:
    """Show the programme evaluation of the organisation for a period from–to."""
    result, errors = _evaluation(may_lag=True)
    return _render_evaluation(result, errors), 400 if errors else 200


def _evaluation_or_page() -> evaluation.Evaluation | Response:
    result, errors = _evaluation()
    if result is None:
        return Response(_render_evaluation(None, errors), status=400)
    return result


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/evaluatie.xlsx")
@roles(*HR_ROLES)
def evaluation_xlsx() -> ResponseReturnValue:
    """Download the evaluation as a workbook, one sheet per table."""
    from learnpath.reports import exports  # fpdf and openpyxl: loaded on the first download

    result = _evaluation_or_page()
    if isinstance(result, Response):
        return result
    data = exports.workbook(
        _("Programme evaluation"),
        _subtitle(result.organisation_name, result.period),
        result.report.tables,
    )
    return _download(data, XLSX, f"evaluatie-{result.period.slug}.xlsx")


@bp.route("/evaluatie.pdf")
@roles(*HR_ROLES)
def evaluation_pdf() -> ResponseReturnValue:
    """Download the whole evaluation as a PDF with its charts (for a board memo)."""
    from learnpath.reports import exports  # fpdf and openpyxl: loaded on the first download

    result = _evaluation_or_page()
    if isinstance(result, Response):
        return result
    data = exports.report_pdf(
        _("Programme evaluation"),
        _subtitle(result.organisation_name, result.period),
        result.report.tables,
    )
    return _download(data, "application/pdf", f"evaluatie-{result.period.slug}.pdf")


@bp.route("/evaluatie/<slug>.csv")
@roles(*HR_ROLES)
def evaluation_csv(slug: str) -> ResponseReturnValue:
    """Download one table of the evaluation as CSV (``;`` in Dutch, ``,`` in English)."""
    result = _evaluation_or_page()
    if isinstance(result, Response):
        return result
    return _csv(result.report, slug, f"evaluatie-{slug}-{result.period.slug}.csv")


# -- the network report (issue 23) ---------------------------------------------------------------


def _network_report() -> tuple[network.NetworkReport | None, dict[str, str]]:
    """The network report of the id in the URL for the period in the query string (or the
    errors of its fields); 404 unless the reader coordinates that network."""
    network_id = request.view_args["network_id"] if request.view_args else None
    found = db.session.get(Network, network_id) if isinstance(network_id, int) else None
    if found is None or not is_coordinator(current_user, found.id):
        abort(404)
    timezone = current_user.organisation.timezone
    today = utcnow().astimezone(ZoneInfo(timezone)).date()
    period, errors = evaluation.parse_period(
        request.args.get("van"), request.args.get("tot"), today
    )
    if period is None:
        return None, errors
    return network.network_report(found, period, timezone, get_content()), {}


def _render_network(
    network_id: int, result: network.NetworkReport | None, errors: dict[str, str]
) -> str:
    period = result.period if result else None
    args: dict[str, Any] = (
        {"van": period.start.isoformat(), "tot": period.end.isoformat()} if period else {}
    )
    links = {
        "xlsx": url_for("reports.network_xlsx", network_id=network_id, **args),
        "pdf": url_for("reports.network_pdf", network_id=network_id, **args),
    }
    csv_urls = (
        {
            t.slug: url_for("reports.network_csv", network_id=network_id, slug=t.slug, **args)
            for t in result.report.tables
        }
        if result
        else {}
    )
    return render_template(
        "reports/network.html",
        network_id=network_id,
        result=result,
        errors=errors,
        values={
            "van": request.args.get("van", args.get("van", "")),
            "tot": request.args.get("tot", args.get("tot", "")),
        },
        links=links,
        csv_urls=csv_urls,
    )


def _network_or_page(network_id: int) -> network.NetworkReport | Response:
    result, errors = _network_report()
    if result is None:
        return Response(_render_network(network_id, None, errors), status=400)
    return result


@bp.route("/netwerk/<id:network_id>")
@signed_in
def network_page(network_id: int) -> ResponseReturnValue:
    """Show a network's figures per member organisation for a period (its coordinators)."""
    result, errors = _network_report()
    return _render_network(network_id, result, errors), 400 if errors else 200


@bp.route("/netwerk/<id:network_id>.xlsx")
@signed_in
def network_xlsx(network_id: int) -> ResponseReturnValue:
    """Download the network report as a workbook, one sheet per table."""
    from learnpath.reports import exports  # fpdf and openpyxl: loaded on the first download

    return _network_download(network_id, exports.workbook, XLSX, "xlsx")


@bp.route("/netwerk/<id:network_id>.pdf")
@signed_in
def network_pdf(network_id: int) -> ResponseReturnValue:
    """Download the network report as a PDF."""
    from learnpath.reports import exports  # fpdf and openpyxl: loaded on the first download

    return _network_download(network_id, exports.report_pdf, "application/pdf", "pdf")


def _network_download(
    network_id: int,
    build: Callable[[str, Sequence[str], Sequence[Table]], bytes],
    mimetype: str,
    extension: str,
) -> ResponseReturnValue:
    result = _network_or_page(network_id)
    if isinstance(result, Response):
        return result
    subtitle = _subtitle(result.network_name, result.period)
    data = build(_("Network report"), subtitle, result.report.tables)
    return _download(data, mimetype, f"netwerk-{network_id}-{result.period.slug}.{extension}")


@bp.route("/netwerk/<id:network_id>/<slug>.csv")
@signed_in
def network_csv(network_id: int, slug: str) -> ResponseReturnValue:
    """Download one table of the network report as CSV."""
    result = _network_or_page(network_id)
    if isinstance(result, Response):
        return result
    filename = f"netwerk-{network_id}-{slug}-{result.period.slug}.csv"
    return _csv(result.report, slug, filename)
