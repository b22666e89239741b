"""The learnpath join URL (to the room in the window, an explanation otherwise), "ik kan niet
komen" (start page and the signed link of the reminder mail), the evaluation after a session and
its results for the facilitator."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role, User
from learnpath.assignments.services import assignments_of
from learnpath.cohorts.access import get_facilitated_cohort
from learnpath.cohorts.models import CohortSession
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.live import services
from learnpath.live.blueprint import bp
from learnpath.live.forms import AbsenceForm
from learnpath.live.queries import MIN_RESPONSES, evaluation_results
from learnpath.live.services import LiveError, RoomAccess
from learnpath.rooms.queries import join_url as room_url
from learnpath.web.access import public, roles, signed_in
from learnpath.web.actions import unit_of_work
from learnpath.web.clock import page_now
from learnpath.web.forms import ConfirmForm


def _session(session_id: int) -> CohortSession:
    return db.get_or_404(CohortSession, session_id)


@bp.route("/sessies/<id:session_id>/deelnemen")
@signed_in
def join(session_id: int) -> ResponseReturnValue:
    """The join URL of calendars, mails and the start page: to the room while the window is
    open (the click is recorded), facilitators at any time; otherwise say when it opens."""
    session = _session(session_id)
    now = page_now()
    decision = services.room_decision(current_user, session, now)
    if (
        decision.access == RoomAccess.NO_SEAT
        and services.member_enrolment(current_user, session) is None
    ):
        abort(404)
    if decision.access == RoomAccess.OPEN:
        with unit_of_work():
            services.record_join(session, current_user, now)
    if decision.goes_to_room:
        url = room_url(session)
        if url:
            return redirect(url)
    return render_template("live/join.html", session=session, decision=decision, now=now)


def _materials_url(session: CohortSession) -> str | None:
    if "materials.session_materials" not in current_app.view_functions:
        return None
    return url_for("materials.session_materials", session_id=session.id)


def _follow_up(session: CohortSession) -> list[object]:
    """The assignments that belong to the missed session (to catch up with)."""
    return [
        a
        for a in assignments_of(session.cohort, get_content())
        if a.after_session == session.blueprint_slug
    ]


def _cannot_come(session: CohortSession, user: User) -> ResponseReturnValue:
    form = AbsenceForm()
    now = page_now()
    refusal: str | None = None
    if form.validate_on_submit():
        with unit_of_work() as work:
            services.say_cannot_come(session, user, form.chosen_reason(), now)
        if work.ok:
            return render_template(
                "live/absence_done.html",
                session=session,
                materials_url=_materials_url(session),
                follow_up=_follow_up(session),
            )
        refusal = work.message
    else:
        try:
            services.check_may_send_absence(session, user, now)
        except LiveError as exc:
            refusal = str(exc)
    return render_template(
        "live/cannot_come.html", session=session, form=form, refusal=refusal, person=user
    )


@bp.route("/sessies/<id:session_id>/afmelden", methods=["GET", "POST"])
@signed_in
def cannot_come(session_id: int) -> ResponseReturnValue:
    """ "Ik kan niet komen" from the start page, until the session starts."""
    session = _session(session_id)
    if services.member_enrolment(current_user, session) is None:
        abort(404)
    return _cannot_come(session, current_user)


@bp.route("/sessies/<id:session_id>/afmelden/<token>", methods=["GET", "POST"])
@public
def cannot_come_link(session_id: int, token: str) -> ResponseReturnValue:
    """The signed link of the reminder mail: only for its person and session, works once."""
    pair = services.read_absence_token(token)
    if pair is None or pair[0] != session_id:
        abort(404)
    user = db.session.get(User, pair[1])
    if user is None or not user.is_active_account:
        abort(404)
    if current_user.is_authenticated and current_user.id != user.id:
        abort(404)
    session = _session(session_id)
    return _cannot_come(session, user)


@bp.route("/sessies/<id:session_id>/evaluatie", methods=["GET", "POST"])
@signed_in
def evaluate(session_id: int) -> ResponseReturnValue:
    """The short, anonymous evaluation after a session, open for 7 days to those who attended."""
    session = _session(session_id)
    if services.member_enrolment(current_user, session) is None:
        abort(404)
    content = get_content()
    now = page_now()
    items = services.evaluation_items(session, content)
    form = ConfirmForm()
    errors: dict[str, str] = {}
    try:
        services.check_may_evaluate(session, current_user, content, now)
    except LiveError as exc:
        return render_template("live/evaluation_closed.html", session=session, message=str(exc))
    if form.validate_on_submit():
        with unit_of_work() as work:
            services.submit_evaluation(session, current_user, request.form, content, now)
        if work.ok:
            flash(_("Thank you. Your answers are stored without your name."), "success")
            return redirect(url_for("home.index"))
        errors = work.errors
        if not errors:
            return render_template(
                "live/evaluation_closed.html", session=session, message=work.message
            )
        flash(work.message, "error")
    return render_template(
        "live/evaluate.html",
        session=session,
        items=items,
        form=form,
        errors=errors,
        values=request.form,
    )


@bp.route("/cohorten/<id:cohort_id>/sessies/<id:session_id>/evaluatie")
@roles(Role.FACILITATOR)
def results(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """The evaluation results of a session, from 5 responses, with the open answers."""
    cohort = get_facilitated_cohort(cohort_id)
    session = _session(session_id)
    if session.cohort_id != cohort.id:
        abort(404)
    result = evaluation_results([session.id], include_open=True)[session.id]
    return render_template(
        "live/results.html",
        cohort=cohort,
        session=session,
        result=result,
        minimum=MIN_RESPONSES,
    )
