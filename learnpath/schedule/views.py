"""Facilitators plan the sessions of their cohort, change or cancel them, and take attendance."""

from __future__ import annotations

from collections.abc import Mapping

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.cohorts.access import get_facilitated_cohort, get_managed_cohort
from learnpath.cohorts.models import Attendance, AttendanceStatus, Cohort, CohortSession
from learnpath.cohorts.presenters import local_input_value
from learnpath.cohorts.queries import sessions_of
from learnpath.cohorts.tracks import SessionPlan, Slot, track_of
from learnpath.extensions import db
from learnpath.live import queries as live_queries
from learnpath.schedule import services
from learnpath.schedule.attendance import attendance_people, prefill
from learnpath.schedule.blueprint import bp
from learnpath.schedule.forms import ScheduleForm, SessionFields, SessionForm
from learnpath.web.access import roles
from learnpath.web.actions import Work, run_action, unit_of_work
from learnpath.web.clock import page_now
from learnpath.web.forms import ConfirmForm


def _plan(cohort: Cohort) -> SessionPlan:
    return track_of(cohort).plan(cohort)


def _slots_to_plan(plan: SessionPlan, planned: int) -> list[Slot]:
    """All slots of a fixed plan, or the next one of an open-ended plan."""
    return [plan.next_slot(planned)] if plan.is_open_ended else list(plan.slots)


def _session_of(cohort: Cohort, session_id: int) -> CohortSession:
    session = db.get_or_404(CohortSession, session_id)
    if session.cohort_id != cohort.id:
        abort(404)
    return session


def _input(fields: SessionFields) -> services.SessionInput:
    return services.SessionInput(
        blueprint_slug=fields.blueprint_slug.data or "",
        day=fields.day.data,
        start=fields.start.data,
        duration_minutes=fields.duration_minutes.data,
        meeting_url=fields.meeting_url.data or "",
        notes=fields.notes.data or "",
    )


def _show_refusal(entries: Mapping[str, SessionFields], work: Work) -> None:
    """Put a refused schedule's errors on each session's fields; flash any other refusal."""
    if not isinstance(work.refusal, services.ScheduleInvalid):
        flash(work.message, "error")
        return
    for slug, field_errors in work.refusal.session_errors.items():
        fields = entries.get(slug)
        if fields is None:
            continue
        for name, message in field_errors.items():
            getattr(fields, name).errors = [message]


