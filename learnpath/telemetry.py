"""What an operator sees of a running process: the request id, JSON log lines and the metrics.

Core, so the job runner (``learnpath.jobs``) and the outbox can use it; the web side (request
hooks, ``/metrics``) lives in ``learnpath.ops``.

**Request id.** Every request gets an id (the ``X-Request-ID`` header a proxy sent, when it is a
plain token, otherwise a new one); it is in the request's log line, in the response header, and
stored with each message the request queues, so the delivery's log line names it too.

**Logs.** ``configure_logging`` makes every ``learnpath`` logger write one JSON object per line:
time, level, logger, message, the current request id and the fields passed as ``extra``
(``log.info("request", extra={"endpoint": ..., "status": ...})``). Only ids, names of endpoints
and jobs, counts and durations go there, never a person's name, address or content.

**Metrics.** prometheus-client's default registry; under gunicorn (``PROMETHEUS_MULTIPROC_DIR``
set by ``gunicorn.conf.py``) every process writes its own file and ``/metrics`` adds them up.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram

#: The id of the request (or job run) being handled in this context, if any.
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "learnpath_request_id", default=None
)
#: An incoming X-Request-ID is kept only when it is a short plain token.
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id() -> str | None:
    """The current request's id, or None outside a request."""
    return _request_id.get()


def start_request(incoming: str | None) -> tuple[str, contextvars.Token[str | None]]:
    """Take the incoming id when it is a plain token (else make one) and make it current."""
    rid = incoming if incoming and _TOKEN.fullmatch(incoming) else uuid.uuid4().hex
    return rid, _request_id.set(rid)


def end_request(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


# --- logs -------------------------------------------------------------------------------------

#: Attributes every LogRecord has; anything else on a record came in through ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, request_id and the ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id()
        if rid:
            line["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


_HANDLER_NAME = "learnpath-json"


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """Send the ``learnpath`` loggers' records as JSON lines to stderr (once per process)."""
    logger = logging.getLogger("learnpath")
    if any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


# --- metrics ----------------------------------------------------------------------------------

#: Request latency buckets (seconds).
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUESTS = Counter(
    "learnpath_http_requests", "HTTP requests handled", ["endpoint", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "learnpath_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["endpoint"],
    buckets=_BUCKETS,
)
JOB_RUNS = Counter("learnpath_job_runs", "Scheduler job runs", ["job"])
JOB_FAILURES = Counter("learnpath_job_failures", "Scheduler job runs that raised", ["job"])
JOB_SECONDS = Histogram(
    "learnpath_job_duration_seconds", "Time a scheduler job run takes", ["job"], buckets=_BUCKETS
)
#: How long a sign-up held its cohort's row lock (the lock, the deciding INSERT and the COMMIT
#: in one round trip: learnpath.cohorts.locking). Issue #17.5 wants at most 2 ms.
SIGNUP_LOCK_SECONDS = Histogram(
    "learnpath_signup_lock_seconds",
    "Time a sign-up held its cohort's row lock",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)
PROMOTIONS = Counter(
    "learnpath_waitlist_promotions", "Waitlisted people who were offered or given a seat"
)


def multiprocess_dir() -> str | None:
    """The folder of prometheus-client's multi-process mode, when this process uses it."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
