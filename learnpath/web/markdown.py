"""Markdown from content files as HTML, with raw HTML never passed through."""

from __future__ import annotations

import markdown
from markupsafe import Markup


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists"])
    # Content is ours, but raw HTML in it is never passed through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def render_markdown(text: str) -> Markup:
    """Render Markdown from content files as HTML (raw HTML is escaped)."""
    return Markup(_markdown().convert(text))  # noqa: S704 - raw HTML disabled above
