"""The personal settings page "Privacy en zichtbaarheid" (learnpath.accounts.visibility)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts import visibility
from learnpath.accounts.blueprint import bp
from learnpath.accounts.forms import VisibilityForm
from learnpath.web.access import signed_in
from learnpath.web.actions import commit


@bp.route("/account/zichtbaarheid", methods=["GET", "POST"])
@signed_in
def visibility_page() -> ResponseReturnValue:
    """Choose how one's name is shown to other organisations and whether the calendar is
    discreet."""
    form = VisibilityForm()
    if request.method == "GET":
        form.first_name_only_elsewhere.data = current_user.first_name_only_elsewhere
        form.discreet_calendar.data = current_user.discreet_calendar
    if form.validate_on_submit():
        visibility.set_visibility(
            current_user,
            first_name_only_elsewhere=bool(form.first_name_only_elsewhere.data),
            discreet_calendar=bool(form.discreet_calendar.data),
        )
        commit()
        flash(_("Your settings have been saved."), "success")
        return redirect(url_for("accounts.visibility_page"))
    return render_template("accounts/visibility.html", form=form)
