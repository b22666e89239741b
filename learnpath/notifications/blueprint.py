from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/dev")

from learnpath.notifications import views  # noqa: E402,F401
