from flask import Blueprint

bp = Blueprint("sso", __name__)


from learnpath.sso import views  # noqa: E402,F401
