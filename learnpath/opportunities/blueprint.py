"""Pages of the kansenbank, and the helpers the assignment and plan pages use to show a
participant's accepted opportunities (so neither feature imports this one)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user

from learnpath.accounts.names import shown_name
from learnpath.i18n import tx
from learnpath.opportunities import queries
from learnpath.opportunities.models import Opportunity

bp = Blueprint("opportunities", __name__)

#: The competency the work-exploration assignments belong to (content).
WORK_EXPLORATION = "werkexploratie"


def _my_kansen() -> list[Opportunity]:
    """The signed-in participant's accepted opportunities (their own pages only)."""
    if not current_user.is_authenticated:
        return []
    return queries.accepted_for(current_user.id)


def _shared_kansen(owner_id: int) -> list[Opportunity]:
    """The accepted opportunities the plan's owner chose to show in their shared plan."""
    return queries.accepted_for(owner_id, shared_only=True)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "my_kansen": _my_kansen,
        "shared_kansen": _shared_kansen,
        "kansen_competency": WORK_EXPLORATION,
    }


@bp.context_processor
def _own_helpers() -> dict[str, Any]:
    return {"tx": tx, "shown_name": shown_name}


from learnpath.opportunities import views  # noqa: E402,F401
