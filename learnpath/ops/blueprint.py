"""Probes, metrics and the per-request log line (hooks for every request of the app)."""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import inspect as sa_inspect
from werkzeug.wrappers import Response

from learnpath import telemetry
from learnpath.ops import health, metrics
from learnpath.web.access import public

bp = Blueprint("ops", __name__)
log = logging.getLogger("learnpath.requests")

#: Probes a load balancer calls every few seconds: counted, not logged.
_QUIET = {"ops.healthz", "ops.readyz"}


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """The process is up (no database access)."""
    return jsonify(status="ok")


@bp.route("/readyz")
@public
def readyz() -> ResponseReturnValue:
    """Ready for traffic: database, migrations, content, scheduler heartbeat (503 otherwise)."""
    checks = health.readiness(current_app._get_current_object())  # type: ignore[attr-defined]
    ready = all(check.ok for check in checks)
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return jsonify(body), 200 if ready else 503


@bp.route("/metrics")
@public
def metrics_page() -> ResponseReturnValue:
    """Prometheus metrics, for the bearer of LEARNPATH_METRICS_TOKEN only (404 without one)."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        return Response("Not Found\n", 404, mimetype="text/plain")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(
            "Unauthorized\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    return Response(metrics.exposition(), mimetype="text/plain; version=0.0.4; charset=utf-8")


# --- every request: its id, its log line, its metrics -------------------------------------------


def _start() -> None:
    g.request_started = time.perf_counter()
    rid, token = telemetry.start_request(request.headers.get("X-Request-ID"))
    g.request_id, g.request_id_token = rid, token


def _user_id() -> int | None:
    """The signed-in user's id for the log line, read without touching the database: after
    the request's commit the user's attributes are expired, and reading ``id`` or
    ``is_authenticated`` would load the row and its roles again (two statements per POST)."""
    user = g.get("_login_user")  # Flask-Login's user, when this request loaded it
    if user is None or getattr(user, "is_anonymous", True):
        return None
    state = sa_inspect(user, raiseerr=False)
    if state is not None and state.identity:
        return int(state.identity[0])
    return getattr(user, "id", None)


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "unmatched"
    response.headers["X-Request-ID"] = g.request_id
    telemetry.REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    telemetry.REQUEST_SECONDS.labels(endpoint).observe(seconds)
    if endpoint not in _QUIET:
        log.info(
            "%s %s %s",
            request.method,
            endpoint,
            response.status_code,
            extra={
                "event": "request",
                "method": request.method,
                "endpoint": endpoint,
                "status": response.status_code,
                "ms": round(seconds * 1000, 1),
                "user_id": _user_id(),
            },
        )
    return response


def _teardown(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        telemetry.end_request(token)


@bp.record_once
def _install(state: object) -> None:
    app: Flask = state.app  # type: ignore[attr-defined]
    # First of all hooks, so the id and the clock exist before access checks may refuse.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_teardown)
    if not app.testing:
        telemetry.configure_logging()
