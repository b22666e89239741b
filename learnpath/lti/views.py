"""LTI endpoints: JWKS, OIDC login, launch, binding, Deep Linking, roster, registrations."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

import jwt
from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from pylti1p3.contrib.flask import FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from requests import RequestException
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from learnpath.accounts import signin
from learnpath.accounts.models import Role, User
from learnpath.cohorts.access import get_managed_cohort
from learnpath.cohorts.models import Cohort
from learnpath.extensions import csrf, db
from learnpath.lti import adapter, keys, platform_services, services
from learnpath.lti.blueprint import bp
from learnpath.lti.cookies import LTI_MARK
from learnpath.lti.forms import (
    ActionForm,
    BindForm,
    ConfirmLinkForm,
    DeepLinkForm,
    RegistrationForm,
)
from learnpath.lti.launch import (
    GENERIC_REFUSAL,
    Landing,
    Place,
    is_deep_linking,
    land,
    place_for,
    platform_origin,
    refusal_message,
)
from learnpath.lti.models import AdminRoleMapping, Registration, ResourceLink
from learnpath.web.access import public, roles, signed_in
from learnpath.web.actions import commit, discard
from learnpath.web.headers import allow_form_action, allow_framing_by
from learnpath.web.inputs import limit_body
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

_BIND_KEY = "lti_bind_link"
_DEEP_LINK_KEY = "lti_deep_link"
_PENDING_KEY = "lti_pending_link"
#: Seconds a launch waits for its person to confirm an existing account.
PENDING_LIFETIME = 15 * 60
#: Largest request body the login and launch endpoints read (an id_token is at most 64 KiB).
LTI_MAX_CONTENT_LENGTH = 128 * 1024


def _limit_body() -> bool:
    """Apply the LTI size limit; False when the request body is larger (nothing was parsed)."""
    request.max_content_length = LTI_MAX_CONTENT_LENGTH
    try:
        request.form  # noqa: B018 (reads the body now, within the limit)
    except RequestEntityTooLarge:
        return False
    return True


def _refuse(message: str, status: int = 400) -> ResponseReturnValue:
    if status != 413:  # a refused login or launch is shown in the platform's frame
        origin = _named_platform_origin()
        if origin:
            _allow_framing(origin)
    return render_template("lti/refused.html", message=message), status


def _named_platform_origin() -> str | None:
    """The origin of the registered platform that a login or launch request names.

    The request is not verified (it was refused): it only picks one of our registrations, whose
    own origin may then frame the refusal, which would otherwise show as a broken frame.
    """
    if request.endpoint == "lti.login":
        issuer, client_id = request.values.get("iss"), request.values.get("client_id")
    elif request.endpoint == "lti.launch":
        try:
            claims = jwt.decode(
                request.form.get("id_token", ""), options={"verify_signature": False}
            )
        except jwt.PyJWTError:
            return None
        audience = claims.get("aud")
        if isinstance(audience, list):
            audience = audience[0] if audience else None
        issuer, client_id = claims.get("iss"), claims.get("azp") or audience
    else:
        return None
    if not isinstance(issuer, str) or not isinstance(client_id, str):
        return None
    registration = adapter.registration_for(issuer, client_id)
    return platform_origin(registration) if registration is not None else None


@bp.after_app_request
def _frame_ancestors(response: Response) -> Response:
    """Inside a launch-created session, only the launching platform may frame learnpath."""
    origin = session.get(LTI_MARK) if session else None
    if origin:
        _allow_framing(origin)
    return response


def _allow_framing(origin: str) -> None:
    with suppress(ValueError):  # not a plain origin: the page stays unframeable (safe side)
        allow_framing_by(origin)


# --- tool endpoints -------------------------------------------------------------------------


@bp.route("/lti/jwks.json")
@public
def jwks() -> ResponseReturnValue:
    """Publish the tool's public keys (current and recently retired)."""
    response = jsonify(keys.jwks())
    response.cache_control.max_age = 300
    response.cache_control.public = True
    return response


