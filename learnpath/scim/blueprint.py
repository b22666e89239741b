from __future__ import annotations

from flask import Blueprint

bp = Blueprint("scim", __name__)

from learnpath.scim import admin_views, cli, views  # noqa: E402,F401
