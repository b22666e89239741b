"""Action plan pages: the participant's builder, versions, exports, sharing and audit log;
the manager's inbox, shared plan and conversation; the facilitator's read-only view."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from learnpath.accounts.models import Role, User
from learnpath.action_plans import forms, plan_data, presenters, services
from learnpath.action_plans.blueprint import bp
from learnpath.action_plans.models import ActionPlan, Conversation, PlanShare, PlanStatus
from learnpath.action_plans.prefill import prefill
from learnpath.assignments.services import workspace_enrolment
from learnpath.cohorts.access import get_cohort_enrolment, get_facilitated_cohort
from learnpath.cohorts.models import Enrolment
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction
from learnpath.timefmt import for_user
from learnpath.web.access import roles
from learnpath.web.actions import (
    attach_errors,
    commit,
    run_action,
    run_form_action,
    show_on_form,
    unit_of_work,
)

# --- helpers -------------------------------------------------------------------------------


def _enrolment_or_404() -> Enrolment:
    enrolment = workspace_enrolment(current_user)
    if enrolment is None:
        abort(404)
    return enrolment


def _own_plan_or_404() -> ActionPlan:
    plan = services.own_plan(current_user)
    if plan is None:
        abort(404)
    return plan


def _own_share_or_404(plan: ActionPlan, share_id: int) -> PlanShare:
    row = db.session.get(PlanShare, share_id)
    if row is None or row.plan_id != plan.id:
        abort(404)
    return row


def _manager_share_or_404(share_id: int) -> PlanShare:
    """An active share addressed to the current manager; 404 for anyone else or after revoke."""
    row = services.share_for_manager(share_id, current_user)
    if row is None:
        ended = db.session.get(PlanShare, share_id)
        if ended is not None and ended.manager_id == current_user.id:
            # The old link of a revoked share says so (still a 404: nothing of the plan).
            abort(
                make_response(
                    render_template("action_plans/no_longer_shared.html", share=ended), 404
                )
            )
        abort(404)
    return row


def _download(
    kind: str, plan: ActionPlan, version: Any, sections: list[plan_data.Section]
) -> Response:
    body, mimetype = presenters.render_export(kind, plan, version, sections)
    response = Response(body, mimetype=mimetype)
    name = presenters.filename(plan.user, kind)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # Generated per request and never kept: after a revoke nothing can be reopened from a cache.
    response.headers["Cache-Control"] = "no-store, private"
    return response


def _export_choice(allowed: list[str]) -> tuple[forms.ExportForm, list[str] | None]:
    """Read the export form from the query string; sections chosen (within allowed) or None."""
    form = forms.ExportForm(request.args)
    form.sections.choices = [c for c in forms.section_choices() if c.value in allowed]
    if "format" not in request.args:
        form.sections.data = list(allowed)
        return form, None
    chosen = [s for s in form.sections.data or [] if s in allowed]
    if form.format.data not in presenters.FORMATS:
        form.format.errors = [_("Choose a format.")]
        return form, None
    if not chosen:
        form.sections.errors = [_("Tick at least one section.")]
        return form, None
    return form, chosen


# --- participant: the plan -----------------------------------------------------------------


@bp.route("/actieplan")
@roles(Role.PARTICIPANT)
def plan() -> ResponseReturnValue:
    """Show the participant's plan: status, content, versions, sharing and next steps."""
    enrolment = workspace_enrolment(current_user)
    plan = services.find_plan(enrolment) if enrolment else None
    if enrolment is None or plan is None:
        return render_template("action_plans/plan.html", enrolment=enrolment, plan=None)
    content = get_content()
    row = services.active_share(plan)
    return render_template(
        "action_plans/plan.html",
        enrolment=enrolment,
        plan=plan,
        sections=presenters.sections_of(plan.data, plan_data.SECTIONS, content),
        versions=plan.versions,
        share=row,
        conversation=services.conversation_of(row) if row else None,
        has_final=bool(plan.versions),
        follow_up=services.follow_up_of(plan),
        button_form=forms.ButtonForm(),
        empty_text=presenters.empty_text(),
    )


