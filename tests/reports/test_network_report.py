"""The network report (issue 23 item 3): reach, attendance, follow-up and results per member
organisation of a regional network, for its coordinators only; every organisation cell
protected, totals the sum of the organisations where nothing is hidden, and no hidden cell
recoverable across organisations (checked by the independent search of the linked-tables
property test)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.accounts.models import Network, Organisation, Role, User
from learnpath.action_plans.models import ActionPlan, PlanFollowUp, PlanStatus, PlanVersion
from learnpath.action_plans.outcomes import TrajectoryResult
from learnpath.assignments.models import AssessmentMoment, SelfAssessment
from learnpath.assignments.selfassessment import INSTRUMENT_SLUG
from learnpath.cohorts import services as cohort_services
from learnpath.cohorts.models import Attendance, AttendanceStatus, EnrolmentStatus
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.opportunities.queries import TakenFact
from learnpath.reports import network
from learnpath.reports.anonymity import ALL, Matrix, figure_keys, key_of, protect_linked, sum_of
from learnpath.reports.evaluation import Period
from tests.factories import future_monday, network_cohort, plan
from tests.security.test_report_linked_tables import (
    assert_linked_figures_agree,
    assert_nothing_recoverable,
)

TODAY = utcnow().date()
PERIOD = Period(TODAY, TODAY + timedelta(days=365))


@dataclass
class Igom:
    network: Network
    orgs: dict[str, Organisation]
    coordinator: User
    coach: User


def _sign_up(cohort, user, status=EnrolmentStatus.ENROLLED):
    enrolment = cohort_services.sign_up(cohort, user)
    enrolment.status = status
    db.session.commit()
    return enrolment


def _final_plan(enrolment, result: TrajectoryResult | None) -> None:
    plan_ = ActionPlan(
        user_id=enrolment.user_id,
        cohort_id=enrolment.cohort_id,
        content_version="test",
        data={},
        status=PlanStatus.FINAL,
    )
    db.session.add(plan_)
    db.session.flush()
    db.session.add(PlanVersion(plan_id=plan_.id, number=1, data={}))
    if result is not None:
        db.session.add(PlanFollowUp(plan_id=plan_.id, result=result, version_number=1))
    db.session.commit()


def _assessment(enrolment, moment: AssessmentMoment, score: int) -> SelfAssessment:
    inst = get_content().instruments[INSTRUMENT_SLUG]
    return SelfAssessment(
        user_id=enrolment.user_id,
        cohort_id=enrolment.cohort_id,
        moment=moment,
        instrument_slug=INSTRUMENT_SLUG,
        content_version="test",
        answers={item.slug: score for scale in inst.scales for item in scale.items},
    )


#: Per organisation: (cohort, status, number of people), as in DOMAIN: groups of 12, three
#: employers of a regional mobility centre, one of them small (Vaals: 3 people).
PEOPLE = {
    "Gemeente Maastricht": [
        ("voorjaar", EnrolmentStatus.COMPLETED, 4),
        ("voorjaar", EnrolmentStatus.DROPPED_OUT, 1),
        ("voorjaar", EnrolmentStatus.ENROLLED, 1),
        ("najaar", EnrolmentStatus.ENROLLED, 4),
    ],
    "Gemeente Heerlen": [
        ("voorjaar", EnrolmentStatus.COMPLETED, 3),
        ("voorjaar", EnrolmentStatus.ENROLLED, 2),
        ("najaar", EnrolmentStatus.ENROLLED, 3),
    ],
    "Gemeente Vaals": [
        ("voorjaar", EnrolmentStatus.COMPLETED, 1),
        ("najaar", EnrolmentStatus.ENROLLED, 2),
    ],
}


@pytest.fixture
def igom(make_org, make_user) -> Igom:
    orgs = {name: make_org(name) for name in PEOPLE}
    members = list(orgs.values())
    maastricht = orgs["Gemeente Maastricht"]
    coordinator = make_user(Role.FACILITATOR, organisation=maastricht)
    coach = make_user(Role.FACILITATOR, organisation=maastricht)
    cohorts = {
        "voorjaar": network_cohort(
            members, coach, coordinators=[coordinator], network_name="IGOM", name="IGOM voorjaar"
        ),
        "najaar": network_cohort(members, coach, network_name="IGOM", name="IGOM najaar"),
    }
    sessions = {
        "voorjaar": plan(cohorts["voorjaar"], coach),
        "najaar": plan(cohorts["najaar"], coach, future_monday(6)),
    }
    results = [TrajectoryResult.INTERNAL_MOVE, TrajectoryResult.JOB_FITS, None]
    for name, groups in PEOPLE.items():
        for cohort_name, status, n in groups:
            for i in range(n):
                user = make_user(Role.PARTICIPANT, organisation=orgs[name])
                enrolment = _sign_up(cohorts[cohort_name], user, status)
                if status == EnrolmentStatus.COMPLETED:
                    _final_plan(enrolment, results[i % 3])
                    for moment, score in zip(AssessmentMoment, (2, 3, 4), strict=True):
                        db.session.add(_assessment(enrolment, moment, score))
                if cohort_name == "voorjaar":
                    for session in sessions["voorjaar"][:2]:
                        db.session.add(
                            Attendance(
                                session_id=session.id,
                                user_id=user.id,
                                status=AttendanceStatus.PRESENT,
                            )
                        )
    db.session.commit()
    return Igom(cohorts["voorjaar"].network, orgs, coordinator, coach)


def _facts(taken, person=None):
    """Accepted opportunities per organisation {org: (taken, of which elsewhere)}, each by a
    person of their own (or all by ``person``)."""
    facts, ids = [], iter(range(10_000, 20_000))
    for org, (count, elsewhere) in taken.items():
        for i in range(count):
            facts.append(TakenFact(org, i < elsewhere, person or next(ids)))
    return facts


def _build(igom: Igom, monkeypatch=None, taken=None, person=None):
    if monkeypatch is not None:
        facts = _facts(taken, person)
        monkeypatch.setattr(network, "taken_by_organisation", lambda ids, s, e: facts)
    return network.network_report(igom.network, PERIOD, "Europe/Amsterdam", get_content())


def _cells(table, label):
    row = table.total if label == "total" else next(r for r in table.rows if r.label == label)
    return [c.text for c in row.cells]


def test_reach_per_organisation_with_the_small_one_suppressed(igom):
    result = _build(igom)
    assert [name for _id, name in result.organisations] == sorted(PEOPLE)
    reach = result.report.table("reach")
    assert reach is not None
    # columns: taking part, offered, waitlisted, completed, dropped out, withdrawn, all, took part
    maastricht = _cells(reach, "Gemeente Maastricht")
    assert maastricht[0] == "5" and maastricht[6] == "10" and maastricht[7] == "10"
    vaals = _cells(reach, "Gemeente Vaals")
    assert vaals[0] == "< 5" and vaals[3] == "< 5" and vaals[6] == "< 5"
    # Vaals' 3 cannot be had as the network total minus the others (21 - 10 - 8): Heerlen's
    # registrations are hidden as the complement
    assert _cells(reach, "total")[6] == "21"
    assert _cells(reach, "Gemeente Heerlen")[6] == "verborgen"
    _assert_no_single_hidden_cell(result)


def _assert_no_single_hidden_cell(result) -> None:
    """In no column of any table is one organisation hidden next to a shown total (the
    others shown): it would be the total minus the others."""
    for table in result.report.tables:
        if table.total is None:  # the competency growth: the network's only
            continue
        for column in range(len(table.headers) - 1):
            total = table.total.cells[column]
            if total.value is None or "%" in total.text:
                continue
            hidden = [r for r in table.rows if r.cells[column].value is None]
            assert len(hidden) != 1, (table.slug, table.headers[column + 1])


def test_attendance_and_results_per_organisation(igom):
    result = _build(igom)
    attendance = result.report.table("attendance")
    assert attendance is not None
    # voorjaar: Maastricht 6 and Heerlen 5 people, present at two sessions
    assert _cells(attendance, "Gemeente Maastricht")[0] == "12"
    assert _cells(attendance, "Gemeente Vaals")[0] == "< 5"  # 2 records of one person
    assert _cells(attendance, "Gemeente Heerlen")[0] == "verborgen"  # the complement
    assert _cells(attendance, "total")[0] == "24"
    assert _cells(attendance, "Gemeente Maastricht")[4] == "100,0%"
    follow_up = result.report.table("follow_up")
    results = result.report.table("results")
    assert follow_up is not None and results is not None
    # 8 people with a final plan in the network, 6 looked back: each org under 5
    for name in PEOPLE:
        assert all(c in ("0", "< 5", "verborgen", "—", "") for c in _cells(results, name))


def test_follow_up_and_competency_growth(igom):
    result = _build(igom)
    follow_up = result.report.table("follow_up")
    assert follow_up is not None
    # 8 completed with a final plan and a follow-up self-assessment: under 5 per organisation
    assert _cells(follow_up, "total")[1] == "8" and _cells(follow_up, "total")[5] == "8"
    assert _cells(follow_up, "Gemeente Maastricht")[5] == "< 5"
    growth = result.report.table("competency_growth")
    assert growth is not None and growth.rows
    for row in growth.rows:
        n, start, end, later = (c.text for c in row.cells)
        assert n == "8" and start != "—" and later != "—"
        assert row.cells[3].value is not None and row.cells[1].value is not None


def test_the_network_threshold_is_the_largest_of_the_members(igom):
    igom.orgs["Gemeente Heerlen"].report_min_group = 9
    db.session.commit()
    result = _build(igom)
    assert result.report.threshold == 9
    reach = result.report.table("reach")
    assert reach is not None
    assert _cells(reach, "Gemeente Heerlen")[6] == "< 9"  # 8 people, under Heerlen's own 9
    assert _cells(reach, "Gemeente Maastricht")[6] == "10"
    _assert_no_single_hidden_cell(result)


def test_opportunities_taken_per_organisation(igom, monkeypatch):
    ids = {name: org.id for name, org in igom.orgs.items()}
    taken = {
        ids["Gemeente Maastricht"]: (9, 6),
        ids["Gemeente Heerlen"]: (7, 5),
        ids["Gemeente Vaals"]: (0, 0),
    }
    table = _build(igom, monkeypatch, taken).report.table("opportunities")
    assert table is not None
    # Maastricht: 3 at its own organisation ("< 5"), so the 6 elsewhere is the complement
    assert _cells(table, "Gemeente Maastricht") == ["< 5", "verborgen", "9"]
    assert _cells(table, "Gemeente Heerlen") == ["< 5", "verborgen", "7"]
    assert _cells(table, "Gemeente Vaals") == ["0", "0", "0"]
    # own: 3 + 2 = 5 in the network, two hidden values that may be 1 + 4, 2 + 3, ...
    assert _cells(table, "total") == ["5", "11", "16"]


def test_opportunities_of_too_few_people_are_hidden(igom, monkeypatch):
    """Opportunities are things: six taken by one person would show what that person did."""
    ids = {name: org.id for name, org in igom.orgs.items()}
    taken = {ids["Gemeente Maastricht"]: (6, 6)}
    table = _build(igom, monkeypatch, taken, person=777).report.table("opportunities")
    assert table is not None
    assert "6" not in _cells(table, "Gemeente Maastricht")
    assert "6" not in _cells(table, "total")


def test_totals_are_the_sum_of_the_organisations_where_nothing_is_hidden(igom, monkeypatch):
    ids = {name: org.id for name, org in igom.orgs.items()}
    taken = {ids["Gemeente Maastricht"]: (9, 6), ids["Gemeente Heerlen"]: (12, 5)}
    result = _build(igom, monkeypatch, taken)
    checked = 0
    for table in result.report.tables:
        if table.total is None:  # the competency growth: the network's only
            continue
        for column, header in enumerate(table.headers[1:]):
            if "%" in "".join(r.cells[column].text for r in table.rows) or header == "Share":
                continue
            values = [r.cells[column].value for r in table.rows]
            total = table.total.cells[column].value
            if total is not None and all(v is not None for v in values):
                assert total == sum(values), (table.slug, header)  # type: ignore[arg-type]
                checked += 1
    assert checked >= 8


def test_no_hidden_cell_of_the_report_can_be_worked_out(igom, monkeypatch):
    """The report's own tables, every organisation's row and the network total, against the
    independent exhaustive search (tests/security/test_report_linked_tables.py)."""
    ids = {name: org.id for name, org in igom.orgs.items()}
    taken = {ids["Gemeente Maastricht"]: (9, 6), ids["Gemeente Heerlen"]: (7, 5)}
    facts = _facts(taken)
    monkeypatch.setattr(network, "taken_by_organisation", lambda i, s, e: facts)
    members = sorted(igom.orgs.values(), key=lambda o: o.name)
    start, end = PERIOD.window("Europe/Amsterdam")
    from learnpath.reports.figures import Inputs
    from learnpath.reports.queries import Scope

    inputs = Inputs(
        Scope(None, start, end), ALL, 5, get_content(), True, {o.id: o.name for o in members}
    )
    depts = [o.id for o in members]
    builder = network.NetworkBuilder(inputs, igom.network.id, depts, facts)
    matrices = builder._matrices()
    result = builder.linked()
    for names in (("status", "attendance", "opportunities"), ("results",)):
        shown = {n: matrices[n] for n in names}
        assert_linked_figures_agree(result, shown)
        assert_nothing_recoverable(result, shown, depts, 5)


# -- a property test: three organisations, complementary suppression across them ----------------

COLUMNS = ("taking_part", "dropped_out")


@st.composite
def networks(draw: st.DrawFn):
    orgs = [1, 2, 3]
    value = st.one_of(st.integers(0, 4), st.integers(0, 9))
    status = {(o, c): draw(value) for o in orgs for c in COLUMNS}
    plans = {}
    for o in orgs:
        took = sum(status[(o, c)] for c in COLUMNS)
        done = draw(st.integers(0, took))
        plans[(o, "yes")], plans[(o, "not")] = done, took - done
    return orgs, status, plans


@settings(max_examples=20, deadline=None, derandomize=True)
@given(networks())
def test_no_organisation_cell_can_be_recovered_from_the_network_total(case):
    """The status table and a follow-up table whose total (took part) is the sum of the three
    status columns, with organisations as the rows: whatever is hidden cannot be worked out,
    also not as network total minus the other organisations."""
    orgs, status, plans = case
    shown = {
        "status": Matrix(
            status,
            COLUMNS,
            orgs,
            shared=figure_keys("taking_part", orgs, "taking_part")
            | figure_keys("completed", orgs, "completed")
            | figure_keys("dropped_out", orgs, "dropped_out"),
        ),
        "plans": Matrix(plans, ("yes", "not"), orgs, shared=figure_keys("took_part", orgs)),
    }
    parts = {c: c for c in COLUMNS}
    result = protect_linked({**shown, "sum": sum_of("took_part", parts, status, orgs)}, 5)
    for (o, c), v in status.items():
        if 0 < v < 5:
            assert result["status"].cell(o, c) is None
    sums = [
        (("plans", key_of(v)), [("status", key_of(v, c)) for c in COLUMNS]) for v in (*orgs, ALL)
    ]
    assert_linked_figures_agree(result, shown)
    assert_nothing_recoverable(result, shown, orgs, 5, sums)


# -- who may open it ---------------------------------------------------------------------------


def _url(igom: Igom, suffix: str = "") -> str:
    return f"/rapportage/netwerk/{igom.network.id}{suffix}?van={PERIOD.start}&tot={PERIOD.end}"


def test_the_coordinator_opens_the_report_and_its_downloads(client, igom, login_as):
    login_as(igom.coordinator)
    page = client.get(_url(igom))
    assert page.status_code == 200
    assert "Gemeente Vaals" in page.text and "IGOM" in page.text
    assert client.get(_url(igom, ".xlsx")).status_code == 200
    pdf = client.get(_url(igom, ".pdf"))
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    csv = client.get(_url(igom, "/reach.csv"))
    assert csv.status_code == 200 and "Gemeente Maastricht" in csv.data.decode("utf-8-sig")
    assert client.get(_url(igom, "/nothing.csv")).status_code == 404


def test_a_wrong_period_shows_the_form_again(client, igom, login_as):
    login_as(igom.coordinator)
    page = client.get(f"/rapportage/netwerk/{igom.network.id}?van=gisteren&tot=2026-01-01")
    assert page.status_code == 400
    assert 'value="gisteren"' in page.text and 'aria-invalid="true"' in page.text


@pytest.mark.parametrize("who", ["hr", "participant", "facilitator", "admin", "other_network"])
def test_everyone_but_its_coordinators_is_refused(client, igom, make_org, make_user, login_as, who):
    maastricht = igom.orgs["Gemeente Maastricht"]
    if who == "other_network":
        elsewhere = make_org("Gemeente Sittard")
        user = make_user(Role.FACILITATOR, organisation=elsewhere)
        network_cohort([elsewhere, maastricht], user, coordinators=[user], network_name="Andere")
    else:
        user = make_user(Role(who), organisation=maastricht)
    login_as(user)
    for suffix in ("", ".xlsx", ".pdf", "/reach.csv"):
        assert client.get(_url(igom, suffix)).status_code == 404


def test_a_coordinator_whose_organisation_left_is_refused(client, igom, login_as):
    from learnpath.accounts.models import NetworkMembership

    membership = db.session.scalar(
        db.select(NetworkMembership).filter_by(
            network_id=igom.network.id, organisation_id=igom.orgs["Gemeente Maastricht"].id
        )
    )
    membership.ended_at = utcnow()
    db.session.commit()
    login_as(igom.coordinator)
    assert client.get(_url(igom)).status_code == 404


def test_an_unknown_network_is_not_found(client, igom, login_as):
    login_as(igom.coordinator)
    assert client.get("/rapportage/netwerk/999999").status_code == 404


def test_a_member_that_left_is_no_longer_in_the_report(igom):
    from learnpath.accounts.models import NetworkMembership

    membership = db.session.scalar(
        db.select(NetworkMembership).filter_by(
            network_id=igom.network.id, organisation_id=igom.orgs["Gemeente Vaals"].id
        )
    )
    membership.ended_at = utcnow()
    db.session.commit()
    result = _build(igom)
    assert [n for _i, n in result.organisations] == ["Gemeente Heerlen", "Gemeente Maastricht"]


def test_hr_of_a_member_counts_only_its_own_people_of_the_network_cohorts(igom):
    from learnpath.reports import services
    from learnpath.reports.figures import Builder, Inputs
    from learnpath.reports.queries import Scope

    for name, mine in (("Gemeente Heerlen", 8), ("Gemeente Maastricht", 10), ("Gemeente Vaals", 3)):
        org = igom.orgs[name]
        inputs = Inputs(Scope(org.id), ALL, 5, get_content(), True, services.department_names(org))
        assert Builder(inputs).people().value(ALL) == mine


@pytest.mark.parametrize(
    "van,tot",
    [
        ("0000-00-00", "9999-12-31"),
        ("a\x00b", "2026-01-01"),
        ("x" * 5000, ""),
        ("2024-02-30", "2024-03-01"),
        ("2026-01-01", "2020-01-01"),
        ("{{7*7}}", "' OR 1=1 --"),
    ],
)
def test_hostile_periods_are_refused_with_the_form(client, igom, login_as, van, tot):
    login_as(igom.coordinator)
    for suffix in ("", ".xlsx", "/reach.csv"):
        response = client.get(
            f"/rapportage/netwerk/{igom.network.id}{suffix}", query_string={"van": van, "tot": tot}
        )
        assert response.status_code == 400
        if "{{" in van and not suffix:  # shown back as typed, never evaluated as a template
            assert "{{7*7}}" in response.text
