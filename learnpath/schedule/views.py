"""Facilitators plan the sessions of their cohort, change or cancel them, and take attendance."""

from __future__ import annotations

from collections.abc import Mapping

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.cohorts.forms import ConfirmForm
from learnpath.cohorts.models import Cohort
from learnpath.cohorts.presenters import local_input_value, roster
from learnpath.cohorts.services import CohortError
from learnpath.cohorts.views import managed_cohort
from learnpath.content import Programme
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.schedule import services
from learnpath.schedule.blueprint import bp
from learnpath.schedule.forms import ScheduleForm, SessionFields, SessionForm
from learnpath.schedule.models import Attendance, AttendanceStatus, CohortSession
from learnpath.web.access import roles


def _programme(cohort: Cohort) -> Programme:
    return get_content().programme(cohort.programme_slug)


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


def _show_errors(
    entries: Mapping[str, SessionFields], errors: Mapping[str, Mapping[str, str]]
) -> None:
    for slug, field_errors in errors.items():
        fields = entries.get(slug)
        if fields is None:
            continue
        for name, message in field_errors.items():
            getattr(fields, name).errors = [message]


@bp.route("/planning", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def plan(cohort_id: int) -> ResponseReturnValue:
    """Plan the programme's sessions (date, time, duration, link) for a new cohort."""
    cohort = managed_cohort(cohort_id)
    if services.sessions_of(cohort):
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    programme = _programme(cohort)
    form = ScheduleForm()
    if request.method == "GET":
        for blueprint in programme.sessions:
            form.sessions.append_entry(
                {"blueprint_slug": blueprint.slug, "duration_minutes": blueprint.duration_minutes}
            )
    entries = {entry.form.blueprint_slug.data: entry.form for entry in form.sessions}
    expected = [b.slug for b in programme.sessions]
    if form.validate_on_submit():
        if list(entries) != expected:
            abort(400)
        try:
            services.schedule_sessions(
                cohort, programme, [_input(entries[slug]) for slug in expected], current_user
            )
        except services.ScheduleInvalid as exc:
            db.session.rollback()
            _show_errors(entries, exc.errors)
        except CohortError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(
                _("The sessions are planned. Participants with a place have been told."), "success"
            )
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    blueprints = {b.slug: b for b in programme.sessions}
    return render_template(
        "schedule/plan.html", cohort=cohort, form=form, blueprints=blueprints, programme=programme
    )


@bp.route("/sessies/<int:session_id>", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def edit_session(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """Reschedule one session or change its link or notes."""
    cohort = managed_cohort(cohort_id)
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
        try:
            changed = services.reschedule_session(
                session, _programme(cohort), _input(fields), current_user
            )
        except services.ScheduleInvalid as exc:
            db.session.rollback()
            _show_errors({session.blueprint_slug: fields}, exc.errors)
        except CohortError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            if changed:
                flash(_("The session has been changed. Participants have been told."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template(
        "schedule/edit_session.html",
        cohort=cohort,
        session=session,
        form=form,
        cancel_form=ConfirmForm(),
    )


@bp.route("/sessies/<int:session_id>/annuleren", methods=["POST"])
@roles(Role.FACILITATOR)
def cancel_session(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """Cancel one session."""
    cohort = managed_cohort(cohort_id)
    session = _session_of(cohort, session_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_session(session, current_user)
    except CohortError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The session has been cancelled. Participants have been told."), "info")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/annuleren", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def cancel_cohort(cohort_id: int) -> ResponseReturnValue:
    """Ask for confirmation, then cancel the whole cohort."""
    cohort = managed_cohort(cohort_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.cancel_cohort(cohort, current_user)
        except CohortError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The cohort has been cancelled. Participants have been told."), "info")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("schedule/cancel_cohort.html", cohort=cohort, form=form)


@bp.route("/sessies/<int:session_id>/aanwezigheid", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def attendance(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """Register present / excused / absent for each participant of a session."""
    cohort = managed_cohort(cohort_id)
    session = _session_of(cohort, session_id)
    people = roster(cohort).seated
    form = ConfirmForm()
    if form.validate_on_submit():
        marks: dict[int, AttendanceStatus] = {}
        for enrolment in people:
            value = request.form.get(f"status-{enrolment.user_id}")
            if value:
                try:
                    marks[enrolment.user_id] = AttendanceStatus(value)
                except ValueError:
                    abort(400)
        try:
            services.record_attendance(session, marks, current_user)
        except CohortError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Attendance saved."), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    current = {
        a.user_id: a.status
        for a in db.session.scalars(
            db.select(Attendance).where(Attendance.session_id == session.id)
        )
    }
    return render_template(
        "schedule/attendance.html",
        cohort=cohort,
        session=session,
        people=people,
        current=current,
        statuses=list(AttendanceStatus),
        form=form,
    )