def _builder_form(plan: ActionPlan, formdata: Any) -> forms.PlanForm:
    form_class = forms.plan_form_class(presenters.competency_names(get_content()))
    if formdata is None:
        form = form_class(formdata=None, data=forms.plan_form_data(plan.data))
        while len(form.actions.entries) < min(plan_data.MAX_ACTIONS, len(plan.data["actions"]) + 1):
            form.actions.append_entry()
        return form
    return form_class()


def _render_builder(
    plan: ActionPlan, enrolment: Enrolment, form: forms.PlanForm, section_errors: dict[str, str]
) -> str:
    content = get_content()
    seed = prefill(enrolment, content, str(current_user.locale))
    return render_template(
        "action_plans/edit.html",
        plan=plan,
        form=form,
        section_errors=section_errors,
        sources=seed.sources,
        competencies=presenters.competency_names(content),
        max_goals=plan_data.MAX_GOALS,
    )


@bp.route("/actieplan/bewerken", methods=["GET", "POST"])
@roles(Role.PARTICIPANT)
def edit() -> ResponseReturnValue:
    """Build the plan: save a draft or finalise it as a new version."""
    enrolment = _enrolment_or_404()
    plan = services.start_plan(enrolment, get_content(), str(current_user.locale))
    commit()
    if plan.status != PlanStatus.DRAFT:
        flash(_("This plan is final. Reopen it to make changes."), "info")
        return redirect(url_for("action_plans.plan"))
    if request.method == "GET":
        return _render_builder(plan, enrolment, _builder_form(plan, None), {})
    form = _builder_form(plan, request.form)
    final = bool(form.finalise.data)
    section_errors: dict[str, str] = {}
    if form.validate_on_submit():
        with unit_of_work() as work:
            services.save_plan(
                plan, forms.plan_from_form(form), presenters.today_for(current_user), final=final
            )
        if work.ok:
            flash(_("Your plan is final.") if final else _("Draft saved."), "success")
            return redirect(url_for("action_plans.plan" if final else "action_plans.edit"))
        # Errors about a whole section are shown with that section, not on one field.
        section_errors = attach_errors(form, work.errors)
        flash(work.message, "error")
    return _render_builder(plan, enrolment, form, section_errors)


@bp.route("/actieplan/heropenen", methods=["POST"])
@roles(Role.PARTICIPANT)
def reopen() -> ResponseReturnValue:
    """Reopen a final plan as the next version (the finalised version stays viewable)."""
    plan = _own_plan_or_404()
    message = _("Your plan is open for changes. Your manager keeps seeing the last final version.")
    if forms.ButtonForm().validate_on_submit() and run_action(
        lambda: services.reopen(plan), message
    ):
        return redirect(url_for("action_plans.edit"))
    return redirect(url_for("action_plans.plan"))


@bp.route("/actieplan/versies/<id:number>")
@roles(Role.PARTICIPANT)
def version(number: int) -> ResponseReturnValue:
    """Show an earlier (finalised) version of the participant's plan."""
    plan = _own_plan_or_404()
    row = services.version_of(plan, number)
    if row is None:
        abort(404)
    return render_template(
        "action_plans/version.html",
        version=row,
        sections=presenters.sections_of(row.data, plan_data.SECTIONS, get_content()),
        empty_text=presenters.empty_text(),
    )


@bp.route("/actieplan/export")
@roles(Role.PARTICIPANT)
def export() -> ResponseReturnValue:
    """Choose sections and a format, and download the plan as PDF or DOCX."""
    plan = _own_plan_or_404()
    form, chosen = _export_choice(list(plan_data.SECTIONS))
    if chosen is None:
        return render_template(
            "action_plans/export.html", form=form, action=url_for("action_plans.export")
        )
    version = services.latest_version(plan) if plan.status != PlanStatus.DRAFT else None
    sections = presenters.sections_of(plan.data, chosen, get_content())
    sections = presenters.with_kansen(sections, plan.user_id, shared_only=False)
    return _download(str(form.format.data), plan, version, sections)


# --- participant: follow-up -------------------------------------------------------------------


