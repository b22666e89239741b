"""The figures of issue #9: action plans, conversations, goals per category set and achieved,
trajectory results and manager track participation, each against an independent computation
from the generated facts, and protected like every other figure."""

from __future__ import annotations

import csv
import io
import re

from learnpath.accounts.models import Role
from learnpath.content_registry import get_content
from learnpath.reports import services
from tests.reports import expected
from tests.reports.conftest import hr, year_of
from tests.reports.data import generate

K = 5
NEW_TABLES = ("action_plans", "goals", "results", "manager_tracks")


def _check(cell, value, people=None):
    """A visible cell equals the independent value; a small group is never shown."""
    if cell.value is not None:
        assert cell.value == value
    small = 0 < value < K or (people is not None and value > 0 and people < K)
    if small:
        assert cell.value is None and cell.text in (f"< {K}", "verborgen")
    if cell.value is None:
        assert not re.fullmatch(r"\d+", cell.raw)


def test_plan_steps_match(big):
    report, _ = hr(big)
    table = report.table("action_plans")
    steps = expected.plan_steps(big.facts)
    assert [r.label for r in table.rows] == [
        "Actieplan definitief gemaakt",
        "Gedeeld met een leidinggevende (nog steeds gedeeld)",
        "Loopbaangesprek gevoerd",
        "Teruggeblikt op de doelen bij de follow-up",
    ]
    for row, (reached, took) in zip(table.rows, steps.values(), strict=True):
        _check(row.cells[0], reached)
        _check(row.cells[1], took - reached)
        _check(row.cells[2], took)
    # the generated data has enough of each step to show it
    assert all(row.cells[0].value is not None for row in table.rows)


def test_goals_per_category_match_and_small_groups_of_people_are_hidden(big):
    report, _ = hr(big)
    table = report.table("goals")
    goals = expected.goals(big.facts)
    assert len(table.rows) == len(goals)
    shown = 0
    for row, cells in zip(table.rows, goals.values(), strict=True):
        _check(row.cells[0], *cells["set"])
        for cell, column in zip(row.cells[1:6], expected.GOAL_COLUMNS, strict=True):
            _check(cell, *cells[column])
            shown += cell.value is not None
        achieved, _p = cells["achieved"]
        if row.cells[1].value is not None and row.cells[0].value:
            assert row.cells[6].value == round(achieved / cells["set"][0] * 100, 1)
    assert shown > 0
    assert "Gestelde doelen" in str(table.chart) and "Bereikt" in str(table.chart)


def test_results_match(big):
    report, _ = hr(big)
    table = report.table("results")
    results = expected.results(big.facts)
    for row, value in zip(table.rows, results.values(), strict=True):
        _check(row.cells[0], value)
    _check(table.total.cells[0], sum(results.values()))
    assert table.total.cells[0].value == sum(results.values())


def test_manager_tracks_match_and_show_counts_only(big):
    report, _ = hr(big)
    table = report.table("manager_tracks")
    tracks = expected.manager_tracks(big.managers)
    for row, (people, held, attendance) in zip(table.rows, tracks.values(), strict=True):
        _check(row.cells[0], people)
        assert row.cells[0].value is not None
        assert row.cells[1].value == held
        for cell, status in zip(row.cells[2:5], ("present", "excused", "absent"), strict=True):
            _check(cell, attendance[status])
    assert [r.label for r in table.rows] == ["Workshopgroepen", "Intervisiegroepen"]


def test_department_view_of_the_new_figures(big):
    name = "Sociaal domein"
    dept = big.departments[name].id
    report, selection = hr(big, dept)
    assert selection.department_id == dept
    facts = [f for f in big.facts if f.dept == name]
    for row, (reached, took) in zip(
        report.table("action_plans").rows, expected.plan_steps(facts).values(), strict=True
    ):
        _check(row.cells[0], reached)
        _check(row.cells[2], took)
    for row, value in zip(
        report.table("results").rows, expected.results(facts).values(), strict=True
    ):
        _check(row.cells[0], value)
    managers = [m for m in big.managers if m.dept == name]
    for row, (people, held, attendance) in zip(
        report.table("manager_tracks").rows,
        expected.manager_tracks(managers).values(),
        strict=True,
    ):
        _check(row.cells[0], people)
        if row.cells[0].value is not None:
            assert row.cells[1].value == held
        for cell, status in zip(row.cells[2:5], ("present", "excused", "absent"), strict=True):
            _check(cell, attendance[status])


