"""A message body as HTML: Markdown without raw HTML and with safe links only, or plain text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import markdown
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from learnpath.messages.models import BodyFormat

#: Link targets a message may carry: web pages and mail addresses (no javascript:, data: ...).
SAFE_SCHEMES = ("https://", "http://", "mailto:")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class _SafeLinks(Treeprocessor):
    """Drop a link target that is not a web or mail address, and every image (mail clients
    would fetch it: a tracking pixel); an image keeps its description as text. Headings start
    at level 3, below the page's own."""

    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for child in list(parent):
                if child.tag in HEADINGS:
                    child.tag = f"h{min(int(child.tag[1]) + 2, 6)}"
                elif child.tag == "img":
                    index = list(parent).index(child)
                    span = ET.Element("span")
                    span.text = child.get("alt", "")
                    span.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, span)
                elif child.tag == "a":
                    href = (child.get("href") or "").strip()
                    if not href.lower().startswith(SAFE_SCHEMES):
                        child.attrib.pop("href", None)
                    else:
                        child.set("rel", "noopener noreferrer")


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists"])
    # What a facilitator types is text: raw HTML is shown as text, never passed through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)
    return md


def render_body(body: str, body_format: BodyFormat | str) -> Markup:
    """The body as HTML: Markdown (escaped, safe links) or plain text with its line breaks."""
    if body_format == BodyFormat.MARKDOWN:
        return Markup(_markdown().convert(body))  # noqa: S704 - raw HTML disabled above
    paragraphs = [p for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in p.split("\n")))
        for p in paragraphs
    )
