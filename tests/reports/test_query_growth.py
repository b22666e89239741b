"""The HR reports run a fixed number of queries (issue 17): not more for a larger
organisation, nor for more data of other organisations (the rest of the country)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts.models import CohortSession
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.live.models import EvaluationAnswer, EvaluationReceipt
from tests.reports.conftest import year_of
from tests.reports.data import generate
from tests.test_page_query_counts import recorded


def _evaluated(data, per_session: int) -> None:
    """``per_session`` answered evaluations of every held session of ``data``'s cohorts."""
    now = utcnow()
    sessions = db.session.scalars(
        select(CohortSession).where(
            CohortSession.cohort_id.in_([c.id for c in data.cohorts]),
            CohortSession.starts_at <= now,
        )
    ).all()
    people = [f.user.id for f in data.facts]
    for session in sessions:
        for user_id in people[:per_session]:
            db.session.add(EvaluationReceipt(session_id=session.id, user_id=user_id))
        for i in range(per_session):
            db.session.add(
                EvaluationAnswer(
                    session_id=session.id,
                    response_id=f"r{session.id}-{i}",
                    item_slug="nuttig",
                    score=1 + i % 5,
                )
            )
    db.session.commit()


def _statements(client, login_as, user, url: str) -> list[str]:
    login_as(user)
    assert client.get(url).status_code == 200  # warm up
    db.session.expire_all()
    with recorded() as statements:
        assert client.get(url).status_code == 200
    return statements


def _period(data) -> str:
    year = year_of(data)
    return f"van={year - 1}-01-01&tot={year + 1}-12-31"


def test_evaluation_query_count_does_not_grow_with_people_or_assessments(
    client, login_as, make_user, make_org
):
    small = generate(make_org(), {"A": 12}, cohorts=2, seed=1, managers=6)
    large = generate(make_org(), {"A": 60, "B": 40}, cohorts=9, seed=2, managers=40)
    # the small organisation's sessions have no evaluations, the large one's enough to show
    _evaluated(large, 9)
    few = _statements(
        client,
        login_as,
        make_user(Role.HR, organisation=small.org),
        f"/rapportage/evaluatie?{_period(small)}",
    )
    many = _statements(
        client,
        login_as,
        make_user(Role.HR, organisation=large.org),
        f"/rapportage/evaluatie?{_period(large)}",
    )
    assert len(few) == len(many), "\n---\n".join(few + ["======"] + many)


def test_dashboard_queries_do_not_grow_with_other_organisations_data(
    client, login_as, make_user, org, make_org
):
    data = generate(org, {"A": 14, "B": 9}, cohorts=2, seed=5, managers=10)
    hr = make_user(Role.HR, organisation=org)
    year = year_of(data)
    urls = [
        f"/rapportage/organisatie?jaar={year}",
        f"/rapportage/evaluatie?{_period(data)}",
        f"/rapportage/organisatie/status.csv?jaar={year}",
    ]
    before = [_statements(client, login_as, hr, url) for url in urls]
    other = generate(make_org(), {"A": 50, "C": 30}, cohorts=7, seed=6, managers=30)
    _evaluated(other, 7)
    # the other organisation's cohorts start around the same time as ours
    assert abs(other.cohorts[0].signup_opens_at - data.cohorts[0].signup_opens_at) < timedelta(
        days=400
    )
    after = [_statements(client, login_as, hr, url) for url in urls]
    for url, old, new in zip(urls, before, after, strict=True):
        assert len(new) == len(old), url + "\n" + "\n---\n".join(new)
