from __future__ import annotations

from typing import Any

import markdown
from flask import Blueprint
from flask_babel import format_decimal
from markupsafe import Markup

from learnpath.i18n import tx

bp = Blueprint("assignments", __name__)


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists"])
    # Content is ours, but raw HTML in it is never passed through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def render_markdown(text: str) -> Markup:
    """Render Markdown from content files as HTML (raw HTML is escaped)."""
    return Markup(_markdown().convert(text))  # noqa: S704 - raw HTML disabled above


def score(value: float | None, signed: bool = False) -> str:
    """A score with one decimal in the current language (2,5 in Dutch); "–" when missing."""
    if value is None:
        return "–"
    return str(format_decimal(value, format="+0.0;-0.0" if signed else "0.0"))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"tx": tx, "render_markdown": render_markdown, "score": score}


from learnpath.assignments import views  # noqa: E402,F401
