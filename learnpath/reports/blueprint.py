from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/rapportage")

from learnpath.reports import views  # noqa: E402,F401
