"""Friendly error pages."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, render_template, session
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from learnpath.extensions import db

log = logging.getLogger(__name__)


def _sessionless() -> bool:
    """A request served without a session (a calendar feed: ``ical.sessionless``). The pages
    below show the header's forms, whose CSRF token needs a session: such a request gets
    plain text instead (a calendar app shows no page anyway)."""
    return current_app.session_interface.is_null_session(session)


def _plain(code: int, name: str, headers: list[tuple[str, str]] | None = None) -> Response:
    response = Response(f"{code} {name}\n", status=code, content_type="text/plain; charset=utf-8")
    for key, value in headers or []:
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def _http_error(error: HTTPException) -> tuple[str, int] | Response:
    code = error.code or 500
    if _sessionless():
        return _plain(code, error.name, error.get_headers())
    template = f"errors/{code}.html" if code in (400, 403, 404, 405, 429) else "errors/generic.html"
    return render_template(template, error=error), code


def _csrf_error(error: CSRFError) -> tuple[str, int] | Response:
    if _sessionless():
        return _plain(400, error.name)
    return render_template("errors/csrf.html", error=error), 400


def _server_error(error: Exception) -> tuple[str, int] | Response:
    log.exception("unhandled error", exc_info=error)
    db.session.rollback()
    if _sessionless():
        return _plain(500, "Internal Server Error")
    return render_template("errors/500.html"), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    if not app.testing or not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, _server_error)
