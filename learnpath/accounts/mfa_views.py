"""Two-step verification: the second step of signing in, and setting it up on one's account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts import mfa, signin
from learnpath.accounts.blueprint import bp
from learnpath.accounts.mfa_forms import (
    CodeForm,
    DisableForm,
    EnrolForm,
    NewRecoveryCodesForm,
    StartEnrolForm,
)
from learnpath.accounts.models import User
from learnpath.web.access import public, signed_in
from learnpath.web.actions import commit, run_action, run_form_action, unit_of_work


def _expired() -> ResponseReturnValue:
    flash(_("Your sign-in has expired. Sign in again."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/tweede-stap", methods=["GET", "POST"])
@public
def mfa_challenge() -> ResponseReturnValue:
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    pending = signin.pending_user()
    if pending is None:
        return _expired()
    user, data = pending
    if not mfa.is_enrolled(user):  # reset by an administrator since this sign-in began
        if mfa.required_for(user):
            return redirect(url_for("accounts.mfa_setup_at_sign_in"))
        return signin.complete(user, data["next"], mfa_done=False, keep=data.get("keep"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            ok = mfa.verify(user, form.code.data or "", request.remote_addr or "-")
        except mfa.MfaThrottled as exc:
            form.code.errors = [str(exc)]
            page = render_template("accounts/mfa_challenge.html", form=form)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        commit()  # a wrong code is recorded too
        if ok:
            return signin.complete(user, data["next"], mfa_done=True, keep=data.get("keep"))
        form.code.errors = [_("This code is not correct.")]
    return render_template("accounts/mfa_challenge.html", form=form)


def _enrol_page(user: User, form: EnrolForm, template: str, **extra: object) -> str:
    secret = mfa.pending_secret(user) or ""
    uri = mfa.provisioning_uri(user, secret)
    return render_template(
        template,
        form=form,
        qr=mfa.qr_svg(uri),
        secret=mfa.grouped(secret),
        uri=uri,
        **extra,
    )


def _codes_page(codes: list[str], next_url: str) -> str:
    return render_template("accounts/mfa_recovery_codes.html", codes=codes, next_url=next_url)


@bp.route("/tweede-stap/instellen", methods=["GET", "POST"])
@public
def mfa_setup_at_sign_in() -> ResponseReturnValue:
    """Set up the authenticator before the first sign-in of someone whose role needs one."""
    pending = signin.pending_user()
    if pending is None:
        return _expired()
    user, data = pending
    if mfa.is_enrolled(user):
        return redirect(url_for("accounts.mfa_challenge"))
    form = EnrolForm()
    if mfa.pending_secret(user) is None:
        with unit_of_work():
            mfa.start_enrolment(user)
    if form.validate_on_submit():
        codes: list[str] = []

        def confirm() -> None:
            codes.extend(mfa.confirm_enrolment(user, form.code.data or ""))

        if run_form_action(form, confirm, None, field="code"):
            signin.complete(user, data["next"], mfa_done=True, keep=data.get("keep"))
            flash(_("Two-step verification is on."), "success")
            return _codes_page(codes, data["next"])
    return _enrol_page(user, form, "accounts/mfa_setup.html", at_sign_in=True)


@bp.route("/account/tweestapsverificatie")
@signed_in
def mfa_settings() -> ResponseReturnValue:
    """Whether two-step verification is on, with the actions that fit."""
    return render_template(
        "accounts/mfa_settings.html",
        enrolled=mfa.is_enrolled(current_user),
        required=mfa.required_for(current_user),
        codes_left=mfa.recovery_codes_left(current_user),
        start_form=StartEnrolForm(),
        codes_form=NewRecoveryCodesForm(),
        disable_form=DisableForm(),
    )


@bp.route("/account/tweestapsverificatie/instellen", methods=["GET", "POST"])
@signed_in
def mfa_setup() -> ResponseReturnValue:
    """Set up an authenticator app on one's own account."""
    if mfa.is_enrolled(current_user):
        flash(_("Two-step verification is already set up."), "info")
        return redirect(url_for("accounts.mfa_settings"))
    if mfa.pending_secret(current_user) is None:
        with unit_of_work():
            mfa.start_enrolment(current_user)
    form = EnrolForm()
    if form.validate_on_submit():
        codes: list[str] = []

        def confirm() -> None:
            codes.extend(mfa.confirm_enrolment(current_user, form.code.data or ""))

        if run_form_action(form, confirm, _("Two-step verification is on."), field="code"):
            session[signin.MFA_DONE_KEY] = True
            return _codes_page(codes, url_for("accounts.mfa_settings"))
    return _enrol_page(current_user, form, "accounts/mfa_setup.html", at_sign_in=False)


@bp.route("/account/tweestapsverificatie/herstelcodes", methods=["GET", "POST"])
@signed_in
def mfa_new_recovery_codes() -> ResponseReturnValue:
    """Ask, then make new recovery codes (the old ones stop working)."""
    form = NewRecoveryCodesForm()
    if form.validate_on_submit():
        codes: list[str] = []
        if run_action(
            lambda: codes.extend(mfa.regenerate_recovery_codes(current_user)),
            _("New recovery codes made; the old ones no longer work."),
        ):
            return _codes_page(codes, url_for("accounts.mfa_settings"))
        return redirect(url_for("accounts.mfa_settings"))
    return render_template("accounts/mfa_confirm.html", form=form, action="codes")


@bp.route("/account/tweestapsverificatie/uitzetten", methods=["GET", "POST"])
@signed_in
def mfa_disable() -> ResponseReturnValue:
    """Ask, then turn two-step verification off (not for roles that require it)."""
    form = DisableForm()
    if form.validate_on_submit():
        run_action(lambda: mfa.disable(current_user), _("Two-step verification is off."))
        return redirect(url_for("accounts.mfa_settings"))
    return render_template("accounts/mfa_confirm.html", form=form, action="disable")
