"""Pages of live sessions: the join URL, "ik kan niet komen", the evaluation and its results."""

from __future__ import annotations

from flask import Blueprint

from learnpath.i18n import tx

bp = Blueprint("live", __name__)


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {"tx": tx}


from learnpath.live import views  # noqa: E402,F401
