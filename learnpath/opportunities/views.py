"""The kansenbank: find and respond (participants), offer and decide (anyone signed in, on
their own opportunities)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.content_registry import get_content
from learnpath.i18n import tx
from learnpath.opportunities import access, queries, services
from learnpath.opportunities.blueprint import bp
from learnpath.opportunities.forms import (
    OWN,
    FilterForm,
    OfferForm,
    RespondForm,
    ShowInPlanForm,
)
from learnpath.opportunities.models import Opportunity, ResponseStatus
from learnpath.web.access import roles, signed_in
from learnpath.web.actions import run_action, run_form_action
from learnpath.web.clock import page_now
from learnpath.web.forms import ConfirmForm
from learnpath.web.inputs import parse_id


def _competencies() -> list[tuple[str, str]]:
    content = get_content()
    ordered = sorted(content.competencies.values(), key=lambda c: c.order)
    return [(c.slug, tx(c.name)) for c in ordered]


def _competency_names() -> dict[str, str]:
    return dict(_competencies())


@bp.route("/kansenbank")
@signed_in
def index() -> ResponseReturnValue:
    """Open opportunities visible to the person's organisation, with filters."""
    form = FilterForm(request.args)
    organisations = queries.visible_organisations(current_user.organisation_id)
    form.competency.choices = [("", _("All competencies")), *_competencies()]
    form.organisation.choices = [
        ("", _("All organisations")),
        *((str(o.id), o.name) for o in organisations),
    ]
    try:
        organisation_id = parse_id(form.organisation.data) if form.organisation.data else None
    except ValueError:
        organisation_id = None
    filters = queries.Filters(
        competency=form.competency.data or "",
        organisation_id=organisation_id,
        kind=form.kind.data or "",
        duration=form.duration.data or "",
    )
    found = queries.find(current_user.organisation_id, filters)
    return render_template(
        "opportunities/index.html",
        form=form,
        opportunities=found,
        competency_names=_competency_names(),
    )


@bp.route("/kansenbank/<id:opportunity_id>")
@signed_in
def detail(opportunity_id: int) -> ResponseReturnValue:
    opportunity = access.visible_opportunity(opportunity_id, current_user)
    return _detail(opportunity, RespondForm())


def _detail(opportunity: Opportunity, form: RespondForm) -> str:
    response = services.own_response(current_user, opportunity.id)
    return render_template(
        "opportunities/detail.html",
        opportunity=opportunity,
        form=form,
        response=response,
        may_respond=current_user.has_role(Role.PARTICIPANT)
        and opportunity.offered_by_id != current_user.id
        and (response is None or response.status == ResponseStatus.WITHDRAWN),
        is_offerer=services.may_manage(current_user, opportunity),
        competency_names=_competency_names(),
        confirm=ConfirmForm(),
    )


@bp.route("/kansenbank/<id:opportunity_id>/reageren", methods=["POST"])
@roles(Role.PARTICIPANT)
def respond(opportunity_id: int) -> ResponseReturnValue:
    """Respond with a short motivation; the offerer is not mailed (they see it under
    "Reacties")."""
    opportunity = access.visible_opportunity(opportunity_id, current_user)
    form = RespondForm()
    if form.validate_on_submit() and run_form_action(
        form,
        lambda: services.respond(opportunity, current_user, form.motivation.data or ""),
        _("Your response has been sent."),
        field="motivation",
    ):
        return redirect(url_for("opportunities.my_responses"))
    return _detail(opportunity, form), 400


@bp.route("/kansenbank/mijn-reacties")
@roles(Role.PARTICIPANT)
def my_responses() -> ResponseReturnValue:
    return render_template(
        "opportunities/my_responses.html",
        responses=queries.responses_of(current_user.id),
        confirm=ConfirmForm(),
        competency_names=_competency_names(),
    )


