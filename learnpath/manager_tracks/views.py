"""Manager track pages: groups for HR and facilitators (counts only for HR), the manager's own
tracks and meetings, and the intervision meeting page (members only)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from learnpath.accounts.models import Role, User, UserRole
from learnpath.accounts.names import NameRule
from learnpath.assignments import queries as assignment_queries
from learnpath.assignments import services as assignment_services
from learnpath.assignments.queries import TimelineAssignment
from learnpath.cohorts import presenters
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import (
    Cohort,
    CohortKind,
    CohortSession,
    CohortStatus,
    Enrolment,
    SignupMode,
    cohort_facilitators,
    cohort_organisations,
)
from learnpath.cohorts.queries import waitlist_position
from learnpath.cohorts.settings_form import cohort_data_from_form, fill_cohort_choices
from learnpath.cohorts.tracks import track_of
from learnpath.content.schema import IntervisionRole, Material, WorkshopSeries
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.i18n import current_locale
from learnpath.manager_tracks import services
from learnpath.manager_tracks.agenda import agenda
from learnpath.manager_tracks.blueprint import bp
from learnpath.manager_tracks.forms import (
    ROLE_LABELS,
    CaseForm,
    GroupForm,
    MethodForm,
    NotesForm,
    RolesForm,
    WaiveForm,
)
from learnpath.manager_tracks.models import IntervisionMeeting
from learnpath.manager_tracks.services import MAX_TEXT
from learnpath.web.access import roles
from learnpath.web.actions import commit, run_action
from learnpath.web.forms import ConfirmForm
from learnpath.web.markdown import render_markdown

# --- HR and facilitators -------------------------------------------------------------------


@bp.route("/groepen")
@roles(Role.FACILITATOR, Role.HR)
def index() -> ResponseReturnValue:
    """The organisation's manager track groups with member and attendance counts only."""
    groups = services.counts_for_hr(current_user.organisation)
    managed = set(
        db.session.scalars(
            select(cohort_facilitators.c.cohort_id).where(
                cohort_facilitators.c.user_id == current_user.id
            )
        )
    )
    return render_template("manager_tracks/index.html", groups=groups, managed=managed)


def _fill_group_choices(form: GroupForm) -> None:
    fill_cohort_choices(form, current_user)
    locale = current_locale()
    form.series.choices = [
        SelectChoice(s.slug, s.name.get(locale)) for s in get_content().workshop_series.values()
    ]
    managers = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(
            UserRole.role == Role.MANAGER,
            User.organisation_id == current_user.organisation_id,
            User.is_active_account.is_(True),
        )
        .order_by(User.name)
    ).all()
    form.members.choices = [SelectChoice(u.id, u.name) for u in managers]


def _members(form: GroupForm) -> list[User]:
    ids = form.members.data or []
    return list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []


@bp.route("/groepen/nieuw", methods=["GET", "POST"])
@roles(Role.FACILITATOR, Role.HR)
def create() -> ResponseReturnValue:
    """Create a workshop or intervision group for managers and invite its first members."""
    form = GroupForm()
    _fill_group_choices(form)
    if request.method == "GET":
        form.open_to.data = [current_user.organisation_id]
        form.capacity.data = 6
        if current_user.has_role(Role.FACILITATOR):
            form.facilitators.data = [current_user.id]
    if form.validate_on_submit():
        kind = CohortKind(form.kind.data)
        data = cohort_data_from_form(form, current_user, kind)
        members = _members(form)
        if data is not None:
            errors = services.validate_group(data, form.series.data or "", members)
            for name, message in errors.items():
                getattr(form, name).errors = [message]
            if not errors:
                cohort = services.create_group(
                    current_user.organisation, data, form.series.data or "", members, current_user
                )
                commit()
                flash(_("Group %(name)s created.", name=cohort.name), "success")
                warning = services.capacity_warning(kind, cohort.capacity)
                if warning:
                    flash(warning, "warning")
                if cohorts.can_manage(current_user, cohort):
                    return redirect(url_for("schedule.plan", cohort_id=cohort.id))
                return redirect(url_for("manager_tracks.index"))
    return render_template("manager_tracks/form.html", form=form)


# --- managers --------------------------------------------------------------------------------


