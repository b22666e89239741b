"""Configuration defaults and the LEARNPATH_* environment variables.

Precedence (low to high): defaults here, environment variables, the mapping passed to create_app.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "SECRET_KEY": None,
    "DEFAULT_TIMEZONE": "Europe/Amsterdam",
    "CONTENT_DIR": str(PROJECT_ROOT),
    "BASE_URL": "http://127.0.0.1:5000",
    "MAIL_FROM": "learnpath <noreply@learnpath.local>",
    # Mail delivery: "file" writes .eml files to instance/mail (development default),
    # "smtp" sends through the SMTP server below (production default).
    "MAIL_BACKEND": None,
    "SMTP_HOST": "localhost",
    "SMTP_PORT": 25,
    "SMTP_SECURITY": "none",  # none | starttls | ssl
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_TIMEOUT_SECONDS": 30,
    # A claimed message whose sender died is handed out again after this many seconds.
    "OUTBOX_LEASE_SECONDS": 300,
    "OUTBOX_BATCH_SIZE": 50,
    "OUTBOX_MAX_ATTEMPTS": 8,
    # Scheduler: how often each job runs (seconds).
    "SCHEDULER_DELIVERY_INTERVAL": 30,
    "SCHEDULER_REMINDER_INTERVAL": 300,
    # Seconds between a waiting scheduler's tries to take the lease, and the holder's heartbeats.
    "SCHEDULER_LEASE_INTERVAL": 15,
    # Folder of the "file" mail backend (default: instance/mail).
    "MAIL_DIR": None,
    # Bearer token that /metrics asks for (Prometheus); without one /metrics does not exist.
    "METRICS_TOKEN": None,
    # Seconds after a commit that the report versions are raised, together for the commits of
    # a process in that time (learnpath.reports.freshness); None: 0.25 on PostgreSQL (several
    # workers and servers, rushes of writes), 0 (at once) on SQLite and in tests.
    "REPORT_VERSION_DELAY": None,
    # Seconds an HR report computed before a change may still be shown (marked with the time
    # of its figures) while the job report_snapshots computes it again; after that the page
    # computes it itself (learnpath.reports.snapshots). None: 120, and 0 in tests.
    "REPORT_LAG_SECONDS": None,
    # A manager who has not acknowledged a shared action plan after this many days is reminded.
    "PLAN_ACK_REMINDER_DAYS": 7,
    # Failed-login throttling (learnpath.accounts.services.authenticate): a source (IP address,
    # IPv6 /64) may get one account's password wrong this many times per window, and any
    # accounts' this many times in all; after that only that source waits before its next try,
    # LOGIN_BACKOFF_SECONDS at first, doubling with each further failure (at most the window).
    # A correct password from any other source is never refused.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 30,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "LOGIN_BACKOFF_SECONDS": 60,
    # Password-reset requests: at most this many mails per address, and requests per source,
    # per window (keep the window shorter than RESET_TOKEN_MAX_AGE_SECONDS: an address that had
    # its share of links is sent no new one, so the last one sent must still be valid).
    "RESET_MAX_PER_ADDRESS": 3,
    "RESET_MAX_PER_SOURCE": 10,
    "RESET_WINDOW_SECONDS": 3600,
    # Number of reverse proxies in front of the app whose X-Forwarded-For / X-Forwarded-Proto
    # are trusted (Werkzeug ProxyFix); 0: use the connecting address as it is.
    "TRUSTED_PROXIES": 0,
    "INVITE_TOKEN_MAX_AGE_SECONDS": 14 * 24 * 3600,
    "RESET_TOKEN_MAX_AGE_SECONDS": 2 * 3600,
    # Largest request body any endpoint reads (bytes); the LTI login and launch read less.
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # LTI: development only (ignored in production): allow http:// platform URLs on loopback.
    "LTI_ALLOW_HTTP_LOOPBACK": False,
    # LTI: seconds to wait for a platform's key set (and other platform fetches).
    "LTI_FETCH_TIMEOUT_SECONDS": 5,
    # LTI: OIDC logins per minute per IP address (per worker), and pending logins in all.
    "LTI_LOGINS_PER_MINUTE_PER_IP": 30,
    "LTI_MAX_PENDING_LOGINS": 5000,
    # OpenID Connect: sign-ins started per minute per source (counted in the database).
    "SSO_STARTS_PER_MINUTE_PER_IP": 30,
    # Development only: administrators read their own organisation's queued mail at /dev/outbox
    # (LEARNPATH_DEV_OUTBOX=1; `make run` sets it for the demo). Always off in production.
    "DEV_OUTBOX": False,
    # Browser tests only (ignored in production): a file with an ISO time that start pages use
    # as "now" (learnpath/web/clock.py); absent or empty means the real time.
    "TEST_CLOCK_FILE": "",
    "BABEL_DEFAULT_LOCALE": "nl",
    "LANGUAGES": ("nl", "en"),
}

#: Environment variables that are read as integers.
_INT_KEYS = {
    "SMTP_PORT",
    "SMTP_TIMEOUT_SECONDS",
    "OUTBOX_LEASE_SECONDS",
    "OUTBOX_BATCH_SIZE",
    "OUTBOX_MAX_ATTEMPTS",
    "SCHEDULER_DELIVERY_INTERVAL",
    "SCHEDULER_REMINDER_INTERVAL",
    "SCHEDULER_LEASE_INTERVAL",
    "PLAN_ACK_REMINDER_DAYS",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT",
    "LOGIN_MAX_FAILURES_PER_IP",
    "LOGIN_FAILURE_WINDOW_SECONDS",
    "LOGIN_BACKOFF_SECONDS",
    "RESET_MAX_PER_ADDRESS",
    "RESET_MAX_PER_SOURCE",
    "RESET_WINDOW_SECONDS",
    "TRUSTED_PROXIES",
    "INVITE_TOKEN_MAX_AGE_SECONDS",
    "RESET_TOKEN_MAX_AGE_SECONDS",
    "MAX_CONTENT_LENGTH",
    "LTI_FETCH_TIMEOUT_SECONDS",
    "LTI_LOGINS_PER_MINUTE_PER_IP",
    "LTI_MAX_PENDING_LOGINS",
    "SSO_STARTS_PER_MINUTE_PER_IP",
}


class ConfigError(RuntimeError):
    """The configuration cannot be used (e.g. production without a secret key)."""


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings given as LEARNPATH_<KEY> environment variables."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for key in DEFAULTS:
        raw = environ.get(f"LEARNPATH_{key}")
        if raw is None or raw == "":
            continue
        values[key] = int(raw) if key in _INT_KEYS else raw
    return values


def build_config(instance_path: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge defaults, environment and overrides into the Flask config values."""
    values: dict[str, Any] = {**DEFAULTS, **from_environment(), **dict(overrides or {})}
    production = values["ENV"] == "production"
    if not values.get("SECRET_KEY"):
        if production:
            raise ConfigError("LEARNPATH_SECRET_KEY must be set when LEARNPATH_ENV=production.")
        values["SECRET_KEY"] = _local_secret_key(Path(instance_path))
    database_url = values.get("DATABASE_URL") or values.get("SQLALCHEMY_DATABASE_URI")
    if not database_url:
        database_url = f"sqlite:///{Path(instance_path) / 'learnpath.sqlite3'}"
    values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)
    values.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(values["SQLALCHEMY_DATABASE_URI"])
    )
    testing = bool(values.get("TESTING"))
    postgres = values["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    _seconds(values, "REPORT_VERSION_DELAY", 0.25 if postgres and not testing else 0.0)
    _seconds(values, "REPORT_LAG_SECONDS", 0.0 if testing else 120.0)
    values["DEV_OUTBOX"] = not production and is_on(values.get("DEV_OUTBOX"))
    if not values.get("MAIL_BACKEND"):
        # A first run has no mail server: development writes .eml files, production sends.
        values["MAIL_BACKEND"] = "smtp" if production else "file"
    values.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=production,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
    )
    return values


def _seconds(values: dict[str, Any], key: str, default: float) -> None:
    """Set ``values[key]`` to a number of seconds (at least 0), ``default`` when not given."""
    if values.get(key) in (None, ""):
        values[key] = default
    try:
        values[key] = max(0.0, float(values[key]))
    except (TypeError, ValueError):
        raise ConfigError(f"LEARNPATH_{key} must be a number of seconds.") from None


def is_on(value: object) -> bool:
    """A switch given as True or as text such as "1", "true", "yes", "on"."""
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str) -> dict[str, Any]:
    """Return engine options that suit the database behind url."""
    if url.startswith("sqlite"):
        # Several threads (dev server, tests) share the file; wait for locks instead of failing.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # Connections idle for a while are tested before use (``db.configure_pool``), not all.
    return {}


def _local_secret_key(instance: Path) -> str:
    """Read, or create once, a random secret key kept in the instance folder."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