@bp.route("/lti/login", methods=["GET", "POST"])
@public
@csrf.exempt
@limit_body(LTI_MAX_CONTENT_LENGTH)
def login() -> ResponseReturnValue:
    """OIDC third-party-initiated login: send the browser to the platform's auth endpoint."""
    if not _limit_body():
        return _refuse(str(GENERIC_REFUSAL), 413)
    if not adapter.login_allowed(request.remote_addr or "-", current_app.config):
        log.warning("LTI login rate limit hit by %s", request.remote_addr)
        return _refuse(_("Too many launches from your network. Wait a minute and try again."), 429)
    try:
        redirect_response = adapter.oidc_login(FlaskRequest()).redirect(external_url("lti.launch"))
    except (OIDCException, LtiException, keys.NoToolKey) as exc:
        discard()
        log.info("LTI login refused: %s", exc)
        return _refuse(refusal_message(str(exc)))
    commit()  # the nonce must be visible to whichever worker takes the launch
    return redirect_response


@bp.route("/lti/launch", methods=["POST"])
@public
@csrf.exempt
@limit_body(LTI_MAX_CONTENT_LENGTH)
def launch() -> ResponseReturnValue:
    """Validate a launch (signature, nonce, state, audience, deployment, expiry) and sign in."""
    if not _limit_body():
        return _refuse(str(GENERIC_REFUSAL), 413)
    message_launch = adapter.message_launch(FlaskRequest())
    try:
        claims = message_launch.get_launch_data()
    except (LtiException, RequestException, keys.NoToolKey) as exc:
        commit()  # a consumed nonce stays consumed
        log.info("LTI launch refused: %s", exc)
        return _refuse(refusal_message(str(exc)))
    commit()  # the login (state and nonce) is used up, whatever follows
    registration = adapter.registration_for(
        message_launch.get_iss(), message_launch.get_client_id()
    )
    if registration is None:  # deleted between validation steps
        abort(400)
    try:
        landing = land(registration, claims)
    except services.LtiError as exc:
        discard()
        return _refuse(str(exc), 403)
    deep_link_id = message_launch.get_launch_id() if is_deep_linking(claims) else None
    if landing.pending is not None:
        _await_confirmation(landing, registration, deep_link_id)
        commit()
        return redirect(url_for("lti.confirm_link"))
    commit()
    return _sign_in(landing, registration, deep_link_id)


def _sign_in(
    landing: Landing,
    registration: Registration,
    deep_link_id: str | None,
    *,
    linked: str | None = None,
) -> ResponseReturnValue:
    """Sign the launch's person in the way a password does (accounts.signin): first the second
    step, or setting it up, when they have or need one (admin, HR, facilitators where the
    organisation says so); then on to where the launch leads."""
    assert landing.user is not None
    origin = platform_origin(registration)
    keep: dict[str, Any] = {LTI_MARK: origin}
    if landing.link is not None:
        keep[_BIND_KEY] = landing.link.id
    if deep_link_id:
        keep[_DEEP_LINK_KEY] = deep_link_id
    flashes = [("success", linked)] if linked else []
    if landing.note:
        flashes.append(("info", landing.note))
    if flashes:
        # Flask keeps flashed messages under "_flashes": they wait for the second step.
        keep["_flashes"] = flashes
    # A launch's sign-in is logged when it completes; a confirmed link logged its own event.
    audit = None if linked else services.launch_audit(registration)
    response = signin.begin(landing.user, _destination(landing), keep=keep, audit=audit)
    # A pending second step lives in the launch's cookie and frame too.
    session[LTI_MARK] = origin
    if signin.PENDING_KEY not in session and landing.place in _NOTICES:
        return notice(landing.place.value)  # signed in already: the notice at once
    return response


