"""The start page: what matters now for each of the user's roles."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from learnpath.accounts.models import Role
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.home.blueprint import bp
from learnpath.home.manager import manager_panel
from learnpath.web.access import signed_in


@bp.route("/")
@signed_in
def index() -> ResponseReturnValue:
    """Show the start page with a panel per role the user holds."""
    content = get_content()
    panel = manager_panel(current_user, utcnow()) if current_user.has_role(Role.MANAGER) else None
    return render_template(
        "home/index.html",
        user=current_user,
        competencies=list(content.competencies.values()),
        manager=panel,
    )
