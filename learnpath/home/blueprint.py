"""The start page of each role."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from flask_babel import format_timedelta

from learnpath.i18n import tx
from learnpath.web.clock import page_now

bp = Blueprint("home", __name__)


def countdown(moment: datetime) -> str:
    """How long until ``moment``, in words ("over 3 dagen", "in 2 hours")."""
    return str(format_timedelta(moment - page_now(), add_direction=True, threshold=1.0))


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {"tx": tx, "countdown": countdown}


from learnpath.home import views  # noqa: E402,F401
