from __future__ import annotations

from flask import Blueprint, g, session
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in
from sqlalchemy.orm import joinedload

from learnpath.accounts import services
from learnpath.accounts.models import Role, User
from learnpath.accounts.names import NameRule
from learnpath.extensions import db, login_manager

bp = Blueprint("accounts", __name__)


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    """Templates name roles as ``Role.FACILITATOR`` (with the web layer's ``has_role``)."""
    state.app.jinja_env.globals["Role"] = Role
    state.app.jinja_env.globals["shown_name"] = shown_name


def shown_name(person: User) -> str:
    """``person``'s name as the signed-in user may see it (learnpath.accounts.names); templates
    call it as ``shown_name(e.user)``. One rule per request."""
    rule = g.get("name_rule")
    if rule is None:
        viewer = current_user._get_current_object() if current_user.is_authenticated else None
        rule = g.name_rule = NameRule(viewer)
    return rule(person)


login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Sign in to see this page.")
login_manager.login_message_category = "info"


#: The session key holding the session's own random id (see learnpath.accounts.services).
SESSION_ID_KEY = "sid"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the user of a session id "<id>:<fingerprint>:<epoch>" (``User.get_id``).

    The session ends on the server when the password changes (fingerprint), when the user signs
    out everywhere or is deactivated (epoch, and ``is_active``), and when this session was signed
    out of (its id is in ended_sessions): a copy of the cookie then signs no one in.
    """
    user_id = session_id.partition(":")[0]
    if not user_id.isdigit():
        return None
    # The roles in the same statement (every request asks them): one query instead of two.
    user = db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])
    if user is None or not user.is_active or user.get_id() != session_id:
        return None
    sid = session.get(SESSION_ID_KEY)
    if isinstance(sid, str) and services.session_ended(sid):
        return None
    return user


@user_logged_in.connect
def _give_the_session_an_id(sender: object, user: User, **extra: object) -> None:
    """Every sign-in (form, account link, LTI launch) gets a new id, so it can be ended alone."""
    session[SESSION_ID_KEY] = services.new_session_id()


from learnpath.accounts import mfa_views, signup_views, views, visibility_views  # noqa: E402,F401