@bp.route("/kansenbank/reacties/<id:response_id>/intrekken", methods=["POST"])
@roles(Role.PARTICIPANT)
def withdraw(response_id: int) -> ResponseReturnValue:
    response = access.own_response(response_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(lambda: services.withdraw(response, current_user), _("Response withdrawn."), "info")
    return redirect(url_for("opportunities.my_responses"))


@bp.route("/kansenbank/reacties/<id:response_id>/plan", methods=["POST"])
@roles(Role.PARTICIPANT)
def show_in_plan(response_id: int) -> ResponseReturnValue:
    """ "Toon in mijn gedeelde plan": the accepted opportunity shows in the shared plan."""
    response = access.own_response(response_id, current_user)
    form = ShowInPlanForm()
    if not form.validate_on_submit():
        abort(400)
    show = bool(form.show.data)
    run_action(
        lambda: services.set_show_in_plan(response, current_user, show),
        _("It now shows in your shared plan.")
        if show
        else _("It no longer shows in your shared plan."),
    )
    return redirect(url_for("opportunities.my_responses"))


# --- offering -----------------------------------------------------------------------------


@bp.route("/kansenbank/aanbod")
@signed_in
def offers() -> ResponseReturnValue:
    """The person's own opportunities, with the number of responses waiting."""
    return render_template(
        "opportunities/offers.html",
        rows=queries.offered_by(current_user.id),
        competency_names=_competency_names(),
    )


def _offer_form(opportunity: Opportunity | None = None) -> OfferForm:
    form = OfferForm(obj=opportunity)
    organisation_id = opportunity.organisation_id if opportunity else current_user.organisation_id
    networks = services.offer_networks(organisation_id)
    form.set_choices(_competencies(), [(n.id, n.name) for n in networks])
    if opportunity is not None and request.method == "GET":
        form.kind.data = opportunity.kind.value
        form.time_unit.data = opportunity.time_unit.value
        form.status.data = opportunity.status.value
        form.visibility.data = (
            f"network-{opportunity.network_id}" if opportunity.network_id else OWN
        )
    return form


@bp.route("/kansenbank/nieuw", methods=["GET", "POST"])
@signed_in
def new() -> ResponseReturnValue:
    form = _offer_form()
    if form.validate_on_submit():
        competencies = _competency_names()
        if run_form_action(
            form,
            lambda: services.offer(current_user, form.data_object(), competencies),
            _("Your opportunity is in the kansenbank."),
        ):
            return redirect(url_for("opportunities.offers"))
    status = 400 if request.method == "POST" else 200
    return render_template("opportunities/offer_form.html", form=form, opportunity=None), status


@bp.route("/kansenbank/<id:opportunity_id>/bewerken", methods=["GET", "POST"])
@signed_in
def edit(opportunity_id: int) -> ResponseReturnValue:
    opportunity = access.managed_opportunity(opportunity_id, current_user)
    form = _offer_form(opportunity)
    if form.validate_on_submit():
        competencies = _competency_names()
        if run_form_action(
            form,
            lambda: services.update(opportunity, current_user, form.data_object(), competencies),
            _("Saved."),
        ):
            return redirect(url_for("opportunities.offers"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "opportunities/offer_form.html", form=form, opportunity=opportunity
    ), status


@bp.route("/kansenbank/<id:opportunity_id>/reacties")
@signed_in
def responses(opportunity_id: int) -> ResponseReturnValue:
    """ "Reacties": the responses to one's own opportunity: name, organisation, motivation."""
    opportunity = access.managed_opportunity(opportunity_id, current_user)
    return render_template(
        "opportunities/responses.html",
        opportunity=opportunity,
        responses=queries.responses_to(opportunity.id),
        accepted=services.accepted_count(opportunity.id),
        confirm=ConfirmForm(),
    )


@bp.route("/kansenbank/reacties/<id:response_id>/besluit", methods=["POST"])
@signed_in
def decide(response_id: int) -> ResponseReturnValue:
    """Accept or decline a response (the offerer only); the participant is told by mail."""
    response = access.response_to_decide(response_id, current_user)
    decision = request.form.get("decision")
    if not ConfirmForm().validate_on_submit() or decision not in ("accept", "decline"):
        abort(400)
    accept = decision == "accept"
    run_action(
        lambda: services.decide(response, current_user, accept, page_now()),
        _("Accepted. The participant is told by mail.")
        if accept
        else _("Declined. The participant is told by mail."),
    )
    return redirect(url_for("opportunities.responses", opportunity_id=response.opportunity_id))
