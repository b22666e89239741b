"""Signing in with the organisation's OpenID provider, and its registration by an admin."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learnpath.accounts import mfa, signin
from learnpath.accounts.models import Organisation, Role
from learnpath.sso import services
from learnpath.sso.blueprint import bp
from learnpath.sso.forms import OrganisationEmailForm, ProviderForm, SecurityForm
from learnpath.sso.models import MfaClaim, OidcProvider
from learnpath.web.access import public, roles
from learnpath.web.actions import commit, discard, run_action, run_form_action
from learnpath.web.headers import allow_form_action

#: The session key holding the ``state`` of the sign-in this browser started.
STATE_KEY = "oidc_state"


@bp.before_app_request
def _allow_sign_out_at_the_provider() -> None:
    """The sign-out button posts to learnpath, which sends the browser on to the provider
    (RP-initiated logout): the Content-Security-Policy must let that form go there."""
    target = session.get(signin.PROVIDER_LOGOUT_KEY)
    if isinstance(target, str):
        parts = urlsplit(target)
        if parts.scheme in ("http", "https") and parts.netloc:
            allow_form_action(f"{parts.scheme}://{parts.netloc}")


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:500]
    return None


def _refused(message: str, status: int = 400) -> ResponseReturnValue:
    return render_template("sso/refused.html", message=message), status


@bp.route("/inloggen/organisatie", methods=["POST"])
@public
def find_provider() -> ResponseReturnValue:
    """The login page's "sign in with your organisation": find it by the email domain."""
    form = OrganisationEmailForm()
    if not form.validate_on_submit():
        flash(_("Enter your work email address."), "error")
        return redirect(url_for("accounts.login"))
    provider = services.provider_for_email(form.email.data or "")
    if provider is None:
        flash(
            _("Your organisation has no sign-in of its own here: sign in with your password."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    # A page with the button, not a redirect to the provider: the login page's forms may only
    # lead to learnpath itself (Content-Security-Policy form-action).
    return redirect(url_for("sso.organisation_page", slug=provider.organisation.slug))


@bp.route("/inloggen/via/<slug>")
@public
def organisation_page(slug: str) -> ResponseReturnValue:
    """The per-organisation link: a page with "Inloggen met <organisatie>"."""
    provider = services.provider_for_slug(slug)
    if provider is None:
        abort(404)
    return render_template("sso/organisation.html", provider=provider)


@bp.route("/inloggen/via/<slug>/start")
@public
def start(slug: str) -> ResponseReturnValue:
    """Send the browser to the organisation's provider (Authorization Code with PKCE)."""
    provider = services.provider_for_slug(slug)
    if provider is None:
        abort(404)
    per_minute = int(current_app.config["SSO_STARTS_PER_MINUTE_PER_IP"])
    allowed = services.start_allowed(request.remote_addr or "-", per_minute)
    commit()  # counted even when the start fails below, and seen by every server
    if not allowed:
        page = render_template(
            "sso/refused.html",
            message=_("Too many sign-ins from your network. Wait a minute and try again."),
            title=_("Too many sign-ins"),
        )
        return page, 429, {"Retry-After": "60"}
    try:
        started = services.start_login(provider, _safe_next(request.args.get("next")))
    except services.SsoError as exc:
        discard()
        return _refused(str(exc), 503)
    commit()
    session[STATE_KEY] = started.state
    return redirect(started.url)


@bp.route("/inloggen/terug")
@public
def callback() -> ResponseReturnValue:
    """Where the provider sends the browser back (the redirect URI)."""
    session_state = session.pop(STATE_KEY, None)
    try:
        result = services.finish_login(
            request.args.get("state", "")[:200],
            session_state if isinstance(session_state, str) else None,
            request.args.get("code", "")[:2000] or None,
            request.args.get("error", "")[:100] or None,
        )
    except services.SsoError as exc:
        discard()
        _use_up(request.args.get("state", "")[:200])
        return _refused(str(exc), 403)
    commit()
    keep = {signin.PROVIDER_LOGOUT_KEY: result.logout_url} if result.logout_url else {}
    return signin.begin(
        result.user,
        result.next_url or url_for("home.index"),
        mfa_done=result.mfa_done,
        keep=keep,
    )


def _use_up(state: str) -> None:
    """A refused callback still uses its pending login up (nothing else is kept)."""
    services.discard_pending(state)
    commit()


@bp.route("/inloggen/uitgelogd")
@public
def signed_out() -> ResponseReturnValue:
    """Where the provider sends the browser after signing out there too."""
    return redirect(url_for("accounts.login"))


# --- the organisation's settings (admin) ---------------------------------------------------


def _data(form: ProviderForm) -> services.ProviderData:
    return services.ProviderData(
        issuer=form.issuer.data or "",
        client_id=form.client_id.data or "",
        client_secret=form.client_secret.data or None,
        allowed_domains=form.allowed_domains.data or "",
        department_claim=form.department_claim.data,
        mfa_claim=MfaClaim(form.mfa_claim.data),
        mfa_values=form.mfa_values.data or "",
        enabled=bool(form.enabled.data),
        password_sign_in=bool(form.password_sign_in.data),
    )


def _settings_page(
    form: ProviderForm, security: SecurityForm, provider: OidcProvider | None
) -> str:
    organisation: Organisation = current_user.organisation
    return render_template(
        "sso/settings.html",
        form=form,
        security=security,
        provider=provider,
        redirect_uri=services.callback_url(),
        logout_uri=url_for("sso.signed_out", _external=False),
        login_link=url_for("sso.organisation_page", slug=organisation.slug),
        base_url=request.host_url.rstrip("/"),
    )


@bp.route("/beheer/inloggen", methods=["GET", "POST"])
@roles(Role.ADMIN)
def settings() -> ResponseReturnValue:
    """Register (or change) the organisation's OpenID provider."""
    organisation: Organisation = current_user.organisation
    provider = services.provider_of(organisation)
    form = ProviderForm(obj=provider)
    if request.method == "GET":
        form.password_sign_in.data = organisation.password_sign_in
        if provider is not None:
            form.mfa_claim.data = provider.mfa_claim.value
            form.allowed_domains.data = "\n".join(provider.domains)
    security = SecurityForm(formdata=None, mfa_for_facilitators=organisation.mfa_for_facilitators)
    if form.validate_on_submit() and run_form_action(
        form,
        lambda: services.save_provider(organisation, _data(form), provider, current_user),
        _("Sign-in settings saved."),
        field="issuer",
    ):
        return redirect(url_for("sso.settings"))
    return _settings_page(form, security, provider)


@bp.route("/beheer/inloggen/beveiliging", methods=["POST"])
@roles(Role.ADMIN)
def security_settings() -> ResponseReturnValue:
    """Whether facilitators, too, must use two-step verification."""
    form = SecurityForm()
    if form.validate_on_submit():
        organisation: Organisation = current_user.organisation
        run_action(
            lambda: mfa.set_facilitator_policy(organisation, bool(form.mfa_for_facilitators.data)),
            _("Security settings saved."),
        )
    return redirect(url_for("sso.settings"))
