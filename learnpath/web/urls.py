"""Absolute links for mails, calendars and the CLI, built from BASE_URL (no request needed)."""

from __future__ import annotations

from typing import Any

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """Return BASE_URL + the path of endpoint; works outside a request (CLI, scheduler)."""
    adapter = current_app.url_map.bind("localhost")
    path = adapter.build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path