def test_html_and_csv_of_the_new_tables(client, login_as, make_user, big):
    login_as(make_user(Role.HR, organisation=big.org))
    year = year_of(big)
    html = client.get(f"/rapportage/organisatie?jaar={year}").text
    for title in (
        "Actieplannen en loopbaangesprekken",
        "Gestelde en bereikte doelen per categorie",
        "Resultaat van het traject bij de follow-up",
        "Leidinggevenden in workshop- en intervisiegroepen",
    ):
        assert title in html
    assert "@example.org" not in html and "goal 0 of" not in html and "agreements" not in html
    report, _ = hr(big)
    for slug in NEW_TABLES:
        table = report.table(slug)
        assert f'id="chart-{slug}' in html
        body = client.get(f"/rapportage/organisatie/{slug}.csv?jaar={year}").text
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


def test_cohort_report_has_the_plan_figures_without_manager_tracks(client, login_as, org):
    data = generate(org, {"A": 36}, cohorts=1, managers=8)
    cohort = data.cohorts[0]
    report = services.cohort_report(cohort, get_content())
    assert report.table("manager_tracks") is None
    for row, (reached, took) in zip(
        report.table("action_plans").rows, expected.plan_steps(data.facts).values(), strict=True
    ):
        _check(row.cells[0], reached)
        _check(row.cells[2], took)
    goals = expected.goals(data.facts)
    for row, cells in zip(report.table("goals").rows, goals.values(), strict=True):
        _check(row.cells[0], *cells["set"])
        for cell, column in zip(row.cells[1:6], expected.GOAL_COLUMNS, strict=True):
            _check(cell, *cells[column])
    for row, value in zip(
        report.table("results").rows, expected.results(data.facts).values(), strict=True
    ):
        _check(row.cells[0], value)
    login_as(data.facilitator)
    html = client.get(f"/rapportage/groepen/{cohort.id}").text
    assert "Gestelde en bereikte doelen per categorie" in html
    assert "@example.org" not in html
    body = client.get(f"/rapportage/groepen/{cohort.id}/goals.csv").text
    assert body.splitlines()[0].startswith("\ufeffCategorie;Gestelde doelen;Bereikt")


def test_goal_cell_with_enough_goals_but_few_people_is_hidden(app, org):
    """Four people with three goals each in one category: 12 goals, but fewer than 5 people."""
    from learnpath.action_plans.models import ActionPlan, PlanGoal
    from learnpath.action_plans.outcomes import Achievement, GoalCategory
    from learnpath.extensions import db

    data = generate(org, {"A": 30}, cohorts=1, seed=3)
    db.session.query(PlanGoal).update({"category": GoalCategory.CLARITY})
    chosen = [f for f in data.facts if f.plan and f.plan.finalised][:4]
    plan_ids = db.session.scalars(
        db.select(ActionPlan.id).where(ActionPlan.user_id.in_([f.user.id for f in chosen]))
    ).all()
    db.session.query(PlanGoal).filter(PlanGoal.plan_id.in_(plan_ids)).delete()
    for plan_id in plan_ids:
        for position in range(3):
            db.session.add(
                PlanGoal(
                    plan_id=plan_id,
                    position=position,
                    category=GoalCategory.EXTERNAL_MOVE,
                    achievement=Achievement.ACHIEVED,
                )
            )
    db.session.commit()
    report = services.cohort_report(data.cohorts[0], get_content())
    row = report.table("goals").rows[3]
    assert row.label == "Andere baan buiten de organisatie"
    assert row.cells[0].value is None and row.cells[0].text == "verborgen"  # 12 goals, 4 people
    assert row.cells[1].value is None and row.cells[1].text == "verborgen"
    assert "12" not in [c.raw for c in row.cells]