def _follow_up_page(plan: ActionPlan, form: forms.FollowUpForm) -> str:
    version = services.latest_version(plan)
    assert version is not None
    row = services.active_share(plan)
    conversation = services.conversation_of(row) if row else None
    goals = services.follow_up_goals(plan, version)
    return render_template(
        "action_plans/follow_up.html",
        form=form,
        goals=list(zip(goals, form.goals.entries, strict=False)),
        version=version,
        follow_up_on=conversation.follow_up_on if conversation else None,
        recorded=services.follow_up_of(plan),
    )


@bp.route("/actieplan/terugblik", methods=["GET", "POST"])
@roles(Role.PARTICIPANT)
def follow_up() -> ResponseReturnValue:
    """Look back on the final plan: how far each goal got, and where the participant stands."""
    plan = _own_plan_or_404()
    version = services.latest_version(plan)
    if version is None:
        flash(_("Finalise your plan before you look back on it."), "info")
        return redirect(url_for("action_plans.plan"))
    goals = services.follow_up_goals(plan, version)
    if request.method == "GET":
        recorded = services.follow_up_of(plan)
        data = {
            "goals": [{"achievement": g.achievement} for g in goals],
            "result": recorded.result.value if recorded else None,
        }
        commit()
        return _follow_up_page(plan, forms.follow_up_form(len(goals), data))
    form = forms.follow_up_form(len(goals))
    if form.validate_on_submit():
        values = forms.follow_up_values(form, len(goals))
        # A refusal is shown on the fields, with the form's own error summary.
        if run_form_action(
            form,
            lambda: services.record_follow_up(plan, values, str(form.result.data or ""), utcnow()),
            _("Your look back is saved. Only you see it."),
        ):
            return redirect(url_for("action_plans.plan"))
    return _follow_up_page(plan, form)


# --- participant: sharing ------------------------------------------------------------------


def _share_page(
    plan: ActionPlan, form: forms.ShareForm, preview: list[plan_data.Section] | None
) -> str:
    current = services.active_share(plan)
    sections_form = forms.SectionsForm(
        formdata=None, data={"sections": current.sections} if current else None
    )
    return render_template(
        "action_plans/share.html",
        plan=plan,
        form=form,
        preview=preview,
        current=current,
        sections_form=sections_form,
        button_form=forms.ButtonForm(),
        history=services.shares_of(plan),
        has_final=services.latest_version(plan) is not None,
        empty_text=presenters.empty_text(),
    )


def _share_form(plan: ActionPlan) -> forms.ShareForm:
    managers = services.manager_choices(current_user)
    current = services.active_share(plan)
    data = {
        "sections": current.sections if current else [],
        "manager": current.manager_id if current else None,
    }
    form = forms.ShareForm(data=data if request.method == "GET" else None)
    form.manager.choices = [SelectChoice(m.id, m.name) for m in managers]
    if request.method == "GET" and current is None and managers:
        form.manager.data = managers[0].id
    return form


@bp.route("/actieplan/delen", methods=["GET", "POST"])
@roles(Role.PARTICIPANT)
def share() -> ResponseReturnValue:
    """Choose a manager and sections, preview exactly what they will see, and share."""
    plan = _own_plan_or_404()
    form = _share_form(plan)
    if not form.validate_on_submit():
        return _share_page(plan, form, None)
    latest = services.latest_version(plan)
    if form.preview.data or latest is None:
        chosen = form.sections.data or []
        preview = presenters.sections_of(latest.data, chosen, get_content()) if latest else None
        return _share_page(plan, form, preview)
    manager = db.session.get(User, form.manager.data)
    with unit_of_work() as work:
        if manager is None:
            raise services.PlanError(_("Choose a manager of your organisation."))
        services.share(plan, manager, form.sections.data or [])
    if manager is None or not work.ok:
        show_on_form(form, work, announce=True)
        return _share_page(plan, form, None)
    flash(
        _("Shared with %(name)s. You can change or revoke this at any time.", name=manager.name),
        "success",
    )
    return redirect(url_for("action_plans.share"))


@bp.route("/actieplan/delen/<id:share_id>/onderdelen", methods=["POST"])
@roles(Role.PARTICIPANT)
def share_sections(share_id: int) -> ResponseReturnValue:
    """Change which sections an active share shows."""
    plan = _own_plan_or_404()
    row = _own_share_or_404(plan, share_id)
    form = forms.SectionsForm()
    if form.validate_on_submit():
        sections = form.sections.data or []
        run_action(
            lambda: services.update_sections(row, sections), _("The shared sections are updated.")
        )
    return redirect(url_for("action_plans.share"))


