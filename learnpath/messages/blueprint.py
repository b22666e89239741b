from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user

from learnpath.cohorts.models import Cohort
from learnpath.messages import queries
from learnpath.messages.models import Audience, CohortMessage
from learnpath.messages.render import render_body

bp = Blueprint("messages", __name__)


def _mine(cohort_id: int) -> list[CohortMessage]:
    return queries.visible_to(current_user, cohort_id)


def _archive(cohort: Cohort) -> list[CohortMessage]:
    return queries.archive(cohort)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    # The cohort page, the programme page and the group page include the message partials;
    # these helpers load their messages (one query each), so cohorts never imports messages.
    return {
        "cohort_message_archive": _archive,
        "my_cohort_messages": _mine,
        "message_body": render_body,
        "audience_labels": Audience.labels(),
    }


from learnpath.messages import views  # noqa: E402,F401
