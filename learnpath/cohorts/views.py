"""Cohort pages: open cohorts and my programme (participants), cohort management
(facilitators), cohort overview without names (HR), approvals (managers)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from learnpath.accounts.models import Role
from learnpath.accounts.services import normalise_email
from learnpath.cohorts import invitations, presenters, queries, quotas, roster, services
from learnpath.cohorts import invite_csv as invite_csv_file
from learnpath.cohorts.access import (
    get_cohort_enrolment,
    get_facilitated_cohort,
    get_managed_cohort,
    get_own_enrolment,
    get_team_enrolment,
)
from learnpath.cohorts.blueprint import bp
from learnpath.cohorts.forms import (
    InviteCsvForm,
    InviteForm,
    MoveForm,
    RemoveForm,
)
from learnpath.cohorts.models import (
    DropoutReason,
    EnrolmentStatus,
    SignupMode,
)
from learnpath.cohorts.queries import sessions_of, waitlist_position
from learnpath.cohorts.settings_form import CohortForm, cohort_data_from_form, fill_cohort_choices
from learnpath.cohorts.tracks import track_of
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.reports import services as report_services
from learnpath.web.access import roles
from learnpath.web.actions import commit, run_action, show_on_form, unit_of_work
from learnpath.web.forms import ConfirmForm
from learnpath.web.inputs import parse_id

# --- participants ---------------------------------------------------------------------------


@bp.route("/trajecten")
@roles(Role.PARTICIPANT)
def open_list() -> ResponseReturnValue:
    """List the cohorts open to the participant's organisation."""
    now = utcnow()
    cohorts = queries.open_cohorts(current_user, now)
    ids = [c.id for c in cohorts]
    mine = queries.enrolments_in(current_user, ids)
    visible = [c for c in cohorts if c.signup_mode == SignupMode.OPEN or c.id in mine]
    return render_template(
        "cohorts/open_list.html",
        cohorts=visible,
        active=services.active_enrolment(current_user),
        mine=mine,
        counts=presenters.seat_counts(ids),
        sessions=presenters.sessions_by_cohort(ids),
        now=now,
        form=ConfirmForm(),
    )


@bp.route("/trajecten/<id:cohort_id>/aanmelden", methods=["POST"])
@roles(Role.PARTICIPANT)
def sign_up(cohort_id: int) -> ResponseReturnValue:
    """Sign up (or accept an invitation): a seat if one is free, else the waitlist."""
    cohort = queries.cohort_with_open_to(cohort_id) or abort(404)
    # The form is a bare button: its CSRF token was checked by CSRFProtect before the view
    # ran (a bad one is answered 400 there). No ConfirmForm here: building one signs a new
    # token that nothing uses, which a sign-up rush pays for in CPU.
    if not services.is_open_to(cohort, current_user):
        abort(404)
    # The cohort was read again under its lock and the user at the start of the request:
    # both stay loaded over the commit, which a sign-up rush would otherwise pay for in reads.
    with unit_of_work(keep_loaded=True) as work:
        decided = services.place(cohort, current_user, commit=True)
    if not work.ok:
        flash(work.message, "error")
        return redirect(url_for("cohorts.open_list"))
    # The place is committed (and the cohort's lock released); the mail and calendar
    # invitations follow in a unit of work of their own. The message is worded before that
    # commit, while the rows are loaded (after it they would be read again).
    with unit_of_work():
        enrolment = decided.enrolment  # loaded by the INSERT (RETURNING)
        position = waitlist_position(enrolment)  # read once: the mail and the message say it
        services.notify(decided, position=position)
        if enrolment.status == EnrolmentStatus.WAITLISTED and quotas.waiting_for_quota(
            enrolment, utcnow()
        ):
            message, category = (
                _(
                    "The places for your organisation are full; you are number %(n)s on the "
                    "waitlist.",
                    n=position,
                ),
                "warning",
            )
        elif enrolment.status == EnrolmentStatus.WAITLISTED:
            message, category = (
                _(
                    "The cohort is full. You are number %(n)s on the waitlist.",
                    n=position,
                ),
                "warning",
            )
        elif enrolment.status == EnrolmentStatus.PENDING_APPROVAL:
            message, category = _("Your place is reserved until your manager approves."), "info"
        else:
            message, category = _("You are signed up for %(name)s.", name=cohort.name), "success"
    flash(message, category)
    return redirect(url_for("cohorts.my_programme"))


