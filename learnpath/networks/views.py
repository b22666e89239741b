"""The coordinator's pages: the networks they coordinate, a network's members and cohorts, and
a network cohort (new or edited) with seat quotas per organisation."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts import networks
from learnpath.cohorts import presenters, services
from learnpath.cohorts.models import Cohort
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.networks import queries
from learnpath.networks.access import get_coordinated_network, get_network_cohort
from learnpath.networks.blueprint import bp
from learnpath.networks.forms import (
    fill_network_choices,
    network_cohort_data,
    network_cohort_form,
)
from learnpath.web.access import signed_in
from learnpath.web.actions import run_form_action


@bp.route("/netwerken")
@signed_in
def index() -> ResponseReturnValue:
    """The networks the user coordinates (404 for anyone who coordinates none)."""
    coordinated = networks.coordinated_networks(current_user)
    if not coordinated:
        abort(404)
    return render_template("networks/index.html", networks=coordinated)


@bp.route("/netwerken/<id:network_id>")
@signed_in
def detail(network_id: int) -> ResponseReturnValue:
    """A network's active members and its cohorts with their seats per organisation."""
    network = get_coordinated_network(network_id)
    return render_template(
        "networks/detail.html",
        network=network,
        members=networks.active_members(network.id),
        coordinators=networks.coordinators_of(network.id),
        cohorts=queries.network_cohorts(network.id),
    )


@bp.route("/netwerken/<id:network_id>/trajecten/nieuw", methods=["GET", "POST"])
@signed_in
def new_cohort(network_id: int) -> ResponseReturnValue:
    """Create a network cohort; the coordinator facilitates it."""
    network = get_coordinated_network(network_id)
    members = networks.active_members(network.id)
    form = network_cohort_form(members)
    fill_network_choices(form, current_user, members)
    if request.method == "GET":
        form.open_to.data = [o.id for o in members]
    if form.validate_on_submit():
        form.facilitators.data = sorted({*(form.facilitators.data or []), current_user.id})
        data = network_cohort_data(form, current_user, network)
        made: list[Cohort] = []
        if data is not None and run_form_action(
            form,
            lambda: made.append(
                services.create_cohort(
                    current_user.organisation,
                    CAREER_PROGRAMME,
                    get_content().version,
                    data,
                    current_user,
                )
            ),
            _("Network cohort %(name)s created.", name=data.name),
            field="capacity",
        ):
            # Next: its sessions, as after making any cohort (a coordinator is a facilitator).
            return redirect(url_for("schedule.plan", cohort_id=made[0].id))
    return render_template(
        "networks/cohort_form.html", form=form, network=network, cohort=None
    ), 400 if form.errors else 200


@bp.route("/netwerken/<id:network_id>/trajecten/<id:cohort_id>", methods=["GET", "POST"])
@signed_in
def edit_cohort(network_id: int, cohort_id: int) -> ResponseReturnValue:
    """Change a network cohort's settings, its quotas and their release."""
    network = get_coordinated_network(network_id)
    cohort: Cohort = get_network_cohort(network, cohort_id)
    members = networks.active_members(network.id)
    form = network_cohort_form(members, obj=cohort)
    fill_network_choices(form, current_user, members, cohort.facilitators)
    if request.method == "GET":
        zone = current_user.organisation.timezone  # the zone the form is read in
        form.signup_opens_at.data = presenters.local_input_value(cohort.signup_opens_at, zone)
        form.signup_closes_at.data = presenters.local_input_value(cohort.signup_closes_at, zone)
        form.quota_release_at.data = (
            presenters.local_input_value(cohort.quota_release_at, zone)
            if cohort.quota_release_at
            else None
        )
        form.signup_mode.data = cohort.signup_mode.value
        form.open_to.data = [o.id for o in cohort.open_to]
        form.facilitators.data = [u.id for u in cohort.facilitators]
        quotas = {q.organisation_id: q.seats for q in cohort.quotas}
        for organisation, quota_field in form.quota_fields:
            quota_field.data = quotas.get(organisation.id)
    if form.validate_on_submit():
        data = network_cohort_data(form, current_user, network)
        if data is not None and run_form_action(
            form,
            lambda: services.update_cohort(cohort, data, current_user),
            _("Network cohort %(name)s saved.", name=data.name),
            field="capacity",
        ):
            return redirect(url_for("networks.detail", network_id=network.id))
    return render_template(
        "networks/cohort_form.html", form=form, network=network, cohort=cohort
    ), 400 if form.errors else 200
