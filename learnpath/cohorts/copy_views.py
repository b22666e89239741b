"""Copy a cohort, save it as a template of the organisation, start a cohort from a template.

The pages are the cohorts'; planning the copied sessions is the schedule feature's
(``schedule.copies``), validated like any plan. This is, with the HR overview, the one
other place where cohorts imports a feature above it: the page, not a service.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.cohorts import copying
from learnpath.cohorts.access import get_managed_cohort
from learnpath.cohorts.blueprint import bp
from learnpath.cohorts.copy_forms import CopyForm, TemplateForm
from learnpath.cohorts.models import Cohort, CohortTemplate
from learnpath.cohorts.settings_form import cohort_data_from_form, fill_cohort_choices
from learnpath.extensions import db
from learnpath.schedule import copies
from learnpath.web.access import roles
from learnpath.web.actions import run_action, show_on_form, unit_of_work
from learnpath.web.clock import page_now
from learnpath.web.forms import ConfirmForm


def _get_template(template_id: int) -> CohortTemplate:
    """A template of the current user's organisation; 404 for any other."""
    template = db.get_or_404(CohortTemplate, template_id)
    if template.organisation_id != current_user.organisation_id:
        abort(404)
    return template


def _prefill(form: CopyForm, pattern: copying.Pattern, name: str, today: date) -> None:
    """The source's settings on the form, the sign-up window shifted to the suggested date."""
    first_day = copying.suggested_first_day(pattern, today)
    opens, closes = copying.shifted_window(pattern, first_day)
    form.name.data = name
    form.capacity.data = pattern.capacity
    form.first_day.data = first_day
    form.signup_opens_at.data = opens
    form.signup_closes_at.data = closes
    form.signup_mode.data = pattern.signup_mode.value
    form.requires_manager_approval.data = pattern.requires_manager_approval
    form.claim_window_hours.data = pattern.claim_window_hours
    offered_orgs = {c.value for c in form.open_to.iter_choices()}
    form.open_to.data = [i for i in pattern.open_to_ids if i in offered_orgs]
    offered_people = {c.value for c in form.facilitators.iter_choices()}
    facilitators = [i for i in pattern.facilitator_ids if i in offered_people]
    if current_user.id not in facilitators:
        facilitators.insert(0, current_user.id)
    form.facilitators.data = facilitators


def _copy_page(
    pattern: copying.Pattern, name: str, source: Cohort | None, template: CohortTemplate | None
) -> ResponseReturnValue:
    form = CopyForm()
    fill_cohort_choices(form, current_user)
    zone = ZoneInfo(current_user.organisation.timezone)
    if request.method == "GET":
        _prefill(form, pattern, name, page_now().astimezone(zone).date())
    lines: list[tuple[str, str]] = []
    if form.validate_on_submit():
        data = cohort_data_from_form(form, current_user, pattern.kind)
        if data is not None:
            with unit_of_work() as work:
                cohort = copies.copy_cohort(
                    current_user.organisation, pattern, data, form.first_day.data, current_user
                )
            if work.ok:
                flash(_("Cohort %(name)s created.", name=cohort.name), "success")
                return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
            if isinstance(work.refusal, copies.CopyRefused):
                lines = work.refusal.lines
            show_on_form(form, work, field="first_day")
    return render_template(
        "cohorts/copy.html",
        form=form,
        pattern=pattern,
        source=source,
        template=template,
        lines=lines,
        weekday=copying.weekday_name(pattern.first_day) if pattern.first_day else None,
    )


@bp.route("/cohorten/<id:cohort_id>/kopieren", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def copy(cohort_id: int) -> ResponseReturnValue:
    """A new cohort with this one's settings, facilitators and sessions on new dates."""
    source = get_managed_cohort(cohort_id)
    if source.organisation_id != current_user.organisation_id:
        abort(404)
    pattern = copying.pattern_of(source)
    return _copy_page(pattern, _("%(name)s (copy)", name=source.name), source, None)


@bp.route("/cohorten/<id:cohort_id>/als-sjabloon", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def save_template(cohort_id: int) -> ResponseReturnValue:
    """Save the cohort's settings and session pattern as a template of the organisation."""
    cohort = get_managed_cohort(cohort_id)
    if cohort.organisation_id != current_user.organisation_id:
        abort(404)
    form = TemplateForm()
    if request.method == "GET":
        form.name.data = cohort.name
    if form.validate_on_submit():
        with unit_of_work() as work:
            copying.save_template(cohort, form.name.data or "", current_user)
        if work.ok:
            flash(_("Template %(name)s saved.", name=(form.name.data or "").strip()), "success")
            return redirect(url_for("cohorts.templates"))
        show_on_form(form, work, field="name")
    return render_template("cohorts/save_template.html", cohort=cohort, form=form)


@bp.route("/cohorten/sjablonen")
@roles(Role.FACILITATOR)
def templates() -> ResponseReturnValue:
    """The organisation's cohort templates."""
    rows = copying.templates_of(current_user.organisation)
    return render_template(
        "cohorts/templates.html",
        templates=[(t, copying.from_template(t)) for t in rows],
    )


@bp.route("/cohorten/sjablonen/<id:template_id>/nieuw", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def from_template(template_id: int) -> ResponseReturnValue:
    """A new cohort from a template: its settings, and its sessions from a first date on."""
    template = _get_template(template_id)
    return _copy_page(copying.from_template(template), template.name, None, template)


@bp.route("/cohorten/sjablonen/<id:template_id>/verwijderen", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def delete_template(template_id: int) -> ResponseReturnValue:
    """Ask for confirmation, then delete a template (cohorts made from it stay)."""
    template = _get_template(template_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = template.name
        run_action(
            lambda: copying.delete_template(template),
            _("Template %(name)s deleted.", name=name),
            "info",
        )
        return redirect(url_for("cohorts.templates"))
    return render_template("cohorts/delete_template.html", template=template, form=form)
