"""/beheer/scim: an administrator makes, rotates or revokes the organisation's SCIM token."""

from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.scim import services
from learnpath.scim.blueprint import bp
from learnpath.scim.forms import TokenForm, needs_confirmation_message
from learnpath.web.access import roles
from learnpath.web.actions import unit_of_work


@bp.route("/beheer/scim", methods=["GET", "POST"])
@roles(Role.ADMIN)
def token_page() -> ResponseReturnValue:
    """Show the provisioning URL and the token's state; make, rotate or revoke the token."""
    organisation = current_user.organisation
    form = TokenForm()
    new_token: str | None = None
    revoked = False
    status = 200
    if form.validate_on_submit():
        existing = services.token_of(organisation)
        if existing is not None and not form.confirm.data:
            form.confirm.errors = [needs_confirmation_message()]
            status = 400
        else:
            with unit_of_work():
                if form.action.data == "revoke":
                    services.revoke_token(organisation, current_user)
                    revoked = True
                else:
                    new_token = services.issue_token(organisation, current_user)
    elif form.is_submitted():
        status = 400
    return render_template(
        "scim/token.html",
        form=form,
        token=services.token_of(organisation),
        new_token=new_token,
        message=_("The token has been revoked.") if revoked else None,
        base_url=url_for("scim.service_provider_config", _external=True).rsplit("/", 1)[0],
    ), status
