"""The organisation's meeting room settings (admin), and "try again" for a facilitator."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts.models import Organisation, Role
from learnpath.cohorts.services import can_manage
from learnpath.rooms import queries, services
from learnpath.rooms.blueprint import bp
from learnpath.rooms.forms import RoomSettingsForm
from learnpath.rooms.models import Provider
from learnpath.web.access import roles
from learnpath.web.actions import run_action, run_form_action
from learnpath.web.forms import ConfirmForm


@bp.route("/beheer/vergaderruimtes", methods=["GET", "POST"])
@roles(Role.ADMIN)
def settings() -> ResponseReturnValue:
    """Choose how the organisation's sessions get their meeting rooms."""
    organisation: Organisation = current_user.organisation
    current = queries.settings_of(organisation.id)
    form = RoomSettingsForm(obj=current)
    if request.method == "GET" and current is not None:
        form.provider.data = current.provider.value
    if form.validate_on_submit() and run_form_action(
        form,
        lambda: services.save_settings(
            organisation,
            services.SettingsData(
                provider=Provider(form.provider.data),
                jitsi_url=form.jitsi_url.data or "",
                teams_tenant_id=form.teams_tenant_id.data or "",
                teams_client_id=form.teams_client_id.data or "",
                teams_client_secret=form.teams_client_secret.data or None,
                teams_organizer=form.teams_organizer.data or "",
            ),
            current,
        ),
        _("Meeting room settings saved. New and changed sessions get their rooms this way."),
        field="provider",
    ):
        return redirect(url_for("rooms.settings"))
    return render_template(
        "rooms/settings.html",
        form=form,
        current=current,
        problems=services.open_problems(organisation.id),
    )


@bp.route("/sessies/<id:session_id>/ruimte/opnieuw", methods=["POST"])
@roles(Role.FACILITATOR)
def retry(session_id: int) -> ResponseReturnValue:
    """Ask the retry job to try the session's room again at its next run."""
    room = queries.room_of(session_id)
    if room is None or not can_manage(current_user, room.session.cohort):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.retry_now(room),
            _("The room will be tried again within a few minutes."),
            "info",
        )
    return redirect(url_for("materials.session_materials", session_id=session_id))
