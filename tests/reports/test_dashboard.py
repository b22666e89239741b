"""The HR dashboard: every figure against an independent computation, and suppression."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import event

from learnpath.accounts.models import Role
from learnpath.extensions import db
from tests.reports import expected
from tests.reports.conftest import hr, year_of
from tests.reports.data import SLUGS, generate

K = 5


def _check(cell, value):
    """A visible cell equals the independent value; a small value is never shown."""
    if cell.value is None:
        assert (
            value is None
            or not (isinstance(value, int) and value >= K)
            or cell.text == "verborgen"
            or cell.text == "hidden"
        )
    else:
        assert cell.value == value
    if isinstance(value, int) and 0 < value < K:
        assert cell.value is None and cell.text == f"< {K}"


def test_every_figure_matches_an_independent_computation(big):
    report, selection = hr(big)
    assert not report.too_small
    facts = big.facts

    status = report.table("status")
    for row, value in zip(status.rows, expected.status(facts), strict=True):
        _check(row.cells[0], value)
    _check(status.total.cells[0], len(facts))

    people = expected.people_per_department(facts)
    depts = report.table("departments")
    by_label = {row.label: row for row in depts.rows}
    for name in ("Sociaal domein", "Ruimte", "Bedrijfsvoering"):
        _check(by_label[name].cells[0], people[name])
    assert by_label["Bedrijfsvoering"].cells[0].value is None  # 3 people

    attendance = expected.attendance(facts)
    for row, slug in zip(report.table("attendance").rows, SLUGS, strict=True):
        for cell, status_ in zip(row.cells[:3], ("present", "excused", "absent"), strict=True):
            _check(cell, attendance[slug][status_])
        _check(row.cells[3], sum(attendance[slug].values()))

    handed = expected.handed_in(facts)
    for row, (done, took) in zip(report.table("assignments").rows, handed.values(), strict=True):
        _check(row.cells[0], done)
        _check(row.cells[1], took - done)
        _check(row.cells[2], took)

    drop = expected.dropout(facts)
    for row, value in zip(report.table("dropout").rows, drop.values(), strict=True):
        _check(row.cells[0], value)

    means = expected.competency_means(facts)
    for row, (n, start, end, change) in zip(
        report.table("competencies").rows, means.values(), strict=True
    ):
        _check(row.cells[0], n)
        assert n >= K
        assert (row.cells[1].value, row.cells[2].value, row.cells[3].value) == (start, end, change)

    cohorts = report.table("cohorts")
    for row, cohort in zip(cohorts.rows, big.cohorts, strict=True):
        _check(row.cells[2], sum(1 for f in facts if f.cohort is cohort))


def _dept_id(data, name):
    return data.departments[name].id


def test_small_department_cannot_be_chosen_and_no_department_reveals_another(big):
    _report, selection = hr(big)
    allowed = dict(selection.departments)
    assert _dept_id(big, "Bedrijfsvoering") not in allowed
    _report, refused = hr(big, _dept_id(big, "Bedrijfsvoering"))
    assert refused.refused and refused.department_id is None

    all_view, _ = hr(big)
    views = {d: hr(big, d)[0] for d in allowed}
    # per group only for the whole organisation: a department view lists no groups at all
    assert all(not views[d].table("cohorts").rows for d in allowed)
    for table in all_view.tables:
        if table.slug in ("departments", "competencies", "cohorts"):
            continue
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                if cell.value is None:
                    continue
                parts = [views[d].table(table.slug).rows[r].cells[c].value for d in allowed]
                shown = [v for v in parts if v is not None]
                # what is left after subtracting the shown departments is 0 or a group of K+
                rest = cell.value - sum(shown)
                if (table.slug, c) in (
                    ("attendance", 4),
                    ("assignments", 3),
                    ("action_plans", 3),
                    ("goals", 6),
                    ("manager_tracks", 5),
                ):
                    continue  # shares, not counts
                if (table.slug, c) == ("manager_tracks", 1):
                    continue  # meetings of groups, which managers of several departments share
                assert rest == 0 or rest >= K, (table.slug, r, c, parts, cell.value)


def test_html_and_csv_show_small_cells_as_markers_only(client, login_as, make_user, big):
    login_as(make_user(Role.HR, organisation=big.org))
    year = year_of(big)
    html = client.get(f"/rapportage/organisatie?jaar={year}").text
    assert "&lt; 5" in html
    assert "Generated Person" not in html and "@example.org" not in html
    report, _ = hr(big)
    for table in report.tables:
        body = client.get(f"/rapportage/organisatie/{table.slug}.csv?jaar={year}").text
        # Dutch Excel: a byte-order mark, ";" and decimal commas
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
        assert rows[0] == list(table.headers)
        for row, shown in zip(
            rows[1:], [*table.rows, *([table.total] if table.total else [])], strict=True
        ):
            assert row == [shown.label, *(c.raw.replace(".", ",") for c in shown.cells)]
            for cell in shown.cells:
                if cell.value is None and cell.raw:
                    assert not re.fullmatch(r"\d+", cell.raw)


def test_threshold_seven_hides_more_and_bad_input_is_refused(client, login_as, make_user, big):
    login_as(make_user(Role.ADMIN, organisation=big.org))
    response = client.post("/rapportage/organisatie/drempel", data={"threshold": "3"})
    assert response.status_code == 400 and 'value="3"' in response.text
    assert (
        client.post("/rapportage/organisatie/drempel", data={"threshold": "abc"}).status_code == 400
    )
    response = client.post("/rapportage/organisatie/drempel", data={"threshold": "7"})
    assert response.status_code == 302
    db.session.refresh(big.org)
    assert big.org.report_min_group == 7
    html = client.get(f"/rapportage/organisatie?jaar={year_of(big)}").text
    assert "&lt; 7" in html


def test_hr_sees_only_their_own_organisation(client, login_as, make_user, make_org, big):
    other = make_org()
    login_as(make_user(Role.HR, organisation=other))
    html = client.get(f"/rapportage/organisatie?jaar={year_of(big)}").text
    assert "Groep 1" not in html
    assert (
        client.get(f"/rapportage/organisatie?afdeling={_dept_id(big, 'Ruimte')}").status_code == 200
    )


def test_dashboard_query_count_does_not_grow_with_cohorts(app, make_org):
    from learnpath.content_registry import get_content
    from learnpath.db import utcnow
    from learnpath.reports import services

    small = generate(make_org(), {"A": 20}, cohorts=2, seed=1, managers=6)
    large = generate(make_org(), {"A": 60, "B": 30}, cohorts=8, seed=2, managers=60)
    content = get_content()

    def count(data):
        year, org = year_of(data), data.org
        org.report_min_group  # loaded before counting  # noqa: B018
        statements = []

        def before(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            report, _ = services.hr_report(org, year, None, content, utcnow())
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        slugs = {t.slug for t in report.tables}
        assert {"action_plans", "goals", "results", "manager_tracks"} <= slugs
        return statements

    few, many = count(small), count(large)
    assert len(few) == len(many), "\n---\n".join(few + ["======"] + many)


def test_a_one_table_csv_builds_only_that_table(client, login_as, make_user, big):
    from learnpath.content_registry import get_content
    from learnpath.db import utcnow
    from learnpath.reports import services

    year = year_of(big)
    report, _ = services.hr_report(big.org, year, None, get_content(), utcnow(), only=("status",))
    assert [t.slug for t in report.tables] == ["status"]
    login_as(make_user(Role.HR, organisation=big.org))
    client.get(f"/rapportage/organisatie?jaar={year}")  # warm up

    def statements(url):
        seen = []

        def before(*args):
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return seen

    whole = statements(f"/rapportage/organisatie?jaar={year}")
    one = statements(f"/rapportage/organisatie/status.csv?jaar={year}")
    assert len(one) < len(whole)
    assert not any("self_assessments" in s for s in one)  # the competency tables: not built
    assert client.get(f"/rapportage/organisatie/onbekend.csv?jaar={year}").status_code == 404