def _await_confirmation(
    landing: Landing, registration: Registration, deep_link_id: str | None
) -> None:
    """Nobody is signed in: the launch session remembers what to link once confirmed."""
    assert landing.pending is not None
    session.clear()
    session[LTI_MARK] = platform_origin(registration)
    session[_PENDING_KEY] = {
        "link": landing.pending.as_dict(),
        "resource_link": landing.link.id if landing.link else None,
        "roles": sorted(r.value for r in landing.roles),
        "deep_link": deep_link_id,
        "until": int(time.time()) + PENDING_LIFETIME,
    }


@bp.route("/lti/account-koppelen", methods=["GET", "POST"])
@public
def confirm_link() -> ResponseReturnValue:
    """Link the platform account to an existing learnpath account by signing in as it once."""
    data = session.get(_PENDING_KEY)
    pending = services.PendingLink.from_dict(data.get("link")) if isinstance(data, dict) else None
    if pending is None or not isinstance(data, dict) or int(data.get("until", 0)) < time.time():
        session.pop(_PENDING_KEY, None)
        return _refuse(refusal_message("expired"))
    registration = db.session.get(Registration, pending.registration_id)
    account = db.session.get(User, pending.user_id)
    if registration is None or account is None:
        session.pop(_PENDING_KEY, None)
        return _refuse(refusal_message("expired"))
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        try:
            user = services.confirm_link(
                pending, form.password.data or "", request.remote_addr or "-"
            )
        except services.LinkNotConfirmed as exc:
            commit()  # the failed sign-in is counted (throttling)
            form.password.errors = [str(exc)]
        except services.LtiError as exc:
            discard()
            session.pop(_PENDING_KEY, None)
            return _refuse(str(exc), 403)
        else:
            link = db.session.get(ResourceLink, data.get("resource_link") or 0)
            roles = frozenset(Role(r) for r in data.get("roles", []))
            landing = place_for(user, roles, link, bool(data.get("deep_link")))
            commit()
            linked = _(
                "Your account on %(platform)s is now linked to this learnpath account. "
                "Your account page lists the linked learning platforms.",
                platform=registration.name,
            )
            return _sign_in(
                landing, registration, data.get("deep_link") or None, linked=str(linked)
            )
    status = 400 if form.errors else 200
    return render_template(
        "lti/confirm_link.html", form=form, registration=registration, account=account
    ), status


@bp.route("/account/leerplatforms")
@signed_in
def my_links() -> ResponseReturnValue:
    """The learning-platform accounts linked to the signed-in user, and how they were linked."""
    return render_template("lti/my_links.html", links=services.links_of(current_user))


def _destination(landing: Landing) -> str:
    """Where a launch leads once its person is signed in."""
    if landing.place == Place.COHORT and landing.cohort is not None:
        return url_for("cohorts.detail", cohort_id=landing.cohort.id)
    if landing.place == Place.PROGRAMME:
        return url_for("cohorts.my_programme")
    if landing.place == Place.BIND:
        return url_for("lti.bind")
    if landing.place == Place.DEEP_LINK:
        return url_for("lti.deep_link")
    kind = Place.NOT_READY if landing.place == Place.NOT_READY else Place.NOT_FACILITATOR
    return url_for("lti.notice", kind=kind.value)


_NOTICES = (Place.NOT_READY, Place.NOT_FACILITATOR)


@bp.route("/lti/melding/<kind>")
@signed_in
def notice(kind: str) -> ResponseReturnValue:
    """A launch that leads nowhere yet: the link is not bound, or to someone else's cohort
    (shown by the launch itself, or after the second step of signing in)."""
    if kind == Place.NOT_READY.value:
        message = _(
            "Your facilitator has not connected this link to a cohort yet. Try again later."
        )
    elif kind == Place.NOT_FACILITATOR.value:
        message = _("This link opens a cohort you do not facilitate. Ask one of its facilitators.")
    else:
        abort(404)
    return render_template("lti/notice.html", message=message)


