from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l

from learnpath.accounts.models import Role, User
from learnpath.extensions import db, login_manager

bp = Blueprint("accounts", __name__)


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    """Templates name roles as ``Role.FACILITATOR`` (with the web layer's ``has_role``)."""
    state.app.jinja_env.globals["Role"] = Role


login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Sign in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the user of a session id "<id>:<fingerprint>"; a changed password ends the session."""
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.credential_fingerprint != fingerprint:
        return None
    return user


from learnpath.accounts import views  # noqa: E402,F401
