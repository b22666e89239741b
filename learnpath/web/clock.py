"""The time a page shows "now" for: the real time, or in browser tests a frozen one.

Outside production, when ``TEST_CLOCK_FILE`` (``LEARNPATH_TEST_CLOCK_FILE``) names a file holding
an ISO time, pages that ask ``page_now()`` use that time; an absent or empty file means the real
time. The browser journeys freeze the server's time with it (every worker reads the same file).
Production ignores the setting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from learnpath.db import utcnow


def page_now() -> datetime:
    """The current time in UTC, or the frozen test time."""
    name = current_app.config.get("TEST_CLOCK_FILE") or ""
    if not name or current_app.config.get("ENV") == "production":
        return utcnow()
    try:
        text = Path(name).read_text(encoding="utf-8").strip()
    except OSError:
        return utcnow()
    if not text:
        return utcnow()
    try:
        frozen = datetime.fromisoformat(text)
    except ValueError:
        return utcnow()
    return frozen.replace(tzinfo=UTC) if frozen.tzinfo is None else frozen.astimezone(UTC)
