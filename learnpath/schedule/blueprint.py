from flask import Blueprint

bp = Blueprint("schedule", __name__, url_prefix="/cohorten/<id:cohort_id>")

from learnpath.schedule import views  # noqa: E402,F401
