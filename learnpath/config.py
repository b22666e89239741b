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
    # A manager who has not acknowledged a shared action plan after this many days is reminded.
    "PLAN_ACK_REMINDER_DAYS": 7,
    # Failed-login throttling: at most this many failures per window, per account and per IP.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 30,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "INVITE_TOKEN_MAX_AGE_SECONDS": 14 * 24 * 3600,
    "RESET_TOKEN_MAX_AGE_SECONDS": 2 * 3600,
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
    "PLAN_ACK_REMINDER_DAYS",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT",
    "LOGIN_MAX_FAILURES_PER_IP",
    "LOGIN_FAILURE_WINDOW_SECONDS",
    "INVITE_TOKEN_MAX_AGE_SECONDS",
    "RESET_TOKEN_MAX_AGE_SECONDS",
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
    return {"pool_pre_ping": True}


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
