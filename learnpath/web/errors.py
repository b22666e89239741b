"""Friendly error pages."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from learnpath.extensions import db

log = logging.getLogger(__name__)


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    template = f"errors/{code}.html" if code in (400, 403, 404, 405, 429) else "errors/generic.html"
    return render_template(template, error=error), code


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_template("errors/csrf.html", error=error), 400


def _server_error(error: Exception) -> tuple[str, int]:
    log.exception("unhandled error", exc_info=error)
    db.session.rollback()
    return render_template("errors/500.html"), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    if not app.testing or not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, _server_error)
