"""Template filters: times in the user's organisation zone, formatted in their language."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_time

from learnpath.timefmt import for_user


def local_datetime(value: datetime | None, fmt: str = "EEEE d MMMM y, HH:mm") -> str:
    return "" if value is None else format_datetime(value, fmt)


def local_date(value: datetime | None, fmt: str = "d MMMM y") -> str:
    return "" if value is None else format_date(value, fmt)


def local_time(value: datetime | None) -> str:
    return "" if value is None else format_time(value, "HH:mm")


def init_app(app: Flask) -> None:
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(local_time, "time")
    app.add_template_filter(for_user, "for_user")
