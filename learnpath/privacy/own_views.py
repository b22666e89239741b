"""The person's own privacy page: what is held, download it all, ask for (or withdraw) erasure."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from learnpath.privacy import requests
from learnpath.privacy.blueprint import bp
from learnpath.privacy.forms import ErasureRequestForm
from learnpath.web.access import signed_in
from learnpath.web.actions import run_action


def _page(form: ErasureRequestForm, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "privacy/mine.html",
            form=form,
            withdraw_form=FlaskForm(),
            open_request=requests.open_request(current_user),
        ),
        status,
    )


@bp.route("/mijn-gegevens")
@signed_in
def mine() -> ResponseReturnValue:
    """What the platform holds about me, the download, and erasure on request."""
    return _page(ErasureRequestForm())


@bp.route("/mijn-gegevens.zip")
@signed_in
def my_data_zip() -> ResponseReturnValue:
    """Everything about the signed-in person in one zip (JSON and action plan exports)."""
    return Response(
        requests.personal_zip(current_user),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{requests.filename(current_user)}"',
            "Cache-Control": "no-store, private",
        },
    )


@bp.route("/mijn-gegevens/wissen", methods=["POST"])
@signed_in
def request_erasure() -> ResponseReturnValue:
    """Ask the organisation's admins to erase my personal data."""
    form = ErasureRequestForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    run_action(
        lambda: requests.request_erasure(current_user),
        _("Your request has been sent. An administrator of your organisation carries it out."),
    )
    return redirect(url_for("privacy.mine"))


@bp.route("/mijn-gegevens/wissen/intrekken", methods=["POST"])
@signed_in
def withdraw_erasure() -> ResponseReturnValue:
    """Withdraw an open erasure request."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    run_action(lambda: requests.withdraw_request(current_user), _("Your request is withdrawn."))
    return redirect(url_for("privacy.mine"))
