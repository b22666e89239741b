from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from learnpath.lti.cookies import LtiSessionInterface

bp = Blueprint("lti", __name__)


@bp.record_once
def _use_lti_cookie(state: BlueprintSetupState) -> None:
    """Use the launch-aware cookie sessions, inside any wrapper (e.g. sessionless feeds)."""
    app = state.app
    wrapper = app.session_interface  # type: ignore[attr-defined]
    if hasattr(wrapper, "inner"):
        wrapper.inner = LtiSessionInterface()
    else:
        app.session_interface = LtiSessionInterface()  # type: ignore[attr-defined]


from learnpath.lti import cli, views  # noqa: E402,F401
