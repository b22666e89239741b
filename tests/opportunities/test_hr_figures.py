"""The organisation's HR report counts the kansenbank opportunities its people took, at home
and elsewhere, protected like every other figure."""

from __future__ import annotations

from datetime import UTC, datetime

from learnpath.accounts.models import Role
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.opportunities import services
from learnpath.reports.services import hr_report
from tests.opportunities.helpers import COMPETENCIES, offer_data


def _table(org, today):
    for year in (today.year, today.year + 1):
        report, _selection = hr_report(
            org, year, None, get_content(), today, only=["opportunities"]
        )
        if not report.too_small:
            return year, report.table("opportunities")
    raise AssertionError("no year with registrations")


def test_taken_opportunities_in_the_hr_report_are_protected(kb, make_group, make_user):
    group = make_group(size=5)
    today = datetime.now(UTC)
    year, table = _table(kb.a, today)
    assert table is not None and [c.text for c in table.rows[0].cells] == ["0", "0", "0"]
    when = datetime(year, 6, 1, tzinfo=UTC)
    elsewhere = services.offer(
        kb.offerer, offer_data(places=10, network_id=kb.network.id), COMPETENCIES
    )
    at_home = services.offer(make_user(Role.FACILITATOR), offer_data(places=10), COMPETENCIES)
    for person in group.participants:
        services.decide(services.respond(elsewhere, person, "Graag"), kb.offerer, True, when)
    db.session.commit()
    _year, table = _table(kb.a, today)
    assert [c.text for c in table.rows[0].cells] == ["5", "0", "5"]
    home_offerer = db.session.get(type(kb.offerer), at_home.offered_by_id)
    services.decide(
        services.respond(at_home, group.participants[0], "Ja"), home_offerer, True, when
    )
    db.session.commit()
    _year, table = _table(kb.a, today)
    # One at home is a small group, and the other cell would give it away (6 - 5).
    total, here, there = (c.text for c in table.rows[0].cells)
    assert here == "< 5" and there == "verborgen" and total in ("6", "verborgen")
    # Organisation B's HR sees nothing of A's people.
    _year, other = _table_or_none(kb.b, today)
    assert other is None or all(c.text in ("0",) for c in other.rows[0].cells)


def _table_or_none(org, today):
    report, _selection = hr_report(
        org, today.year, None, get_content(), today, only=["opportunities"]
    )
    return today.year, report.table("opportunities")
