"""Cohort pages: open cohorts and my programme (participants), cohort management
(facilitators), cohort overview without names (HR), approvals (managers)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from learnpath.accounts.models import Organisation, Role, User, UserRole
from learnpath.accounts.services import normalise_email
from learnpath.cohorts import presenters, services
from learnpath.cohorts.blueprint import bp
from learnpath.cohorts.forms import (
    DROPOUT_LABELS,
    CohortForm,
    ConfirmForm,
    InviteCsvForm,
    InviteForm,
    MoveForm,
    RemoveForm,
)
from learnpath.cohorts.models import (
    Cohort,
    CohortKind,
    CohortStatus,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    SignupMode,
    cohort_facilitators,
    cohort_organisations,
)
from learnpath.cohorts.queries import waitlist_position
from learnpath.cohorts.tracks import kinds_for_role, open_kinds_for_hr, track_of
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.schedule.services import sessions_of, to_utc
from learnpath.web.access import roles
from learnpath.web.actions import run_action

# --- helpers -------------------------------------------------------------------------------


def managed_cohort(cohort_id: int) -> Cohort:
    """The cohort if the current user facilitates it; 404 otherwise (no existence leak)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not services.can_manage(current_user, cohort):
        abort(404)
    return cohort


def _own_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.user_id != current_user.id:
        abort(404)
    return enrolment


def _cohort_enrolment(cohort: Cohort, enrolment_id: int) -> Enrolment:
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.cohort_id != cohort.id:
        abort(404)
    return enrolment


def _facilitator_choices(organisation_ids: list[int]) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == Role.FACILITATOR, User.organisation_id.in_(organisation_ids))
            .order_by(User.name)
        )
    )


def fill_cohort_choices(form: CohortForm) -> None:
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    form.open_to.choices = [SelectChoice(o.id, o.name) for o in organisations]
    facilitators = _facilitator_choices([current_user.organisation_id])
    form.facilitators.choices = [SelectChoice(u.id, u.name) for u in facilitators]


def _local_to_utc(form_field: object, value: datetime | None, zone: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    utc = to_utc(value.date(), value.time(), zone)
    if utc is None:
        form_field.errors = [_("This time does not exist on that day (clocks change).")]  # type: ignore[attr-defined]
    return utc


def cohort_data_from_form(
    form: CohortForm, kind: CohortKind = CohortKind.PROGRAMME
) -> services.CohortData | None:
    """Turn the form into CohortData; put rule violations on the form's fields."""
    zone = ZoneInfo(current_user.organisation.timezone)
    opens = _local_to_utc(form.signup_opens_at, form.signup_opens_at.data, zone)
    closes = _local_to_utc(form.signup_closes_at, form.signup_closes_at.data, zone)
    if opens is None or closes is None:
        return None
    ids_open = form.open_to.data or []
    ids_fac = form.facilitators.data or []
    data = services.CohortData(
        name=form.name.data or "",
        capacity=form.capacity.data or 0,
        signup_opens_at=opens,
        signup_closes_at=closes,
        signup_mode=SignupMode(form.signup_mode.data),
        requires_manager_approval=bool(form.requires_manager_approval.data),
        claim_window_hours=form.claim_window_hours.data,
        open_to=db.session.scalars(select(Organisation).where(Organisation.id.in_(ids_open))).all(),
        facilitators=db.session.scalars(select(User).where(User.id.in_(ids_fac))).all(),
        kind=kind,
    )
    errors = services.validate_cohort_data(data)
    for name, message in errors.items():
        getattr(form, name).errors = [message]
    return None if errors else data


# --- participants ---------------------------------------------------------------------------


@bp.route("/trajecten")
@roles(Role.PARTICIPANT)
def open_list() -> ResponseReturnValue:
    """List the cohorts open to the participant's organisation."""
    now = utcnow()
    cohorts = db.session.scalars(
        select(Cohort)
        .join(cohort_organisations)
        .where(
            cohort_organisations.c.organisation_id == current_user.organisation_id,
            Cohort.kind.in_(kinds_for_role(Role.PARTICIPANT)),
            Cohort.status == CohortStatus.ACTIVE,
            Cohort.signup_closes_at > now,
        )
        .order_by(Cohort.signup_opens_at, Cohort.name)
    ).all()
    ids = [c.id for c in cohorts]
    mine = {
        e.cohort_id: e
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.user_id == current_user.id, Enrolment.cohort_id.in_(ids)
            )
        )
    }
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


