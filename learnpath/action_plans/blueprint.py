from __future__ import annotations

from flask import Blueprint

bp = Blueprint("action_plans", __name__)

from learnpath.action_plans import views  # noqa: E402,F401
