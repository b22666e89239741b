from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

from learnpath.privacy import cli, own_views, views  # noqa: E402,F401