@bp.route("/actieplan/delen/<id:share_id>/intrekken", methods=["POST"])
@roles(Role.PARTICIPANT)
def revoke(share_id: int) -> ResponseReturnValue:
    """Revoke a share: the manager's access (pages and exports) ends immediately."""
    plan = _own_plan_or_404()
    row = _own_share_or_404(plan, share_id)
    if forms.ButtonForm().validate_on_submit():
        cancelled = services.conversation_to_cancel(services.conversation_of(row), utcnow())
        cancelled_at = cancelled.starts_at if cancelled is not None else None
        services.revoke(row)
        commit()
        flash(
            _("Sharing revoked: %(name)s no longer sees your plan.", name=row.manager.name)
            + " "
            + _("%(name)s has been told by email.", name=row.manager.name),
            "success",
        )
        if cancelled_at is not None:
            flash(
                _(
                    "The career conversation of %(when)s is cancelled; you both get a "
                    "calendar cancellation.",
                    when=for_user(cancelled_at, current_user, "d MMMM y, HH:mm"),
                ),
                "info",
            )
    return redirect(url_for("action_plans.share"))


@bp.route("/actieplan/logboek")
@roles(Role.PARTICIPANT)
def audit() -> ResponseReturnValue:
    """Show who opened or exported the plan, and every share change."""
    plan = _own_plan_or_404()
    return render_template(
        "action_plans/audit.html",
        lines=presenters.audit_lines(services.audit_log(plan)),
        labels=AuditAction.labels(),
    )


# --- the conversation (both sides) ------------------------------------------------------------


def _conversation_forms(conversation: Conversation | None, side: str) -> dict[str, Any]:
    checklist = forms.ChecklistForm(
        formdata=None,
        data={"items": (conversation.checklist or {}).get(side, []) if conversation else []},
    )
    checklist.items.choices = [SelectChoice(k, v) for k, v in services.CHECKLIST[side].items()]
    outcome = forms.OutcomeForm(
        formdata=None,
        data={
            "agreements": conversation.agreements if conversation else "",
            "follow_up_on": conversation.follow_up_on if conversation else None,
            "discussed": bool(conversation and conversation.discussed_at),
        },
    )
    return {"checklist_form": checklist, "outcome_form": outcome}


def _save_checklist(row: PlanShare | None, side: str) -> None:
    form = forms.ChecklistForm()
    form.items.choices = [SelectChoice(k, v) for k, v in services.CHECKLIST[side].items()]
    if row is not None and form.validate_on_submit():
        services.set_checklist(services.start_conversation(row), side, form.items.data or [])
        commit()
        flash(_("Preparation saved."), "success")


def _save_outcome(row: PlanShare | None, today: Any) -> forms.OutcomeForm | None:
    """Save agreements and follow-up; return the form when it has to be shown again."""
    form = forms.OutcomeForm()
    if row is None:
        abort(404)
    if not form.validate_on_submit():
        return form
    saved = run_form_action(
        form,
        lambda: services.record_outcome(
            services.start_conversation(row),
            form.agreements.data or "",
            form.follow_up_on.data,
            bool(form.discussed.data),
            today,
        ),
        _("Agreements saved."),
    )
    return None if saved else form


def _participant_conversation(outcome_form: forms.OutcomeForm | None = None) -> str:
    plan = _own_plan_or_404()
    row = services.active_share(plan)
    conversation = services.conversation_of(row) if row else None
    context = _conversation_forms(conversation, "participant")
    if outcome_form is not None:
        context["outcome_form"] = outcome_form
    accept = forms.AcceptForm()
    if conversation is not None:
        accept.proposal.choices = [SelectChoice(p.id, p.starts_at) for p in conversation.proposals]
    return render_template(
        "action_plans/conversation.html",
        share=row,
        conversation=conversation,
        accept_form=accept,
        agenda=services.AGENDA,
        now=utcnow(),
        **context,
    )


@bp.route("/actieplan/gesprek")
@roles(Role.PARTICIPANT)
def conversation() -> ResponseReturnValue:
    """Show the career conversation: proposed times, preparation, agreements."""
    return _participant_conversation()