@bp.route("/trajecten/<int:cohort_id>/aanmelden", methods=["POST"])
@roles(Role.PARTICIPANT)
def sign_up(cohort_id: int) -> ResponseReturnValue:
    """Sign up (or accept an invitation): a seat if one is free, else the waitlist."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not services.is_open_to(cohort, current_user):
        abort(404)
    try:
        enrolment = services.sign_up(cohort, current_user)
    except services.CohortError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cohorts.open_list"))
    db.session.commit()
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        flash(
            _(
                "The cohort is full. You are number %(n)s on the waitlist.",
                n=waitlist_position(enrolment),
            ),
            "warning",
        )
    elif enrolment.status == EnrolmentStatus.PENDING_APPROVAL:
        flash(_("Your place is reserved until your manager approves."), "info")
    else:
        flash(_("You are signed up for %(name)s.", name=cohort.name), "success")
    return redirect(url_for("cohorts.my_programme"))


@bp.route("/mijn-traject")
@roles(Role.PARTICIPANT)
def my_programme() -> ResponseReturnValue:
    """Show the participant's programme: status, waitlist position, sessions, join links."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .where(
            Enrolment.user_id == current_user.id,
            Cohort.kind.in_(kinds_for_role(Role.PARTICIPANT)),
        )
        .options(selectinload(Enrolment.cohort))
        .order_by(Enrolment.updated_at.desc())
    ).all()
    active = next((e for e in enrolments if e.active_user_id is not None), None)
    invitations = [e for e in enrolments if e.status == EnrolmentStatus.INVITED]
    past = [e for e in enrolments if e is not active and e not in invitations]
    shown = [e.cohort_id for e in ([active] if active else []) + invitations]
    return render_template(
        "cohorts/my_programme.html",
        active=active,
        position=waitlist_position(active) if active else None,
        invitations=invitations,
        past=past,
        sessions=presenters.sessions_by_cohort(shown),
        form=ConfirmForm(),
        now=utcnow(),
    )


