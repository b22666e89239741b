"""Administrators give (or withdraw) their organisation's consent to a partnership that the
platform operator recorded; only with both consents may cohorts be opened to the partner's staff."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts import partnerships
from learnpath.accounts.models import Role
from learnpath.admin.blueprint import bp
from learnpath.admin.forms import PartnershipDecisionForm
from learnpath.web.access import roles
from learnpath.web.actions import run_action


@bp.route("/beheer/partnerschappen")
@roles(Role.ADMIN)
def partnerships_page() -> ResponseReturnValue:
    """List the organisation's partnerships and their consents."""
    return render_template(
        "admin/partnerships.html",
        partnerships=partnerships.for_organisation(current_user.organisation),
        form=PartnershipDecisionForm(),
    )


@bp.route("/beheer/partnerschappen/<id:partnership_id>", methods=["POST"])
@roles(Role.ADMIN)
def partnership_decision(partnership_id: int) -> ResponseReturnValue:
    """Give or withdraw the own organisation's consent."""
    form = PartnershipDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    consent = form.decision.data == "consent"

    def decide() -> None:
        partnership = partnerships.of_organisation(current_user.organisation, partnership_id)
        (partnerships.consent if consent else partnerships.withdraw)(partnership, current_user)

    run_action(
        decide,
        _("Your organisation consents to the partnership.")
        if consent
        else _("Your organisation's consent has been withdrawn; the partnership is not active."),
    )
    return redirect(url_for("admin.partnerships_page"))
