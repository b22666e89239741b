"""Read the forms of a page as a browser would, so tests submit what the page really offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    #: name -> values a browser would send as the page stands (checked boxes, selected options)
    values: dict[str, list[str]] = field(default_factory=dict)
    #: select name -> every option value offered
    options: dict[str, list[str]] = field(default_factory=dict)
    #: checkbox / radio name -> every value offered
    choices: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)

    def data(self, **changes: str | list[str]) -> dict[str, list[str]]:
        """The values to post, with ``changes`` applied (a list for several values)."""
        values = dict(self.values)
        for name, value in changes.items():
            values[name] = value if isinstance(value, list) else [value]
        return values


class _Parser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action") or self.page_url, (a.get("method") or "get").lower())
            self.forms.append(self._form)
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.values.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                form.values[name] = [a.get("value", "")]
        elif tag == "textarea" and name:
            form.values[name] = [""]
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            form.options[name] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            form.options[self._select].append(value)
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                form.values[self._select] = [value]
                self._select_chosen = True
        elif tag == "button":
            self._button = []

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form.values[self._select] = [self._select_first]
            self._select = None
        elif tag == "button" and self._button is not None and self._form is not None:
            self._form.buttons.append(" ".join("".join(self._button).split()))
            self._button = None


def forms_of(html: str, page_url: str = "") -> list[Form]:
    parser = _Parser(page_url)
    parser.feed(html)
    return parser.forms


def form_posting_to(html: str, action: str, page_url: str = "") -> Form:
    """The one form of the page that posts to ``action``."""
    found = [f for f in forms_of(html, page_url) if f.method == "post" and f.action == action]
    assert len(found) == 1, f"{len(found)} forms post to {action}"
    return found[0]