@bp.route("/mijn-traject")
@roles(Role.PARTICIPANT)
def my_programme() -> ResponseReturnValue:
    """Show the participant's programme: status, waitlist position, sessions, join links."""
    enrolments = queries.participant_enrolments(current_user)
    active = next((e for e in enrolments if e.active_user_id is not None), None)
    invitations = [e for e in enrolments if e.status == EnrolmentStatus.INVITED]
    past = [e for e in enrolments if e is not active and e not in invitations]
    shown = [e.cohort_id for e in ([active] if active else []) + invitations]
    return render_template(
        "cohorts/my_programme.html",
        active=active,
        position=waitlist_position(active) if active else None,
        for_quota=active is not None and quotas.waiting_for_quota(active, utcnow()),
        invitations=invitations,
        past=past,
        sessions=presenters.sessions_by_cohort(shown),
        form=ConfirmForm(),
        now=utcnow(),
    )


@bp.route("/mijn-traject/<id:enrolment_id>/afmelden", methods=["POST"])
@roles(Role.PARTICIPANT)
def withdraw(enrolment_id: int) -> ResponseReturnValue:
    """Withdraw from a cohort, its waitlist, or decline an invitation."""
    enrolment = get_own_enrolment(enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(
        lambda: services.withdraw(enrolment),
        _("You have been signed out of %(name)s.", name=enrolment.cohort.name),
        "info",
    )
    return redirect(url_for("cohorts.my_programme"))


@bp.route("/mijn-traject/<id:enrolment_id>/bevestigen", methods=["POST"])
@roles(Role.PARTICIPANT)
def confirm(enrolment_id: int) -> ResponseReturnValue:
    """Confirm a seat offered after moving up from the waitlist."""
    enrolment = get_own_enrolment(enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(lambda: services.confirm_offer(enrolment), _("Your place is confirmed."))
    return redirect(url_for("cohorts.my_programme"))


# --- facilitators and HR ------------------------------------------------------------------


@bp.route("/cohorten")
@roles(Role.FACILITATOR, Role.HR)
def index() -> ResponseReturnValue:
    """Facilitators: the cohorts they facilitate. HR: all cohorts of the organisation (counts)."""
    cohorts = queries.overview_cohorts(current_user)
    ids = [c.id for c in cohorts]
    managed = (
        queries.facilitated_ids(current_user, ids)
        if current_user.has_role(Role.FACILITATOR)
        else set()
    )
    counts: Mapping[int, tuple[object, object]] = presenters.seat_counts(ids)
    if current_user.has_role(Role.HR):
        # HR sees counts only, protected like the reports (issue 16.7)
        counts = report_services.cohort_overview(
            current_user.organisation, cohorts, managed, get_content()
        )
    return render_template(
        "cohorts/index.html",
        cohorts=cohorts,
        managed=managed,
        counts=counts,
        sessions=presenters.sessions_by_cohort(ids),
    )


@bp.route("/cohorten/nieuw", methods=["GET", "POST"])
@roles(Role.FACILITATOR, Role.HR)
def create() -> ResponseReturnValue:
    """Create a cohort of the participant programme."""
    form = CohortForm()
    fill_cohort_choices(form, current_user)
    if request.method == "GET":
        form.open_to.data = [current_user.organisation_id]
        if current_user.has_role(Role.FACILITATOR):
            form.facilitators.data = [current_user.id]
    if form.validate_on_submit():
        data = cohort_data_from_form(form, current_user)
        if data is not None:
            content = get_content()
            cohort = services.create_cohort(
                current_user.organisation, CAREER_PROGRAMME, content.version, data, current_user
            )
            commit()
            flash(_("Cohort %(name)s created.", name=cohort.name), "success")
            _warn_if_window_is_past(form)
            if services.can_manage(current_user, cohort):
                return redirect(url_for("schedule.plan", cohort_id=cohort.id))
            return redirect(url_for("cohorts.index"))
    return render_template("cohorts/form.html", form=form, cohort=None)


def _warn_if_window_is_past(form: CohortForm) -> None:
    if form.window_is_past:
        flash(
            _(
                "The sign-up window lies entirely in the past: nobody can sign up. Choose a "
                "closing moment in the future if people should still sign up."
            ),
            "warning",
        )


@bp.route("/cohorten/<id:cohort_id>")
@roles(Role.FACILITATOR)
def detail(cohort_id: int) -> ResponseReturnValue:
    """Show a facilitated cohort: roster, waitlist, sessions, change history."""
    cohort = get_managed_cohort(cohort_id)
    targets = queries.move_targets(cohort, current_user)
    move_form = MoveForm()
    move_form.target.choices = [SelectChoice(c.id, c.name) for c in targets]
    sessions = sessions_of(cohort)
    planned = [s for s in sessions if not s.is_cancelled]
    roster = presenters.roster(cohort)
    can_complete = bool(
        planned
        and planned[-1].starts_at <= utcnow()
        and any(e.status == EnrolmentStatus.ENROLLED for e in roster.seated)
    )
    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        track=track_of(cohort),
        plans_one_by_one=track_of(cohort).plan(cohort).is_open_ended,
        roster=roster,
        sessions=sessions,
        can_complete=can_complete,
        history=presenters.history(cohort, sessions),
        account_invitations=invitations.open_invitations(cohort),
        seats=len(roster.seated),  # the seat statuses, as services.seats_taken counts them
        quota_rows=quotas.overview(cohort),
        facilitates=services.facilitates(current_user, cohort),
        invite_form=InviteForm(),
        csv_form=InviteCsvForm(),
        move_form=move_form,
        form=ConfirmForm(),
    )


@bp.route("/cohorten/<id:cohort_id>/instellingen", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def edit(cohort_id: int) -> ResponseReturnValue:
    """Change a cohort's name, capacity, sign-up window and options."""
    cohort = get_managed_cohort(cohort_id)
    zone = cohort.organisation.timezone
    form = CohortForm(obj=cohort)
    fill_cohort_choices(form, current_user)
    if request.method == "GET":
        form.signup_opens_at.data = presenters.local_input_value(cohort.signup_opens_at, zone)
        form.signup_closes_at.data = presenters.local_input_value(cohort.signup_closes_at, zone)
        form.signup_mode.data = cohort.signup_mode.value
        form.open_to.data = [o.id for o in cohort.open_to]
        form.facilitators.data = [u.id for u in cohort.facilitators]
    if form.validate_on_submit():
        data = cohort_data_from_form(form, current_user, cohort.kind)
        if data is not None:
            with unit_of_work() as work:
                services.update_cohort(cohort, data, current_user)
            if work.ok:
                flash(_("Cohort %(name)s saved.", name=cohort.name), "success")
                _warn_if_window_is_past(form)
                if not services.can_manage(current_user, cohort):
                    return redirect(url_for("cohorts.index"))
                return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
            show_on_form(form, work, field="capacity")
    return render_template("cohorts/form.html", form=form, cohort=cohort)


@bp.route("/cohorten/<id:cohort_id>/uitnodigen", methods=["POST"])
@roles(Role.FACILITATOR)
def invite(cohort_id: int) -> ResponseReturnValue:
    """Invite one participant by email address."""
    cohort = get_managed_cohort(cohort_id)
    form = InviteForm()
    if not form.validate_on_submit():
        flash(_("Enter a valid email address."), "error")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#uitnodigen")
    email = form.email.data or ""
    address = normalise_email(email)
    found = invitations.lookup(cohort, queries.users_by_email([address]), [address])
    result = invitations.invite_address(found, address, "", current_user, shown=email)
    commit()
    flash(result.message, "success" if result.accepted else "error")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#uitnodigen")


@bp.route("/cohorten/<id:cohort_id>/uitnodigen-csv", methods=["POST"])
@roles(Role.FACILITATOR)
def invite_csv(cohort_id: int) -> ResponseReturnValue:
    """Invite everyone in an uploaded CSV file and report per row."""
    cohort = get_managed_cohort(cohort_id)
    form = InviteCsvForm()
    if not form.validate_on_submit():
        flash(" ".join(str(error) for error in form.file.errors), "error")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#uitnodigen")
    try:
        lines = invite_csv_file.parse(form.file.data.read(invite_csv_file.MAX_BYTES))
    except invite_csv_file.NotReadable:
        flash(_("The file is not a UTF-8 CSV file."), "error")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#uitnodigen")
    addresses = [line.email for line in lines if line.problem is None]
    found = invitations.lookup(cohort, queries.users_by_email(addresses), addresses)
    problems = {
        invite_csv_file.Problem.NOT_AN_EMAIL: _("not an email address"),
        invite_csv_file.Problem.DUPLICATE: _("duplicate row"),
    }
    report: list[tuple[int, str, bool, str]] = []
    for line in lines:
        if line.problem is not None:
            report.append((line.number, line.email, False, problems[line.problem]))
            continue
        result = invitations.invite_address(found, line.email, line.department, current_user)
        report.append((line.number, line.email, result.accepted, result.message))
    commit()
    return render_template("cohorts/invite_report.html", cohort=cohort, report=report)


@bp.route(
    "/cohorten/<id:cohort_id>/inschrijvingen/<id:enrolment_id>/verwijderen",
    methods=["GET", "POST"],
)
@roles(Role.FACILITATOR)
def remove(cohort_id: int, enrolment_id: int) -> ResponseReturnValue:
    """Ask for a reason and confirmation, then remove a participant or waitlist entry."""
    cohort = get_managed_cohort(cohort_id)
    enrolment = get_cohort_enrolment(cohort, enrolment_id)
    form = RemoveForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.remove(enrolment, current_user, DropoutReason(form.reason.data)),
            _("%(name)s has been removed.", name=enrolment.user.name),
            "info",
        )
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/remove.html", cohort=cohort, enrolment=enrolment, form=form)


@bp.route("/cohorten/<id:cohort_id>/inschrijvingen/<id:enrolment_id>/verplaatsen", methods=["POST"])
@roles(Role.FACILITATOR)
def move(cohort_id: int, enrolment_id: int) -> ResponseReturnValue:
    """Move a participant to another cohort the facilitator runs."""
    cohort = get_managed_cohort(cohort_id)
    enrolment = get_cohort_enrolment(cohort, enrolment_id)
    target = get_managed_cohort(request.form.get("target", type=parse_id) or 0)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(
        lambda: services.move(enrolment, target, current_user),
        _("%(name)s moved to %(cohort)s.", name=enrolment.user.name, cohort=target.name),
        "success",
    )
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/cohorten/<id:cohort_id>/wachtlijst/<id:enrolment_id>/<direction>", methods=["POST"])
@roles(Role.FACILITATOR)
def waitlist_move(cohort_id: int, enrolment_id: int, direction: str) -> ResponseReturnValue:
    """Move a waitlist entry one place up or down."""
    cohort = get_managed_cohort(cohort_id)
    enrolment = get_cohort_enrolment(cohort, enrolment_id)
    steps = {"omhoog": -1, "omlaag": 1}
    if direction not in steps or not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(lambda: services.move_in_waitlist(enrolment, steps[direction]), None)
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#wachtlijst")


@bp.route("/cohorten/<id:cohort_id>/afronden", methods=["POST"])
@roles(Role.FACILITATOR)
def complete(cohort_id: int) -> ResponseReturnValue:
    """Mark the participants of a finished cohort as having completed the programme."""
    cohort = get_managed_cohort(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    planned = [s for s in sessions_of(cohort) if not s.is_cancelled]
    with unit_of_work() as work:
        n = services.complete_cohort(
            cohort, planned[-1].starts_at if planned else None, current_user
        )
    if work.ok:
        flash(_("%(n)s participants have completed the programme.", n=n), "success")
    else:
        flash(work.message, "error")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


# --- roster and attendance export (facilitators) -------------------------------------------


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/cohorten/<id:cohort_id>/deelnemerslijst.<fmt>")
@roles(Role.FACILITATOR)
def roster_export(cohort_id: int, fmt: str) -> ResponseReturnValue:
    """The roster with attendance and hand-ins as XLSX or as CSV for Dutch Excel."""
    cohort = get_facilitated_cohort(cohort_id)
    if fmt not in ("xlsx", "csv"):
        abort(404)
    table = roster.roster_table(cohort, get_content(), utcnow())
    name = f"deelnemerslijst-{cohort.id}.{fmt}"
    if fmt == "csv":
        return _download(roster.csv_bytes(table), "text/csv; charset=utf-8", name)
    return _download(roster.xlsx_bytes(table, cohort.name), roster.XLSX_MIMETYPE, name)


@bp.route("/cohorten/<id:cohort_id>/presentielijst.pdf")
@roles(Role.FACILITATOR)
def attendance_sheet(cohort_id: int) -> ResponseReturnValue:
    """A printable attendance list (PDF) of the people with a place."""
    cohort = get_facilitated_cohort(cohort_id)
    table = roster.roster_table(cohort, get_content(), utcnow())
    pdf = roster.attendance_sheet_pdf(cohort, table, utcnow())
    return _download(pdf, "application/pdf", f"presentielijst-{cohort.id}.pdf")


# --- managers -------------------------------------------------------------------------------


@bp.route("/goedkeuringen")
@roles(Role.MANAGER)
def approvals() -> ResponseReturnValue:
    """Sign-ups of the manager's own team members that wait for approval."""
    pending = queries.pending_approvals(current_user)
    return render_template("cohorts/approvals.html", pending=pending, form=ConfirmForm())


@bp.route("/goedkeuringen/<id:enrolment_id>", methods=["POST"])
@roles(Role.MANAGER)
def decide(enrolment_id: int) -> ResponseReturnValue:
    """Approve or decline one pending sign-up of a team member."""
    enrolment = get_team_enrolment(enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    run_action(
        lambda: services.decide_approval(enrolment, current_user, approve),
        _("Approved.") if approve else _("Declined."),
        "info",
    )
    return redirect(url_for("cohorts.approvals"))