@bp.route("/actieplan/gesprek/tijd", methods=["POST"])
@roles(Role.PARTICIPANT)
def accept_time() -> ResponseReturnValue:
    """Accept one of the manager's proposed times; both get a calendar invitation."""
    plan = _own_plan_or_404()
    row = services.active_share(plan)
    conversation = services.conversation_of(row) if row else None
    if conversation is None:
        abort(404)
    form = forms.AcceptForm()
    form.proposal.choices = [SelectChoice(p.id, p.starts_at) for p in conversation.proposals]
    if form.validate_on_submit():
        proposal_id = int(form.proposal.data)
        run_action(
            lambda: services.accept_time(conversation, proposal_id, utcnow()),
            _("Time accepted. You and your manager get a calendar invitation."),
        )
    else:
        flash(_("Choose a time."), "error")
    return redirect(url_for("action_plans.conversation"))


@bp.route("/actieplan/gesprek/voorbereiding", methods=["POST"])
@roles(Role.PARTICIPANT)
def participant_checklist() -> ResponseReturnValue:
    """Save the participant's preparation checklist."""
    plan = _own_plan_or_404()
    _save_checklist(services.active_share(plan), "participant")
    return redirect(url_for("action_plans.conversation"))


@bp.route("/actieplan/gesprek/afspraken", methods=["POST"])
@roles(Role.PARTICIPANT)
def participant_outcome() -> ResponseReturnValue:
    """Record agreements and the follow-up date (visible to both)."""
    plan = _own_plan_or_404()
    form = _save_outcome(services.active_share(plan), presenters.today_for(current_user))
    if form is None:
        return redirect(url_for("action_plans.conversation"))
    return _participant_conversation(form)


# --- manager ---------------------------------------------------------------------------------


@bp.route("/team")
@roles(Role.MANAGER)
def inbox() -> ResponseReturnValue:
    """List the plans shared with me (active shares only)."""
    return render_template("action_plans/inbox.html", entries=services.inbox(current_user))


def _shared_plan_page(row: PlanShare, **overrides: Any) -> str:
    latest = services.latest_version(row.plan)
    conversation = services.conversation_of(row)
    zone = ZoneInfo(current_user.organisation.timezone)
    context: dict[str, Any] = {
        "share": row,
        "participant": row.plan.user,
        "version": latest,
        "sections": presenters.sections_of(
            latest.data if latest else {}, row.sections, get_content()
        ),
        "conversation": conversation,
        "button_form": forms.ButtonForm(),
        "propose_form": forms.ProposeForm(
            formdata=None, data={"location": conversation.location if conversation else ""}
        ),
        "now": utcnow(),
        "notes_form": forms.NotesForm(
            formdata=None, data={"notes": conversation.manager_notes if conversation else ""}
        ),
        "agenda": services.AGENDA,
        "zone": zone,
        "empty_text": presenters.empty_text(),
        **_conversation_forms(conversation, "manager"),
    }
    context.update(overrides)
    return render_template("action_plans/shared_plan.html", **context)


@bp.route("/team/plannen/<id:share_id>")
@roles(Role.MANAGER)
def shared_plan(share_id: int) -> ResponseReturnValue:
    """Show the shared sections of a plan, and prepare and record the conversation."""
    row = _manager_share_or_404(share_id)
    # The read is recorded and committed; the share, plan and people just read stay loaded for
    # the page (not read again after the commit).
    with unit_of_work(refusals=(), keep_loaded=True):
        services.manager_read(row, current_user)
    return _shared_plan_page(row)


@bp.route("/team/plannen/<id:share_id>/export")
@roles(Role.MANAGER)
def manager_export(share_id: int) -> ResponseReturnValue:
    """Download the shared sections (only those still shared) as PDF or DOCX."""
    row = _manager_share_or_404(share_id)
    form, chosen = _export_choice(list(row.sections))
    if chosen is None:
        return render_template(
            "action_plans/export.html",
            form=form,
            action=url_for("action_plans.manager_export", share_id=row.id),
        )
    latest = services.latest_version(row.plan)
    services.manager_read(row, current_user, AuditAction.ACTION_PLAN_EXPORT)
    commit()
    sections = presenters.sections_of(latest.data if latest else {}, chosen, get_content())
    sections = presenters.with_kansen(sections, row.plan.user_id, shared_only=True)
    return _download(str(form.format.data), row.plan, latest, sections)