# --- binding a link -------------------------------------------------------------------------


def _cohort_choices(form: BindForm | DeepLinkForm) -> list[Cohort]:
    choices = services.bindable_cohorts(current_user)
    form.cohort.choices = [SelectChoice(c.id, c.name) for c in choices]
    return choices


@bp.route("/lti/koppelen", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def bind() -> ResponseReturnValue:
    """Bind the link just launched to one of the instructor's cohorts."""
    link = db.session.get(ResourceLink, session.get(_BIND_KEY) or 0)
    if link is None or link.registration.organisation_id != current_user.organisation_id:
        abort(404)
    if link.cohort is not None:
        return redirect(url_for("lti.cohort_links", cohort_id=link.cohort.id))
    form = BindForm()
    choices = {c.id: c for c in _cohort_choices(form)}
    if form.validate_on_submit():
        try:
            cohort = choices[form.cohort.data]
            services.bind(link, cohort, current_user)
        except services.LtiError as exc:
            discard()
            form.cohort.errors = [str(exc)]
        else:
            commit()
            flash(_("The link now opens %(name)s.", name=cohort.name), "success")
            return redirect(url_for("lti.cohort_links", cohort_id=cohort.id))
    return render_template("lti/bind.html", form=form, link=link, has_cohorts=bool(choices))


@bp.route("/lti/deep-linking", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def deep_link() -> ResponseReturnValue:
    """Let the instructor pick a cohort and return a link to it to the platform."""
    launch_id = session.get(_DEEP_LINK_KEY)
    if not launch_id:
        abort(404)
    try:
        message_launch = adapter.restored_launch(launch_id, FlaskRequest())
    except LtiException:
        return _refuse(refusal_message("expired"))
    form = DeepLinkForm()
    choices = {c.id: c for c in _cohort_choices(form)}
    if form.validate_on_submit():
        cohort = choices[form.cohort.data]
        claims = message_launch.get_launch_data()
        registration = adapter.registration_for(
            message_launch.get_iss(), message_launch.get_client_id()
        )
        if registration is None or registration.organisation_id != current_user.organisation_id:
            abort(404)
        custom = services.binding_parameters(
            registration,
            str(claims.get(services.CLAIM + "deployment_id") or ""),
            _context_id(claims),
            cohort,
            current_user,
        )
        resource = (
            DeepLinkResource()
            .set_url(external_url("lti.launch"))
            .set_title(cohort.name)
            .set_custom_params(custom)
        )
        deep_link = message_launch.get_deep_link()
        token = deep_link.get_response_jwt([resource])
        session.pop(_DEEP_LINK_KEY, None)
        return_url = message_launch.get_launch_data()[
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
        ]["deep_link_return_url"]
        with suppress(ValueError):  # not an http(s) URL: the browser will refuse the post
            allow_form_action(_origin_of(return_url))
        return render_template("lti/deep_link_return.html", token=token, return_url=return_url)
    return render_template("lti/deep_link.html", form=form, has_cohorts=bool(choices))


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _context_id(claims: Mapping[str, Any]) -> str | None:
    context = claims.get(services.CLAIM + "context") or {}
    return str(context.get("id")) if isinstance(context, dict) and context.get("id") else None


# --- a cohort's links: roster and progress --------------------------------------------------


def _links_of(cohort: Cohort) -> list[ResourceLink]:
    return list(
        db.session.scalars(
            select(ResourceLink)
            .where(ResourceLink.cohort_id == cohort.id)
            .order_by(ResourceLink.id)
        )
    )


@bp.route("/cohorten/<id:cohort_id>/leerplatform")
@roles(Role.FACILITATOR)
def cohort_links(cohort_id: int) -> ResponseReturnValue:
    """Show the learning-platform links of a facilitated cohort, with roster import."""
    cohort = get_managed_cohort(cohort_id)
    return render_template(
        "lti/cohort_links.html", cohort=cohort, links=_links_of(cohort), form=ActionForm()
    )


@bp.route("/cohorten/<id:cohort_id>/leerplatform/<id:link_id>/deelnemers", methods=["POST"])
@roles(Role.FACILITATOR)
def import_roster(cohort_id: int, link_id: int) -> ResponseReturnValue:
    """Import or refresh the cohort's participants from the platform course."""
    cohort = get_managed_cohort(cohort_id)
    link = db.session.get(ResourceLink, link_id)
    if link is None or link.cohort_id != cohort.id or not ActionForm().validate_on_submit():
        abort(404)
    try:
        members = platform_services.fetch_members(link)
    except services.LtiError as exc:
        flash(str(exc), "error")
        return redirect(url_for("lti.cohort_links", cohort_id=cohort.id))
    result = platform_services.import_roster(link, current_user, members)
    commit()
    flash(
        _(
            "Roster imported: %(seated)s placed, %(waitlisted)s on the waitlist, %(already)s already in the cohort, %(refused)s not placed.",
            seated=result.seated,
            waitlisted=result.waitlisted,
            already=result.already,
            refused=len(result.refused),
        ),
        "success",
    )
    for name, reason in result.refused:
        flash(f"{name}: {reason}", "error")
    return redirect(url_for("lti.cohort_links", cohort_id=cohort.id))


# --- platform registrations (admin) ---------------------------------------------------------


def _tool_values() -> dict[str, str]:
    return {
        "login": external_url("lti.login"),
        "launch": external_url("lti.launch"),
        "jwks": external_url("lti.jwks"),
        "deep_link": external_url("lti.launch"),
    }


@bp.route("/beheer/leerplatforms")
@roles(Role.ADMIN)
def registrations() -> ResponseReturnValue:
    """List the organisation's platform registrations and the values to enter in a platform."""
    return render_template(
        "lti/registrations.html",
        registrations=services.registrations_of(current_user.organisation),
        tool=_tool_values(),
    )


def _own_registration(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.organisation_id != current_user.organisation_id:
        abort(404)
    return registration


def _data(form: RegistrationForm) -> services.RegistrationData:
    return services.RegistrationData(
        name=form.name.data or "",
        issuer=form.issuer.data or "",
        client_id=form.client_id.data or "",
        auth_login_url=form.auth_login_url.data or "",
        auth_token_url=form.auth_token_url.data or "",
        key_set_url=form.key_set_url.data or "",
        deployment_ids=services.parse_deployment_ids(form.deployment_ids.data or ""),
        auth_audience=form.auth_audience.data,
        admin_role=AdminRoleMapping(form.admin_role.data),
        link_by_email=bool(form.link_by_email.data),
    )


def _edit(registration: Registration | None) -> ResponseReturnValue:
    form = RegistrationForm(obj=registration)
    if registration is not None and request.method == "GET":
        form.deployment_ids.data = "\n".join(d.deployment_id for d in registration.deployments)
        form.admin_role.data = registration.admin_role.value
    if form.validate_on_submit():
        try:
            services.save_registration(
                current_user.organisation, _data(form), registration, actor=current_user
            )
        except services.LtiError as exc:
            discard()
            if exc.errors:
                for name, message in exc.errors.items():
                    getattr(form, name).errors = [message]
            else:
                form.client_id.errors = [str(exc)]
        else:
            commit()
            flash(_("Registration saved."), "success")
            return redirect(url_for("lti.registrations"))
    return render_template("lti/registration_form.html", form=form, registration=registration)


@bp.route("/beheer/leerplatforms/nieuw", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_registration() -> ResponseReturnValue:
    """Register a learning platform for the organisation."""
    return _edit(None)


@bp.route("/beheer/leerplatforms/<id:registration_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_registration(registration_id: int) -> ResponseReturnValue:
    """Change a platform registration of the organisation."""
    return _edit(_own_registration(registration_id))
