"""Language and time zone per user: Dutch first, English second."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_babel import get_locale
from flask_login import current_user

from learnpath.content.schema import Text
from learnpath.extensions import babel


def current_locale() -> str:
    """The language texts are shown in now ("nl" or "en"; Dutch outside a request)."""
    return str(get_locale() or "nl")


def tx(text: Text | None) -> str:
    """A content text (Dutch and English) in the current language; "" for none."""
    return "" if text is None else text.get(current_locale())


def _signed_in() -> bool:
    return has_request_context() and current_user and current_user.is_authenticated


def select_locale() -> str:
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if _signed_in():
        return str(current_user.locale)
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return str(lang)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    if _signed_in():
        return str(current_user.organisation.timezone)
    return str(current_app.config["DEFAULT_TIMEZONE"])


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path) + "/translations")
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["DEFAULT_TIMEZONE"]
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals["current_locale"] = current_locale
