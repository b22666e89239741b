"""The programme content the running app uses, loaded and checked once at start."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from learnpath.content import Content, load_content
from learnpath.content.parse import content_files, content_version

#: Content already read and checked, by (directory, hash of its files): the objects are
#: immutable, so apps created from unchanged files (tests, workers) share them.
_LOADED: dict[tuple[str, str], Content] = {}


def init_app(app: Flask) -> None:
    """Load the content; a ContentError (listing every problem) stops the app from starting."""
    root = Path(app.config["CONTENT_DIR"]).resolve()
    key = (str(root), content_version(root, content_files(root)))
    if key not in _LOADED:
        _LOADED[key] = load_content(root)
    app.extensions["learnpath_content"] = _LOADED[key]


def get_content() -> Content:
    return current_app.extensions["learnpath_content"]
