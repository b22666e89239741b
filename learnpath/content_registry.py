"""The programme content the running app uses, loaded and checked once at start."""

from __future__ import annotations

from flask import Flask, current_app

from learnpath.content import Content, load_content


def init_app(app: Flask) -> None:
    """Load the content; a ContentError (listing every problem) stops the app from starting."""
    app.extensions["learnpath_content"] = load_content(app.config["CONTENT_DIR"])


def get_content() -> Content:
    return current_app.extensions["learnpath_content"]
