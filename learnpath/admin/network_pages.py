"""An organisation's memberships of regional networks: its administrator accepts an invitation
from the platform operator, or ends the membership (after confirming)."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts import networks
from learnpath.accounts.models import NetworkMembership, Role
from learnpath.accounts.services import AccountError
from learnpath.admin.blueprint import bp
from learnpath.web.access import roles
from learnpath.web.actions import run_action
from learnpath.web.forms import ConfirmForm


def _own_membership(membership_id: int) -> NetworkMembership:
    try:
        return networks.of_organisation(current_user.organisation, membership_id)
    except AccountError:
        abort(404)


@bp.route("/beheer/netwerken")
@roles(Role.ADMIN)
def networks_page() -> ResponseReturnValue:
    """The organisation's network memberships, their state and its own coordinators."""
    return render_template(
        "admin/networks.html",
        memberships=networks.memberships_of(current_user.organisation),
        form=ConfirmForm(),
    )


@bp.route("/beheer/netwerken/<id:membership_id>/accepteren", methods=["POST"])
@roles(Role.ADMIN)
def accept_network(membership_id: int) -> ResponseReturnValue:
    """Accept the network's invitation for the own organisation."""
    row = _own_membership(membership_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(
        lambda: networks.consent(row, current_user),
        _("Your organisation is now a member of %(name)s.", name=row.network.name),
    )
    return redirect(url_for("admin.networks_page"))


@bp.route("/beheer/netwerken/<id:membership_id>/beeindigen", methods=["GET", "POST"])
@roles(Role.ADMIN)
def end_network(membership_id: int) -> ResponseReturnValue:
    """Confirm, then end the own organisation's membership."""
    row = _own_membership(membership_id)
    form = ConfirmForm()
    if row.ended_at is not None:
        return redirect(url_for("admin.networks_page"))
    if form.validate_on_submit():
        name = row.network.name
        run_action(
            lambda: networks.end_membership(row, current_user),
            _("Your organisation's membership of %(name)s has ended.", name=name),
        )
        return redirect(url_for("admin.networks_page"))
    return render_template("admin/network_end.html", membership=row, form=form)
