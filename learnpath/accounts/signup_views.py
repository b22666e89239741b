"""Sign-up by work address (/aanmelden) and the administrator's email domains
(/beheer/e-maildomeinen)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from learnpath.accounts import signin, signup
from learnpath.accounts.blueprint import bp
from learnpath.accounts.models import OrganisationEmailDomain, Role
from learnpath.accounts.services import InvalidLink
from learnpath.accounts.signup_forms import DomainForm, RemoveDomainForm, SignupForm
from learnpath.extensions import db
from learnpath.i18n import current_locale
from learnpath.web.access import public, roles
from learnpath.web.actions import run_action, run_form_action, show_on_form, unit_of_work


@bp.route("/aanmelden", methods=["GET", "POST"])
@public
def signup_page() -> ResponseReturnValue:
    """Screen 1: work address, name and password; a confirmation link goes to the address."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignupForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            signup.request_signup(
                form.email.data or "",
                form.name.data or "",
                form.password.data or "",
                request.remote_addr or "-",
                str(current_locale()),
            )
        if work.refusal is None:
            session["signup_email"] = (form.email.data or "").strip().lower()
            return redirect(url_for("accounts.signup_sent"))
        if isinstance(work.refusal, signup.SignupThrottled):
            flash(work.message, "error")
            page = render_template("accounts/signup.html", form=form)
            return page, 429, {"Retry-After": str(work.refusal.retry_after)}
        show_on_form(form, work, field="email")
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/signup.html", form=form), status


@bp.route("/aanmelden/verstuurd")
@public
def signup_sent() -> ResponseReturnValue:
    """Screen 2: look in your mailbox."""
    return render_template("accounts/signup_sent.html", email=session.get("signup_email"))


@bp.route("/aanmelden/bevestigen/<token>")
@public
def confirm_signup(token: str) -> ResponseReturnValue:
    """The link from the mail: make the account, sign in, and show the open cohorts (screen 3)."""
    with unit_of_work((InvalidLink,)) as work:
        user = signup.complete_signup(token)
    if work.refusal is not None:
        return render_template("accounts/invalid_link.html", message=work.message), 400
    logout_user()
    response = signin.begin(user, url_for("cohorts.open_list"))  # clears the session first
    flash(
        _("Welcome, %(name)s. Your account is ready: choose a cohort.", name=user.name), "success"
    )
    return response


# --- the administrator's list of domains --------------------------------------------------


@bp.route("/beheer/e-maildomeinen", methods=["GET", "POST"])
@roles(Role.ADMIN)
def email_domains() -> ResponseReturnValue:
    """The organisation's email domains: people with such an address may sign up themselves."""
    organisation = current_user.organisation
    form = DomainForm()
    status = 200
    if form.validate_on_submit():
        if run_form_action(
            form,
            lambda: signup.add_domain(organisation, form.domain.data or ""),
            _("The domain has been added."),
            field="domain",
        ):
            return redirect(url_for("accounts.email_domains"))
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template(
        "accounts/email_domains.html",
        form=form,
        domains=signup.domains_of(organisation),
        signup_url=url_for("accounts.signup_page", _external=True),
    ), status


@bp.route("/beheer/e-maildomeinen/<id:domain_id>/verwijderen", methods=["GET", "POST"])
@roles(Role.ADMIN)
def remove_email_domain(domain_id: int) -> ResponseReturnValue:
    """Ask, then take a domain off the list (accounts made with it stay)."""
    row = db.session.get(OrganisationEmailDomain, domain_id)
    if row is None or row.organisation_id != current_user.organisation_id:
        abort(404)
    form = RemoveDomainForm()
    if form.validate_on_submit():
        domain = row.domain
        if run_action(
            lambda: signup.remove_domain(current_user.organisation, domain_id),
            _("%(domain)s has been removed from the list.", domain=domain),
        ):
            return redirect(url_for("accounts.email_domains"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/remove_email_domain.html", form=form, domain=row), status
