"""Sign in and out, invitation and password-reset links, language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from learnpath.accounts import services, signin
from learnpath.accounts.blueprint import SESSION_ID_KEY, bp
from learnpath.accounts.forms import (
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    MailPreferencesForm,
    SetPasswordForm,
    SignOutEverywhereForm,
)
from learnpath.accounts.models import User
from learnpath.extensions import db
from learnpath.notifications import preferences
from learnpath.web.access import public, signed_in
from learnpath.web.actions import commit, run_form_action


def _safe_next(target: str | None) -> str:
    """Only follow relative ``next`` targets on this site."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data or "", form.password.data or "", request.remote_addr or "-"
            )
        except services.LoginThrottled as exc:  # only this source waits (nothing recorded)
            flash(str(exc), "error")
            page = render_template("accounts/login.html", form=form)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        commit()
        if user is None:
            flash(_("The email address or password is not correct."), "error")
            return render_template("accounts/login.html", form=form), 200
        if not user.organisation.password_sign_in:
            flash(
                _("Your organisation signs in with its own account: use the button below."), "error"
            )
            return render_template("accounts/login.html", form=form, sso_email=user.email), 200
        return signin.begin(user, _safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout() -> ResponseReturnValue:
    """Sign out (POST with CSRF token, so no link can sign someone out).

    The session also ends on the server: a copy of its cookie no longer signs anyone in.
    """
    if current_user.is_authenticated:
        services.end_session(current_user, session.get(SESSION_ID_KEY))
        commit()
    at_provider = session.get(signin.PROVIDER_LOGOUT_KEY)  # RP-initiated logout (learnpath.sso)
    logout_user()
    session.clear()
    flash(_("You have been signed out."), "info")
    return redirect(at_provider if isinstance(at_provider, str) else url_for("accounts.login"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@public
def forgot_password() -> ResponseReturnValue:
    """Ask for a password-reset link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(form.email.data or "", request.remote_addr or "-")
        except services.ResetThrottled as exc:
            flash(str(exc), "error")
            page = render_template("accounts/forgot_password.html", form=form)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        commit()
        flash(
            _("If an account exists for this address, we have sent a link to reset the password."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


def _use_link(purpose: str, token: str, template: str) -> ResponseReturnValue:
    """Show the set-password form for a valid link; on submit, set the password and sign in."""
    try:
        user = services.user_for_token(token, purpose)
    except services.InvalidLink as exc:
        return render_template("accounts/invalid_link.html", message=str(exc)), 400
    if not user.organisation.password_sign_in:
        message = _("Your organisation signs in with its own account; no password is needed.")
        return render_template("accounts/invalid_link.html", message=message), 400
    form = SetPasswordForm()
    if form.validate_on_submit() and run_form_action(
        form, lambda: services.set_password(user, form.password.data or ""), None, field="password"
    ):
        logout_user()
        response = signin.begin(user, url_for("home.index"))  # the second step, if any
        flash(_("Your password has been saved."), "success")  # after clear(), which drops flashes
        return response
    return render_template(template, form=form, user=user)


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@public
def accept_invite(token: str) -> ResponseReturnValue:
    """Accept an invitation by choosing a password."""
    return _use_link("invite", token, "accounts/accept_invite.html")


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password through a reset link."""
    return _use_link("reset", token, "accounts/reset_password.html")


@bp.route("/taal", methods=["POST"])
@public
def switch_language() -> ResponseReturnValue:
    """Switch the interface language (kept on the account when signed in)."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account")
@signed_in
def account() -> ResponseReturnValue:
    """Show the signed-in user's own account details."""
    return render_template("accounts/account.html", user=current_user)


@bp.route("/account/overal-uitloggen", methods=["GET", "POST"])
@signed_in
def sign_out_everywhere() -> ResponseReturnValue:
    """Ask, then end every session of the signed-in user on every device, this one too."""
    form = SignOutEverywhereForm()
    if form.validate_on_submit():
        services.end_all_sessions(current_user)
        commit()
        logout_user()
        session.clear()
        flash(_("You have been signed out on all devices."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/sign_out_everywhere.html", form=form)


def _preferences_page(user: User, token: str | None) -> ResponseReturnValue:
    form = MailPreferencesForm()
    if request.method == "GET":
        form.session_reminders.data = user.wants_session_reminders
        form.assignment_reminders.data = user.wants_assignment_reminders
        form.locale.data = user.locale
    if form.validate_on_submit():
        preferences.set_preferences(
            user,
            session_reminders=bool(form.session_reminders.data),
            assignment_reminders=bool(form.assignment_reminders.data),
            locale=form.locale.data or user.locale,
        )
        commit()
        flash(_("Your preferences have been saved."), "success")
        return redirect(request.path)
    return render_template("accounts/preferences.html", form=form, user=user, token=token)


@bp.route("/account/meldingen", methods=["GET", "POST"])
@signed_in
def preferences_page() -> ResponseReturnValue:
    """Choose which reminders to receive."""
    return _preferences_page(current_user, None)


@bp.route("/meldingen/<token>", methods=["GET", "POST"])
@public
def mail_preferences(token: str) -> ResponseReturnValue:
    """The one-click page linked from every reminder: change reminders without signing in."""
    user_id = preferences.user_id_for_preferences_token(token)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        abort(404)
    return _preferences_page(user, token)