@bp.route("/planning", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def plan(cohort_id: int) -> ResponseReturnValue:
    """Plan the sessions (date, time, duration, link) of a new cohort, or a group's next one."""
    cohort = get_managed_cohort(cohort_id)
    existing = sessions_of(cohort)
    programme = _plan(cohort)
    if existing and not programme.is_open_ended:
        # Planned already: say so, and offer what can be done (change, or replace a cancelled one).
        return render_template("schedule/planned.html", cohort=cohort, sessions=existing)
    slots = _slots_to_plan(programme, len(existing))
    form = ScheduleForm()
    if request.method == "GET":
        for slot in slots:
            form.sessions.append_entry(
                {"blueprint_slug": slot.slug, "duration_minutes": slot.duration_minutes}
            )
    entries = {entry.form.blueprint_slug.data: entry.form for entry in form.sessions}
    expected = [slot.slug for slot in slots]
    if form.validate_on_submit():
        if list(entries) != expected:
            abort(400)
        items = [_input(entries[slug]) for slug in expected]
        with unit_of_work() as work:
            if programme.is_open_ended:
                services.add_session(cohort, programme, items[0], current_user)
            else:
                services.schedule_sessions(cohort, programme, items, current_user)
        if work.ok:
            flash(
                _("The sessions are planned. Participants with a place have been told."), "success"
            )
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
        _show_refusal(entries, work)
    blueprints = {slot.slug: slot for slot in slots}
    return render_template(
        "schedule/plan.html",
        cohort=cohort,
        form=form,
        blueprints=blueprints,
        programme=programme,
        has_assignments=track_of(cohort).has_assignments,
    )


@bp.route("/sessies/<id:session_id>", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def edit_session(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """Reschedule one session or change its link or notes."""
    cohort = get_managed_cohort(cohort_id)
    session = _session_of(cohort, session_id)
    form = SessionForm()
    zone = cohort.organisation.timezone
    if request.method == "GET":
        local = local_input_value(session.starts_at, zone)
        form.session.form.process(
            data={
                "blueprint_slug": session.blueprint_slug,
                "day": local.date(),
                "start": local.time(),
                "duration_minutes": session.duration_minutes,
                "meeting_url": session.meeting_url,
                "notes": session.notes or "",
            }
        )
    fields = form.session.form
    if form.validate_on_submit():
        fields.blueprint_slug.data = session.blueprint_slug
        with unit_of_work() as work:
            changed = services.reschedule_session(
                session, _plan(cohort), _input(fields), current_user
            )
        if work.ok:
            if changed:
                flash(_("The session has been changed. Participants have been told."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
        _show_refusal({session.blueprint_slug: fields}, work)
    return render_template(
        "schedule/edit_session.html",
        cohort=cohort,
        session=session,
        form=form,
    )


@bp.route("/sessies/<id:session_id>/vervangen", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def replace_session(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """Plan a replacement for a cancelled session (same blueprint, a new date)."""
    cohort = get_managed_cohort(cohort_id)
    session = _session_of(cohort, session_id)
    if not session.is_cancelled or cohort.is_cancelled:
        flash(_("Only a cancelled session of a cohort that goes on can be replaced."), "info")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    form = SessionForm()
    if request.method == "GET":
        form.session.form.process(
            data={
                "blueprint_slug": session.blueprint_slug,
                "duration_minutes": session.duration_minutes,
                "meeting_url": session.meeting_url,
                "notes": session.notes or "",
            }
        )
    fields = form.session.form
    if form.validate_on_submit():
        fields.blueprint_slug.data = session.blueprint_slug
        with unit_of_work() as work:
            services.replace_session(session, _plan(cohort), _input(fields), current_user)
        if work.ok:
            flash(
                _("The replacement is planned. Participants with a place have been told."),
                "success",
            )
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
        _show_refusal({session.blueprint_slug: fields}, work)
    return render_template(
        "schedule/replace_session.html", cohort=cohort, session=session, form=form
    )


@bp.route("/sessies/<id:session_id>/annuleren", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def cancel_session(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """Ask for confirmation, then cancel one session."""
    cohort = get_managed_cohort(cohort_id)
    session = _session_of(cohort, session_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.cancel_session(session, current_user),
            _("The session has been cancelled. Participants have been told."),
            "info",
        )
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template(
        "schedule/cancel_session.html", cohort=cohort, session=session, form=form
    )


@bp.route("/annuleren", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def cancel_cohort(cohort_id: int) -> ResponseReturnValue:
    """Ask for confirmation, then cancel the whole cohort."""
    cohort = get_managed_cohort(cohort_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.cancel_cohort(cohort, current_user),
            _("The cohort has been cancelled. Participants have been told."),
            "info",
        )
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("schedule/cancel_cohort.html", cohort=cohort, form=form)


@bp.route("/sessies/<id:session_id>/aanwezigheid", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def attendance(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """Confirm present / excused / absent for each enrolled participant of a session that has
    started, pre-filled from the join clicks and the "ik kan niet komen" notices."""
    cohort = get_facilitated_cohort(cohort_id)
    session = _session_of(cohort, session_id)
    started = not session.is_cancelled and session.starts_at <= page_now()
    people = attendance_people(cohort) if started else []
    form = ConfirmForm()
    if started and form.validate_on_submit():
        marks: dict[int, AttendanceStatus] = {}
        for enrolment in people:
            value = request.form.get(f"status-{enrolment.user_id}")
            if value:
                try:
                    marks[enrolment.user_id] = AttendanceStatus(value)
                except ValueError:
                    abort(400)
        if run_action(
            lambda: services.record_attendance(session, marks, current_user),
            _("Attendance saved."),
        ):
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    rows = db.session.scalars(db.select(Attendance).where(Attendance.session_id == session.id))
    confirmed = {a.user_id: a for a in rows}
    hints = live_queries.attendance_hints(session.id)
    return render_template(
        "schedule/attendance.html",
        cohort=cohort,
        session=session,
        started=started,
        people=people,
        current=prefill(
            [e.user_id for e in people],
            confirmed,
            hints,
            everyone_present=request.args.get("start") == "iedereen",
        ),
        confirmed={k for k, a in confirmed.items() if a.recorded_by_id != k},
        hints=hints,
        statuses=list(AttendanceStatus),
        form=form,
    )