def _open_groups(enrolled_ids: set[int]) -> list[Cohort]:
    """Manager track groups the manager can sign up for now."""
    now = utcnow()
    return [
        c
        for c in db.session.scalars(
            select(Cohort)
            .join(cohort_organisations)
            .where(
                cohort_organisations.c.organisation_id == current_user.organisation_id,
                Cohort.kind.in_(services.MANAGER_KINDS),
                Cohort.status == CohortStatus.ACTIVE,
                Cohort.signup_mode == SignupMode.OPEN,
                Cohort.signup_opens_at <= now,
                Cohort.signup_closes_at > now,
            )
            .order_by(Cohort.name)
        )
        if c.id not in enrolled_ids
    ]


def _next_meeting_roles(
    enrolments: list[Enrolment], sessions: dict[int, list[CohortSession]]
) -> list[tuple[CohortSession, list[str]]]:
    """For each intervision group: the next meeting and the roles the manager has in it."""
    now = utcnow()
    upcoming = [
        next((s for s in sessions[e.cohort_id] if s.starts_at > now and not s.is_cancelled), None)
        for e in enrolments
        if e.cohort.kind == CohortKind.INTERVISION and services.is_member(current_user, e.cohort)
    ]
    result = []
    for session in (s for s in upcoming if s is not None):
        meeting = services.meeting_for(session)
        mine = [role for role, user_id in meeting.role_map.items() if user_id == current_user.id]
        result.append((session, mine))
    return result


@bp.route("/mijn-groepen")
@roles(Role.MANAGER)
def mine() -> ResponseReturnValue:
    """The manager's tracks, meetings and roles in the next intervision, and open groups."""
    enrolments = services.my_enrolments(current_user)
    sessions = presenters.sessions_by_cohort([e.cohort_id for e in enrolments])
    next_roles = _next_meeting_roles(enrolments, sessions)
    commit()  # meetings proposed on first view
    return render_template(
        "manager_tracks/mine.html",
        enrolments=enrolments,
        positions={e.id: waitlist_position(e) for e in enrolments},
        sessions=sessions,
        next_roles=next_roles,
        open_groups=_open_groups({e.cohort_id for e in enrolments}),
        with_reflections={
            e.cohort_id
            for e in enrolments
            if e.status in assignment_services.WORKSPACE_STATUSES
            and track_of(e.cohort).has_assignments
        },
        form=ConfirmForm(),
        now=utcnow(),
    )


@bp.route("/groepen/<id:cohort_id>/aanmelden", methods=["POST"])
@roles(Role.MANAGER)
def sign_up(cohort_id: int) -> ResponseReturnValue:
    """Sign up for a group (or accept an invitation): a seat, or the waitlist."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if cohort.kind not in services.MANAGER_KINDS or not cohorts.is_open_to(cohort, current_user):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(
        lambda: cohorts.sign_up(cohort, current_user),
        _("You are signed up for %(name)s.", name=cohort.name),
    )
    return redirect(url_for("manager_tracks.mine"))


def _own_membership(cohort_id: int) -> Enrolment:
    cohort = db.get_or_404(Cohort, cohort_id)
    enrolment = services.membership(current_user, cohort)
    if enrolment is None:
        abort(404)
    return enrolment


@bp.route("/groepen/<id:cohort_id>/bevestigen", methods=["POST"])
@roles(Role.MANAGER)
def confirm(cohort_id: int) -> ResponseReturnValue:
    """Confirm a place offered after moving up from the waitlist (claim window)."""
    enrolment = _own_membership(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(lambda: cohorts.confirm_offer(enrolment), _("Your place is confirmed."))
    return redirect(url_for("manager_tracks.mine"))


@bp.route("/groepen/<id:cohort_id>/afmelden", methods=["GET", "POST"])
@roles(Role.MANAGER)
def withdraw(cohort_id: int) -> ResponseReturnValue:
    """Ask for confirmation, then leave a group, its waitlist, or decline an invitation."""
    enrolment = _own_membership(cohort_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        run_action(
            lambda: cohorts.withdraw(enrolment),
            _("You have been signed out of %(name)s.", name=enrolment.cohort.name),
        )
        return redirect(url_for("manager_tracks.mine"))
    return render_template("manager_tracks/withdraw.html", enrolment=enrolment, form=form)


def _member_cohort(cohort_id: int) -> Cohort:
    """The group if the current manager is a member; 404 otherwise (no existence leak)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not services.is_member(current_user, cohort):
        abort(404)
    return cohort


