from flask import Blueprint

bp = Blueprint("materials", __name__)

from learnpath.materials import views  # noqa: E402,F401
