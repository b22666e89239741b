"""The start page: for each role the user holds, what to do next."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.action_plans.plan_data import SECTION_TITLES
from learnpath.cohorts.access import get_own_enrolment
from learnpath.cohorts.models import Cohort, EnrolmentStatus
from learnpath.cohorts.services import is_open_to
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.home import services
from learnpath.home.blueprint import bp
from learnpath.home.facilitator import facilitator_panel
from learnpath.home.hr import hr_panel
from learnpath.home.manager import manager_panel
from learnpath.home.participant import participant_panel
from learnpath.live.queries import open_evaluations
from learnpath.live.services import EVALUATION_OPEN_FOR
from learnpath.web.access import roles, signed_in
from learnpath.web.actions import run_action
from learnpath.web.clock import page_now
from learnpath.web.forms import ConfirmForm


@bp.route("/")
@signed_in
def index() -> ResponseReturnValue:
    """Show the start page with a panel per role the user holds."""
    content = get_content()
    now = page_now()
    user = current_user
    return render_template(
        "home/index.html",
        user=user,
        now=now,
        competencies=list(content.competencies.values()),
        participant=participant_panel(user, content, now)
        if user.has_role(Role.PARTICIPANT)
        else None,
        manager=manager_panel(user, now, content) if user.has_role(Role.MANAGER) else None,
        facilitator=facilitator_panel(user, content, now)
        if user.has_role(Role.FACILITATOR)
        else None,
        hr=hr_panel(user, content, now) if user.has_role(Role.HR) else None,
        evaluations=[
            (session, session.ends_at + EVALUATION_OPEN_FOR)
            for session in open_evaluations(user, now)
        ]
        if user.has_role(Role.PARTICIPANT) or user.has_role(Role.MANAGER)
        else [],
        section_titles=SECTION_TITLES,
        form=ConfirmForm(),
    )


@bp.route("/start/wachtlijst/<id:enrolment_id>/wisselen/<id:cohort_id>", methods=["POST"])
@roles(Role.PARTICIPANT)
def switch_group(enrolment_id: int, cohort_id: int) -> ResponseReturnValue:
    """Leave the waitlist for a free seat in another open group."""
    enrolment = get_own_enrolment(enrolment_id)
    target = db.get_or_404(Cohort, cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if enrolment.status != EnrolmentStatus.WAITLISTED or not is_open_to(target, current_user):
        abort(404)
    now = page_now()
    run_action(
        lambda: services.switch_group(enrolment, target, current_user, now),
        _("You have switched to %(name)s and have a place.", name=target.name),
    )
    return redirect(url_for("home.index"))
