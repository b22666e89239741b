"""What no view has to check itself: ids within the database's range, and no NUL characters.

Ids. Every primary key is a 32-bit ``INTEGER``; a larger number in a URL or a form would make
PostgreSQL refuse the query ("integer out of range") and SQLite overflow, i.e. an HTTP 500
instead of a 404. So:

- the URL converter ``<id:name>`` (registered by ``init_app``; use it for every id in a route)
  matches 1 .. ``MAX_ID`` only, anything else is a 404 like an id that does not exist;
- ``parse_id`` is the ``type=`` for ids read from ``request.form``/``request.args`` (an
  invalid one reads as missing), and the ``coerce`` for SelectFields whose values are ids;
- ``IdField`` is the (hidden) form field for one id.

NUL. A NUL character (``\\x00``) in text cannot be stored in PostgreSQL (psycopg refuses it) and
is never part of honest input, in one-line and multi-line fields alike. A before-request hook
refuses any request whose query, form values, field names, file names or URL path contain one,
with a 400 page that says why (single-line fields refuse CR/LF as well, in their own validator).
Reading the form here must not lift a smaller body limit of a view (LTI's login and launch):
such a view declares it with ``@limit_body(n)``, and the hook reads the body within it; a body
over the limit is left unread for the view to refuse in its own way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BaseConverter, ValidationError
from wtforms import IntegerField
from wtforms.validators import NumberRange
from wtforms.widgets import HiddenInput

#: The largest value of a 32-bit signed INTEGER column (every primary key).
MAX_ID = 2**31 - 1
NUL = "\x00"
F = TypeVar("F", bound=Callable[..., Any])


def parse_id(value: Any) -> int:
    """``value`` as an id (1 .. MAX_ID); ValueError if it is not one."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
            raise ValueError(value)
        number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


class IdConverter(BaseConverter):
    """``<id:name>``: a positive id that fits the database (else the route does not match: 404)."""

    regex = r"\d{1,10}"
    weight = 50  # like werkzeug's IntegerConverter

    def to_python(self, value: str) -> int:
        try:
            return parse_id(value)
        except ValueError:
            raise ValidationError() from None

    def to_url(self, value: Any) -> str:
        return str(int(value))


class IdField(IntegerField):
    """A hidden form field holding one id; a value out of range fails validation."""

    widget = HiddenInput()

    def __init__(
        self, label: Any = None, validators: Iterable[Any] | None = None, **kw: Any
    ) -> None:
        super().__init__(label, [*(validators or ()), NumberRange(1, MAX_ID)], **kw)


def limit_body(max_bytes: int) -> Callable[[F], F]:
    """Declare a view's own (smaller) request body limit, applied before anything reads it."""

    def decorator(view: F) -> F:
        view._max_content_length = max_bytes  # type: ignore[attr-defined]
        return view

    return decorator


def _has_nul(values: Iterable[str]) -> bool:
    return any(NUL in value for value in values)


def _refuse_nul() -> ResponseReturnValue | None:
    """Refuse a request that carries a NUL character anywhere a view could read it."""
    if NUL in request.path or _has_nul(
        text for item in request.args.items(multi=True) for text in item
    ):
        return _nul_page()
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "_max_content_length", None)
    if limit is not None:
        request.max_content_length = limit
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        return None  # left unread: the view (or the 413 page) refuses it
    if _has_nul(text for item in form.items(multi=True) for text in item) or _has_nul(
        text for name, upload in files.items(multi=True) for text in (name, upload.filename or "")
    ):
        return _nul_page()
    return None


def _nul_page() -> ResponseReturnValue:
    message = _(
        "The form contained a character that cannot be processed (a NUL character)."
        " Remove it and try again."
    )
    return render_template("errors/400.html", message=message), 400


def register_converters(app: Flask) -> None:
    """The ``id`` converter; call before blueprints are registered (their rules use it)."""
    app.url_map.converters["id"] = IdConverter


def init_app(app: Flask) -> None:
    register_converters(app)
    app.before_request(_refuse_nul)