@bp.route("/team/plannen/<id:share_id>/ontvangen", methods=["POST"])
@roles(Role.MANAGER)
def acknowledge(share_id: int) -> ResponseReturnValue:
    """Confirm receipt of the shared plan (the participant sees it)."""
    row = _manager_share_or_404(share_id)
    if forms.ButtonForm().validate_on_submit():
        services.acknowledge(row)
        commit()
        flash(_("Receipt confirmed."), "success")
    return redirect(url_for("action_plans.shared_plan", share_id=row.id))


@bp.route("/team/plannen/<id:share_id>/tijden", methods=["POST"])
@roles(Role.MANAGER)
def propose(share_id: int) -> ResponseReturnValue:
    """Propose one to three times for the conversation; the participant chooses."""
    row = _manager_share_or_404(share_id)
    form = forms.ProposeForm()
    if form.validate_on_submit():
        zone = ZoneInfo(current_user.organisation.timezone)
        times = [_as_utc(t, zone) for t in form.times.data if t is not None]
        if run_form_action(
            form,
            lambda: services.propose_times(
                row, times, int(form.duration.data), utcnow(), form.location.data or ""
            ),
            _("Times proposed. %(name)s gets a message.", name=row.plan.user.name),
            field="times",
        ):
            return redirect(url_for("action_plans.shared_plan", share_id=row.id))
    return _shared_plan_page(row, propose_form=form)


def _as_utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


@bp.route("/team/plannen/<id:share_id>/voorbereiding", methods=["POST"])
@roles(Role.MANAGER)
def manager_checklist(share_id: int) -> ResponseReturnValue:
    """Save the manager's preparation checklist."""
    row = _manager_share_or_404(share_id)
    _save_checklist(row, "manager")
    return redirect(url_for("action_plans.shared_plan", share_id=row.id))


@bp.route("/team/plannen/<id:share_id>/notities", methods=["POST"])
@roles(Role.MANAGER)
def manager_notes(share_id: int) -> ResponseReturnValue:
    """Save the manager's private preparation notes."""
    row = _manager_share_or_404(share_id)
    form = forms.NotesForm()
    if form.validate_on_submit() and run_form_action(
        form,
        lambda: services.save_manager_notes(
            services.start_conversation(row), form.notes.data or ""
        ),
        _("Notes saved. Only you see them."),
        field="notes",
    ):
        return redirect(url_for("action_plans.shared_plan", share_id=row.id))
    return _shared_plan_page(row, notes_form=form)


@bp.route("/team/plannen/<id:share_id>/afspraken", methods=["POST"])
@roles(Role.MANAGER)
def manager_outcome(share_id: int) -> ResponseReturnValue:
    """Record agreements, the follow-up date and that the conversation took place."""
    row = _manager_share_or_404(share_id)
    form = _save_outcome(row, presenters.today_for(current_user))
    if form is None:
        return redirect(url_for("action_plans.shared_plan", share_id=row.id))
    return _shared_plan_page(row, outcome_form=form)


# --- facilitator -------------------------------------------------------------------------------


@bp.route("/cohorten/<id:cohort_id>/deelnemers/<id:enrolment_id>/actieplan")
@roles(Role.FACILITATOR)
def facilitator_plan(cohort_id: int, enrolment_id: int) -> ResponseReturnValue:
    """Show a participant's plan to a facilitator of the cohort (read recorded; no manager notes)."""
    cohort = get_facilitated_cohort(cohort_id)
    enrolment = get_cohort_enrolment(cohort, enrolment_id)
    plan = services.find_plan(enrolment)
    if plan is not None:
        services.facilitator_read(current_user, plan)
        commit()
    return render_template(
        "action_plans/facilitator.html",
        cohort=cohort,
        enrolment=enrolment,
        plan=plan,
        sections=presenters.sections_of(plan.data, plan_data.SECTIONS, get_content())
        if plan
        else [],
        empty_text=presenters.empty_text(),
    )
