from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint
from flask_login import current_user

from learnpath.certificates import services
from learnpath.cohorts.models import Cohort, Enrolment
from learnpath.content_registry import get_content

bp = Blueprint("certificates", __name__)


def _mine() -> list[Enrolment]:
    return services.earned_by(current_user, get_content())


def _of_cohort(cohort: Cohort, enrolments: Sequence[Enrolment] | None = None) -> list[Enrolment]:
    return services.earned_in(cohort, get_content(), enrolments)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    # The programme page and the cohort page include the certificate partials; these load
    # them (a few queries each), so cohorts never imports certificates.
    return {"my_certificates": _mine, "cohort_certificates": _of_cohort}


from learnpath.certificates import views  # noqa: E402,F401