@bp.route("/groepen/<id:cohort_id>")
@roles(Role.MANAGER)
def group(cohort_id: int) -> ResponseReturnValue:
    """A member's view of the group: meetings (with materials for workshops) and members."""
    cohort = _member_cohort(cohort_id)
    plan = track_of(cohort).plan(cohort)
    return render_template(
        "manager_tracks/group.html",
        cohort=cohort,
        sessions=presenters.sessions_by_cohort([cohort.id])[cohort.id],
        slots={s.slug: s for s in plan.slots},
        materials=_materials(cohort),
        reflections=_reflections(cohort),
        members=services.members_of(cohort),
        is_intervision=cohort.kind == CohortKind.INTERVISION,
    )


def _reflections(cohort: Cohort) -> dict[str, list[TimelineAssignment]]:
    """The member's reflections (with due moment and state) per meeting slot, if any."""
    enrolment = assignment_services.member_enrolment(current_user, cohort)
    if enrolment is None:
        return {}
    steps = assignment_queries.timeline(enrolment, get_content(), utcnow()).steps
    return {step.session_slug: step.assignments for step in steps if step.assignments}


def _materials(cohort: Cohort) -> dict[str, tuple[Material, ...]]:
    """Workshop materials per meeting slot (``meeting-1``, ...)."""
    series = services.workshop_series(cohort)
    if series is None:
        return {}
    return {m.slug: m.materials for m in series.meetings if m.materials}


# --- workshop materials (members and the group's facilitators) -------------------------------


def _materials_cohort(cohort_id: int) -> tuple[Cohort, WorkshopSeries]:
    """The workshop group and its series if the user may read its materials; 404 otherwise."""
    cohort = db.get_or_404(Cohort, cohort_id)
    series = services.workshop_series(cohort)
    if series is None or not services.may_open_materials(current_user, cohort):
        abort(404)
    return cohort, series


def _back_to(cohort: Cohort) -> tuple[str, str]:
    """Where the page leads back to: the member's group page, or the facilitator's cohort."""
    if current_user.has_role(Role.MANAGER) and services.is_member(current_user, cohort):
        return url_for("manager_tracks.group", cohort_id=cohort.id), cohort.name
    return url_for("cohorts.detail", cohort_id=cohort.id), cohort.name


@bp.route("/groepen/<id:cohort_id>/materialen")
@roles(Role.MANAGER, Role.FACILITATOR)
def materials(cohort_id: int) -> ResponseReturnValue:
    """The workshop series' materials, per meeting, for members and facilitators."""
    cohort, series = _materials_cohort(cohort_id)
    sessions = {s.blueprint_slug: s for s in presenters.sessions_by_cohort([cohort.id])[cohort.id]}
    return render_template(
        "manager_tracks/materials.html",
        cohort=cohort,
        series=series,
        sessions=sessions,
        back=_back_to(cohort),
    )


@bp.route("/groepen/<id:cohort_id>/materialen/<slug>")
@roles(Role.MANAGER, Role.FACILITATOR)
def material(cohort_id: int, slug: str) -> ResponseReturnValue:
    """One workshop material, in the reader's language."""
    cohort, series = _materials_cohort(cohort_id)
    found = series.material(slug)
    if found is None:
        abort(404)
    meeting, item = found
    return render_template(
        "manager_tracks/material.html",
        cohort=cohort,
        series=series,
        meeting=meeting,
        material=item,
        body=render_markdown(item.body.get(current_locale())),
        back=_back_to(cohort),
    )


def _meeting(cohort_id: int, session_id: int) -> IntervisionMeeting:
    cohort = _member_cohort(cohort_id)
    session = db.get_or_404(CohortSession, session_id)
    if session.cohort_id != cohort.id or cohort.kind != CohortKind.INTERVISION:
        abort(404)
    return services.meeting_for(session)


def _roles_form(meeting: IntervisionMeeting, members: list[User]) -> RolesForm:
    form = RolesForm()
    shown = NameRule(current_user)
    choices = [SelectChoice("", "—")] + [SelectChoice(m.id, shown(m)) for m in members]
    for role in ROLE_LABELS:
        getattr(form, role).choices = choices
        if request.method == "GET":
            getattr(form, role).data = meeting.role_map.get(role)
    return form