@bp.route("/mijn-traject/<int:enrolment_id>/afmelden", methods=["POST"])
@roles(Role.PARTICIPANT)
def withdraw(enrolment_id: int) -> ResponseReturnValue:
    """Withdraw from a cohort, its waitlist, or decline an invitation."""
    enrolment = _own_enrolment(enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(
        lambda: services.withdraw(enrolment),
        _("You have been signed out of %(name)s.", name=enrolment.cohort.name),
        "info",
    )
    return redirect(url_for("cohorts.my_programme"))


@bp.route("/mijn-traject/<int:enrolment_id>/bevestigen", methods=["POST"])
@roles(Role.PARTICIPANT)
def confirm(enrolment_id: int) -> ResponseReturnValue:
    """Confirm a seat offered after moving up from the waitlist."""
    enrolment = _own_enrolment(enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(lambda: services.confirm_offer(enrolment), _("Your place is confirmed."))
    return redirect(url_for("cohorts.my_programme"))


# --- facilitators and HR ------------------------------------------------------------------


@bp.route("/cohorten")
@roles(Role.FACILITATOR, Role.HR)
def index() -> ResponseReturnValue:
    """Facilitators: the cohorts they facilitate. HR: all cohorts of the organisation (counts)."""
    conditions = []
    if current_user.has_role(Role.FACILITATOR):
        conditions.append(
            Cohort.id.in_(
                select(cohort_facilitators.c.cohort_id).where(
                    cohort_facilitators.c.user_id == current_user.id
                )
            )
        )
    if current_user.has_role(Role.HR):
        conditions.append(
            (Cohort.organisation_id == current_user.organisation_id)
            & Cohort.kind.in_(open_kinds_for_hr())
        )
    cohorts = db.session.scalars(
        select(Cohort).where(or_(*conditions)).order_by(Cohort.signup_opens_at.desc())
    ).all()
    ids = [c.id for c in cohorts]
    managed = (
        set(
            db.session.scalars(
                select(cohort_facilitators.c.cohort_id).where(
                    cohort_facilitators.c.user_id == current_user.id,
                    cohort_facilitators.c.cohort_id.in_(ids),
                )
            )
        )
        if current_user.has_role(Role.FACILITATOR)
        else set()
    )
    return render_template(
        "cohorts/index.html",
        cohorts=cohorts,
        managed=managed,
        counts=presenters.seat_counts(ids),
        sessions=presenters.sessions_by_cohort(ids),
    )


@bp.route("/cohorten/nieuw", methods=["GET", "POST"])
@roles(Role.FACILITATOR, Role.HR)
def create() -> ResponseReturnValue:
    """Create a cohort of the participant programme."""
    form = CohortForm()
    fill_cohort_choices(form)
    if request.method == "GET":
        form.open_to.data = [current_user.organisation_id]
        if current_user.has_role(Role.FACILITATOR):
            form.facilitators.data = [current_user.id]
    if form.validate_on_submit():
        data = cohort_data_from_form(form)
        if data is not None:
            content = get_content()
            cohort = services.create_cohort(
                current_user.organisation, CAREER_PROGRAMME, content.version, data, current_user
            )
            db.session.commit()
            flash(_("Cohort %(name)s created.", name=cohort.name), "success")
            if services.can_manage(current_user, cohort):
                return redirect(url_for("schedule.plan", cohort_id=cohort.id))
            return redirect(url_for("cohorts.index"))
    return render_template("cohorts/form.html", form=form, cohort=None)


@bp.route("/cohorten/<int:cohort_id>")
@roles(Role.FACILITATOR)
def detail(cohort_id: int) -> ResponseReturnValue:
    """Show a facilitated cohort: roster, waitlist, sessions, change history."""
    cohort = managed_cohort(cohort_id)
    targets = db.session.scalars(
        select(Cohort)
        .join(cohort_facilitators)
        .where(
            cohort_facilitators.c.user_id == current_user.id,
            Cohort.id != cohort.id,
            Cohort.kind == cohort.kind,
            Cohort.status == CohortStatus.ACTIVE,
        )
        .order_by(Cohort.name)
    ).all()
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
        history=presenters.history(cohort),
        seats=services.seats_taken(cohort),
        invite_form=InviteForm(),
        csv_form=InviteCsvForm(),
        remove_form=RemoveForm(),
        move_form=move_form,
        form=ConfirmForm(),
        dropout_labels=DROPOUT_LABELS,
    )


@bp.route("/cohorten/<int:cohort_id>/instellingen", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def edit(cohort_id: int) -> ResponseReturnValue:
    """Change a cohort's name, capacity, sign-up window and options."""
    cohort = managed_cohort(cohort_id)
    zone = cohort.organisation.timezone
    form = CohortForm(obj=cohort)
    fill_cohort_choices(form)
    if request.method == "GET":
        form.signup_opens_at.data = presenters.local_input_value(cohort.signup_opens_at, zone)
        form.signup_closes_at.data = presenters.local_input_value(cohort.signup_closes_at, zone)
        form.signup_mode.data = cohort.signup_mode.value
        form.open_to.data = [o.id for o in cohort.open_to]
        form.facilitators.data = [u.id for u in cohort.facilitators]
    if form.validate_on_submit():
        data = cohort_data_from_form(form, cohort.kind)
        if data is not None:
            try:
                services.update_cohort(cohort, data, current_user)
            except services.CohortError as exc:
                db.session.rollback()
                form.capacity.errors = [str(exc)]
            else:
                db.session.commit()
                flash(_("Cohort %(name)s saved.", name=cohort.name), "success")
                if not services.can_manage(current_user, cohort):
                    return redirect(url_for("cohorts.index"))
                return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=cohort)


@bp.route("/cohorten/<int:cohort_id>/uitnodigen", methods=["POST"])
@roles(Role.FACILITATOR)
def invite(cohort_id: int) -> ResponseReturnValue:
    """Invite one participant by email address."""
    cohort = managed_cohort(cohort_id)
    form = InviteForm()
    if not form.validate_on_submit():
        flash(_("Enter a valid email address."), "error")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#uitnodigen")
    result = _invite_one(cohort, form.email.data or "")
    db.session.commit()
    flash(result[1], "success" if result[0] else "error")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#uitnodigen")


def _invite_one(cohort: Cohort, email: str) -> tuple[bool, str]:
    """Invite one address; return (accepted, message) for the report."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        return False, _("%(email)s: no account with this email address.", email=email)
    try:
        with db.session.begin_nested():
            services.invite(cohort, user, current_user)
    except services.CohortError as exc:
        return False, f"{email}: {exc}"
    return True, _("%(email)s: invited.", email=email)


@bp.route("/cohorten/<int:cohort_id>/uitnodigen-csv", methods=["POST"])
@roles(Role.FACILITATOR)
def invite_csv(cohort_id: int) -> ResponseReturnValue:
    """Invite everyone in an uploaded CSV file and report per row."""
    cohort = managed_cohort(cohort_id)
    form = InviteCsvForm()
    if not form.validate_on_submit():
        flash(" ".join(form.file.errors), "error")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#uitnodigen")
    try:
        text = form.file.data.read(512 * 1024).decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("The file is not a UTF-8 CSV file."), "error")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#uitnodigen")
    report: list[tuple[int, str, bool, str]] = []
    seen: set[str] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=_sniff(text)), start=1):
        email = normalise_email(row[0]) if row and row[0].strip() else ""
        if not email or "@" not in email:
            if number == 1 and email:  # a header row such as "email"
                continue
            if row and any(cell.strip() for cell in row):
                report.append((number, row[0], False, _("not an email address")))
            continue
        if email in seen:
            report.append((number, email, False, _("duplicate row")))
            continue
        seen.add(email)
        accepted, message = _invite_one(cohort, email)
        report.append((number, email, accepted, message))
    db.session.commit()
    return render_template("cohorts/invite_report.html", cohort=cohort, report=report)


def _sniff(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return ";" if first.count(";") > first.count(",") else ","


@bp.route(
    "/cohorten/<int:cohort_id>/inschrijvingen/<int:enrolment_id>/verwijderen", methods=["POST"]
)
@roles(Role.FACILITATOR)
def remove(cohort_id: int, enrolment_id: int) -> ResponseReturnValue:
    """Remove a participant or waitlist entry (with a drop-out reason)."""
    cohort = managed_cohort(cohort_id)
    enrolment = _cohort_enrolment(cohort, enrolment_id)
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400)
    run_action(
        lambda: services.remove(enrolment, current_user, DropoutReason(form.reason.data)),
        _("%(name)s has been removed.", name=enrolment.user.name),
        "info",
    )
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route(
    "/cohorten/<int:cohort_id>/inschrijvingen/<int:enrolment_id>/verplaatsen", methods=["POST"]
)
@roles(Role.FACILITATOR)
def move(cohort_id: int, enrolment_id: int) -> ResponseReturnValue:
    """Move a participant to another cohort the facilitator runs."""
    cohort = managed_cohort(cohort_id)
    enrolment = _cohort_enrolment(cohort, enrolment_id)
    target = managed_cohort(request.form.get("target", type=int) or 0)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(
        lambda: services.move(enrolment, target, current_user),
        _("%(name)s moved to %(cohort)s.", name=enrolment.user.name, cohort=target.name),
        "success",
    )
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/cohorten/<int:cohort_id>/wachtlijst/<int:enrolment_id>/<direction>", methods=["POST"])
@roles(Role.FACILITATOR)
def waitlist_move(cohort_id: int, enrolment_id: int, direction: str) -> ResponseReturnValue:
    """Move a waitlist entry one place up or down."""
    cohort = managed_cohort(cohort_id)
    enrolment = _cohort_enrolment(cohort, enrolment_id)
    steps = {"omhoog": -1, "omlaag": 1}
    if direction not in steps or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.move_in_waitlist(enrolment, steps[direction])
    except services.CohortError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id) + "#wachtlijst")


@bp.route("/cohorten/<int:cohort_id>/afronden", methods=["POST"])
@roles(Role.FACILITATOR)
def complete(cohort_id: int) -> ResponseReturnValue:
    """Mark the participants of a finished cohort as having completed the programme."""
    cohort = managed_cohort(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    planned = [s for s in sessions_of(cohort) if not s.is_cancelled]
    try:
        n = services.complete_cohort(
            cohort, planned[-1].starts_at if planned else None, current_user
        )
    except services.CohortError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(n)s participants have completed the programme.", n=n), "success")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


# --- managers -------------------------------------------------------------------------------


@bp.route("/goedkeuringen")
@roles(Role.MANAGER)
def approvals() -> ResponseReturnValue:
    """Sign-ups of the manager's own team members that wait for approval."""
    pending = db.session.scalars(
        select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .where(
            User.manager_id == current_user.id,
            Enrolment.status == EnrolmentStatus.PENDING_APPROVAL,
        )
        .options(selectinload(Enrolment.user), selectinload(Enrolment.cohort))
    ).all()
    return render_template("cohorts/approvals.html", pending=pending, form=ConfirmForm())


@bp.route("/goedkeuringen/<int:enrolment_id>", methods=["POST"])
@roles(Role.MANAGER)
def decide(enrolment_id: int) -> ResponseReturnValue:
    """Approve or decline one pending sign-up of a team member."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.user.manager_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    run_action(
        lambda: services.decide_approval(enrolment, current_user, approve),
        _("Approved.") if approve else _("Declined."),
        "info",
    )
    return redirect(url_for("cohorts.approvals"))
