from flask import Blueprint

bp = Blueprint("rooms", __name__)

from learnpath.rooms import views  # noqa: E402,F401