@bp.route("/groepen/<id:cohort_id>/bijeenkomsten/<id:session_id>")
@roles(Role.MANAGER)
def meeting(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """An intervision meeting: method, roles, agenda with start times, case and notes."""
    item = _meeting(cohort_id, session_id)
    commit()  # the meeting and its proposed roles, on first view
    members = services.members_of(item.session.cohort)
    method = services.method_of(item)
    waived = any(w.user_id == current_user.id for w in item.waivers)
    method_form = MethodForm(method=item.method_slug)
    method_form.method.choices = [
        SelectChoice(m.slug, m.name.get(current_locale()))
        for m in get_content().intervision_methods.values()
    ]
    return render_template(
        "manager_tracks/meeting.html",
        meeting=item,
        session=item.session,
        cohort=item.session.cohort,
        method=method,
        agenda=agenda(method, item.session.starts_at) if method else [],
        names=dict(zip([m.id for m in members], map(NameRule(current_user), members), strict=True)),
        roles_needed=services.roles_needed(item),
        is_chair=item.role_map.get(IntervisionRole.CHAIR) == current_user.id,
        is_case_bringer=item.role_map.get(IntervisionRole.CASE_BRINGER) == current_user.id,
        waived=waived,
        started=item.session.starts_at <= utcnow(),
        method_form=method_form,
        roles_form=_roles_form(item, members),
        waive_form=WaiveForm(waive="0" if waived else "1"),
        case_form=CaseForm(description=item.case_description or ""),
        notes_form=NotesForm(notes=item.notes or ""),
    )


def _back(item: IntervisionMeeting) -> ResponseReturnValue:
    return redirect(
        url_for(
            "manager_tracks.meeting",
            cohort_id=item.session.cohort_id,
            session_id=item.session_id,
        )
    )


@bp.route("/groepen/<id:cohort_id>/bijeenkomsten/<id:session_id>/methode", methods=["POST"])
@roles(Role.MANAGER)
def choose_method(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """The group picks the method for this meeting."""
    item = _meeting(cohort_id, session_id)
    form = MethodForm()
    form.method.choices = [SelectChoice(slug, slug) for slug in get_content().intervision_methods]
    if not form.validate_on_submit():
        abort(400)
    run_action(
        lambda: services.choose_method(item, form.method.data or "", current_user),
        _("Method chosen."),
    )
    return _back(item)


@bp.route("/groepen/<id:cohort_id>/bijeenkomsten/<id:session_id>/rollen", methods=["POST"])
@roles(Role.MANAGER)
def set_roles(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """The chair confirms or changes the proposed roles."""
    item = _meeting(cohort_id, session_id)
    form = _roles_form(item, services.members_of(item.session.cohort))
    if not form.validate_on_submit():
        flash(_("Choose members of the group for the roles."), "error")
        return _back(item)
    chosen = {role: getattr(form, role).data for role in services.roles_needed(item)}
    run_action(lambda: services.set_roles(item, chosen, current_user), _("Roles confirmed."))
    return _back(item)


@bp.route("/groepen/<id:cohort_id>/bijeenkomsten/<id:session_id>/overslaan", methods=["POST"])
@roles(Role.MANAGER)
def waive(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """Pass (or take back passing) one's turn as case-bringer for this meeting."""
    item = _meeting(cohort_id, session_id)
    form = WaiveForm()
    if not form.validate_on_submit():
        abort(400)
    waiving = form.waive.data == "1"
    run_action(
        lambda: services.waive(item, current_user, waiving),
        _("You pass your turn this time.") if waiving else _("You are in the rotation again."),
    )
    return _back(item)


def _save_text(
    item: IntervisionMeeting,
    form: CaseForm | NotesForm,
    field: str,
    save: Callable[[IntervisionMeeting, str, User], None],
    success: str,
) -> ResponseReturnValue:
    """Validate a one-text form and hand the text to ``save``; problems come back as a message."""
    text = form[field]
    if form.validate_on_submit():
        run_action(lambda: save(item, text.data or "", current_user), success)
    else:
        flash(
            " ".join(str(error) for error in text.errors)
            or _("Write 1 to %(n)s characters.", n=MAX_TEXT),
            "error",
        )
    return _back(item)


@bp.route("/groepen/<id:cohort_id>/bijeenkomsten/<id:session_id>/casus", methods=["POST"])
@roles(Role.MANAGER)
def save_case(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """The case-bringer saves the short case description."""
    item = _meeting(cohort_id, session_id)
    return _save_text(
        item,
        CaseForm(),
        "description",
        services.submit_case,
        _("Case saved. Only members of the group can read it."),
    )


@bp.route("/groepen/<id:cohort_id>/bijeenkomsten/<id:session_id>/notities", methods=["POST"])
@roles(Role.MANAGER)
def save_notes(cohort_id: int, session_id: int) -> ResponseReturnValue:
    """A member saves the notes of the meeting."""
    item = _meeting(cohort_id, session_id)
    return _save_text(
        item,
        NotesForm(),
        "notes",
        services.save_notes,
        _("Notes saved. Only members of the group can read them."),
    )
