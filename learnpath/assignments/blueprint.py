from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import format_decimal

from learnpath.i18n import tx
from learnpath.web.markdown import render_markdown

bp = Blueprint("assignments", __name__)


def score(value: float | None, signed: bool = False) -> str:
    """A score with one decimal in the current language (2,5 in Dutch); "–" when missing."""
    if value is None:
        return "–"
    return str(format_decimal(value, format="+0.0;-0.0" if signed else "0.0"))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"tx": tx, "render_markdown": render_markdown, "score": score}


from learnpath.assignments import views  # noqa: E402,F401
