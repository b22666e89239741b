from __future__ import annotations

import pytest

from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.reports import services
from tests.reports.data import generate


@pytest.fixture
def big(org):
    """An organisation with three large departments and one small one (Bedrijfsvoering: 3),
    and 40 managers (ten per department) in workshop and intervision groups."""
    return generate(
        org,
        {"Sociaal domein": 34, "Ruimte": 21, "Economie": 12, "Bedrijfsvoering": 3},
        managers=40,
    )


def year_of(data) -> int:
    from sqlalchemy import func, select

    from learnpath.cohorts.models import CohortSession
    from learnpath.extensions import db

    first = db.session.scalar(
        select(func.min(CohortSession.starts_at)).where(
            CohortSession.cohort_id.in_([c.id for c in data.cohorts])
        )
    )
    return first.year if hasattr(first, "year") else int(str(first)[:4])


def hr(data, department_id=None):
    return services.hr_report(data.org, year_of(data), department_id, get_content(), utcnow())
