from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import format_decimal
from flask_babel import gettext as _

from learnpath.i18n import tx
from learnpath.web.markdown import render_markdown

bp = Blueprint("assignments", __name__)


def score(value: float | None, signed: bool = False) -> str:
    """A score with one decimal in the current language (2,5 in Dutch); "–" when missing."""
    if value is None:
        return "–"
    return str(format_decimal(value, format="+0.0;-0.0" if signed else "0.0"))


@bp.app_template_global()
def state_labels() -> dict[str, str]:
    """The labels of an assignment's states (and "Overdue") in the current language, for
    ``state_badge`` in templates/assignments/_state.html: a page with many cells (the progress
    matrix) translates them once, not once per cell."""
    return {
        "not_started": _("Not started"),
        "draft": _("Draft"),
        "submitted": _("Handed in"),
        "late": _("Handed in late"),
        "reviewed": _("Reviewed"),
        "action_plan": _("In the action session"),
        "overdue": _("Overdue"),
    }


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"tx": tx, "render_markdown": render_markdown, "score": score}


from learnpath.assignments import views  # noqa: E402,F401
