"""The programme evaluation (issue 22): the municipal evaluation's figures, cell for cell, on
the page, in the workbook (read back with openpyxl) and in the CSV (read with ``;``).

The fixture is the evaluation of DOMAIN ("Figures from the field"): 63 registrations in five
domains (32, 14, 6, 6, 5), 17 still in a trajectory, 5 stopped early, goals per question
category with a first and a second goal (45/41/27/4, 5/5/–/–, 13/4/12/8) and 14 people who
found another job or whose job fits again. The report suppresses as everywhere (k = 5): the
seed's 4s are "< 5", and the 41 and the 8 are hidden as complements (45 − 41 = 4 people who
did not achieve their first goal, 12 − 8 = 4 the second).
"""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select

from learnpath.accounts.models import Department, Role, User
from learnpath.accounts.services import set_roles
from learnpath.action_plans.models import (
    ActionPlan,
    PlanFollowUp,
    PlanGoal,
    PlanStatus,
    PlanVersion,
)
from learnpath.action_plans.outcomes import Achievement, GoalCategory, TrajectoryResult
from learnpath.cohorts.models import (
    Cohort,
    CohortSession,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.reports import evaluation

DOMAINS = {
    "Bedrijfsvoering en concern": 32,
    "Maatschappelijk domein": 14,
    "Openbaar gebied": 6,
    "Ruimtelijk domein": 6,
    "Samen Doen BV": 5,
}
PERIOD = {"van": "2019-10-01", "tot": "2020-12-31"}
C = GoalCategory
FIRST_GOALS = (
    [(C.CLARITY, True)] * 41
    + [(C.DEVELOPMENT, True)] * 5
    + [(C.INTERNAL_MOVE, True)] * 2
    + [(C.EXTERNAL_MOVE, True)] * 2
    + [(C.CLARITY, False)] * 4
    + [(C.INTERNAL_MOVE, False)] * 5
    + [(C.EXTERNAL_MOVE, False)] * 4
)
SECOND_GOALS = (
    [(C.CLARITY, True)] * 4
    + [(C.INTERNAL_MOVE, True)] * 8
    + [(C.CLARITY, False)] * 23
    + [(C.EXTERNAL_MOVE, False)] * 4
)
R = TrajectoryResult
#: 14 moved or fit again, 12 still looking, the rest no change; 7 did not look back yet.
RESULTS = [R.INTERNAL_MOVE] * 6 + [R.JOB_FITS] * 8 + [R.EXPLORING] * 12 + [R.NO_CHANGE] * 30

#: The seed's tables as the report must show them (k = 5).
EXPECTED_REGISTRATIONS = [*DOMAINS.items(), ("Whole organisation", 63)]
EXPECTED_GOALS = {
    "What do I want?": ["45", "hidden", "27", "< 5"],
    "Development question (advice)": ["5", "5", "0", "0"],
    "Another job, internally or externally": ["13", "< 5", "12", "hidden"],
    "Making my current job fit (again)": ["0", "0", "0", "0"],
    "No category given": ["0", "0", "0", "0"],
}


def seed(org, start=datetime(2020, 2, 3, 9, tzinfo=UTC)) -> list[User]:
    """The municipal evaluation as data: 63 people in five domains over five cohorts."""
    rng = random.Random(22)
    org.departments[0].name = "Bedrijfsvoering en concern"
    depts = {org.departments[0].name: org.departments[0]}
    for name in list(DOMAINS)[1:]:
        depts[name] = Department(organisation_id=org.id, name=name)
        db.session.add(depts[name])
    facilitator = User(organisation=org, email=f"coach-{org.id}@example.org", name="Coach")
    db.session.add(facilitator)
    set_roles(facilitator, {Role.FACILITATOR})
    cohorts = []
    for i in range(5):
        cohort = Cohort(
            organisation=org,
            name=f"Loopbaantraject {i + 1}",
            programme_slug=CAREER_PROGRAMME,
            content_version="test",
            capacity=14,
            signup_opens_at=start - timedelta(days=60),
            signup_closes_at=start - timedelta(days=7),
            facilitators=[facilitator],
            open_to=[org],
        )
        for position, slug in enumerate(("intro", "verdieping", "actie")):
            db.session.add(
                CohortSession(
                    cohort=cohort,
                    blueprint_slug=slug,
                    position=position,
                    starts_at=start + timedelta(days=60 * i + 14 * position),
                    duration_minutes=90,
                    meeting_url="https://example.org/m",
                )
            )
        cohorts.append(cohort)
    db.session.add_all(cohorts)
    labels = [name for name, n in DOMAINS.items() for _ in range(n)]
    rng.shuffle(labels)
    statuses = (
        [EnrolmentStatus.ENROLLED] * 17
        + [EnrolmentStatus.COMPLETED] * 41
        + [EnrolmentStatus.DROPPED_OUT] * 5
    )
    rng.shuffle(statuses)
    reasons = iter(
        [DropoutReason.OTHER] * 2 + [DropoutReason.PERSONAL] * 2 + [DropoutReason.HEALTH]
    )
    people = []
    plans = []
    for i, label in enumerate(labels):
        user = User(
            organisation=org,
            department=depts[label],
            email=f"seed{org.id}-{i}@example.org",
            name=f"Deelnemer {i}",
        )
        set_roles(user, {Role.PARTICIPANT})
        cohort = cohorts[i % 5]
        status = statuses[i]
        reason = next(reasons) if status == EnrolmentStatus.DROPPED_OUT else None
        enrolment = Enrolment(
            cohort=cohort, user=user, status=status, dropout_reason=reason, requested_at=start
        )
        goals = [FIRST_GOALS[i]] + ([SECOND_GOALS[i]] if i < len(SECOND_GOALS) else [])
        data = {"goals": [{"description": "", "category": c.value} for c, _a in goals]}
        plan = ActionPlan(
            user=user, cohort=cohort, content_version="t", data=data, status=PlanStatus.FINAL
        )
        plan.versions.append(PlanVersion(number=1, data=data))
        db.session.add_all([user, enrolment, plan])
        plans.append((i, plan, goals))
        people.append(user)
    db.session.flush()
    for i, plan, goals in plans:
        looked_back = i < len(RESULTS)
        for position, (category, achieved) in enumerate(goals):
            achievement = None
            if looked_back:
                achievement = Achievement.ACHIEVED if achieved else Achievement.PARTLY
            db.session.add(
                PlanGoal(
                    plan_id=plan.id, position=position, category=category, achievement=achievement
                )
            )
        if looked_back:
            db.session.add(PlanFollowUp(plan_id=plan.id, result=RESULTS[i], version_number=1))
    db.session.commit()
    return people


@pytest.fixture
def seeded(org):
    seed(org)
    return org


@pytest.fixture
def hr_client(seeded, make_user, login_as):
    return login_as(make_user(Role.HR, organisation=seeded, locale="en"))


def _report(org):
    period = evaluation.Period(date(2019, 10, 1), date(2020, 12, 31))
    with force_locale("en"):
        return evaluation.evaluation_report(org, period, get_content()).report


def _texts(table):
    return {row.label: [c.text for c in row.cells] for row in table.rows}


def test_the_report_shows_the_seeds_figures(app, seeded):
    report = _report(seeded)
    registrations = report.table("registrations")
    assert [(r.label, r.cells[0].value) for r in registrations.rows] == [
        (name, n) for name, n in sorted(DOMAINS.items())
    ]
    assert registrations.total.cells[0].text == "63"
    trajectories = _texts(report.table("trajectories"))
    assert trajectories["Still in a trajectory"][0] == "17"
    assert trajectories["Stopped early"][0] == "5"
    assert report.table("trajectories").total.cells[0].text == "63"
    assert _texts(report.table("goals_by_position")) == EXPECTED_GOALS
    results = _texts(report.table("results"))
    assert results["Another job, or the current job fits again"] == ["14"]
    assert results["Still exploring"] == ["12"]
    dropout = report.table("dropout")
    assert dropout.total.cells[0].text == "5"
    assert all(c.cells[0].text in ("0", "< 5") for c in dropout.rows)  # 2, 2 and 1
    assert all("< 5" in t.note for t in report.tables)  # the reading aid names the rule


def test_session_evaluations_with_enough_responses_are_counted(app, seeded):
    """Six answered an intro's evaluation (shown), three a deep dive's (left out)."""
    from learnpath.live.models import EvaluationAnswer, EvaluationReceipt

    sessions = db.session.scalars(
        select(CohortSession).where(CohortSession.blueprint_slug.in_(("intro", "verdieping")))
    ).all()
    intro = next(s for s in sessions if s.blueprint_slug == "intro")
    deep = next(s for s in sessions if s.blueprint_slug == "verdieping")
    members = db.session.scalars(select(Enrolment.user_id).limit(6)).all()
    for session, people in ((intro, members), (deep, members[:3])):
        for n, user_id in enumerate(people):
            db.session.add(EvaluationReceipt(session_id=session.id, user_id=user_id))
            for slug, score in (("nuttig", 4), ("begeleiding", 5), ("online", 3)):
                db.session.add(
                    EvaluationAnswer(
                        session_id=session.id,
                        response_id=f"r{session.id}-{n}",
                        item_slug=slug,
                        score=score,
                    )
                )
    db.session.commit()
    rows = _texts(_report(seeded).table("sessions"))
    names = [name for name in rows]
    # five groups: the intro of one has six responses (mean of every answer: 4), the others
    # none; the deep dive's three responses are too few and left out
    assert rows[names[0]] == ["1", "4", "6", "4.00"]
    assert rows[names[1]] == ["0", "5", "0", "—"]


def test_the_page_workbook_and_csv_show_the_same_cells(hr_client):
    page = hr_client.get("/rapportage/evaluatie", query_string=PERIOD)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Goals per question category: first and second goal" in html
    for label, cells in EXPECTED_GOALS.items():
        row = html[html.index(f'<th scope="row">{label}</th>') :].split("</tr>")[0]
        assert [c.split("</td>")[0] for c in row.split('class="num">')[1:]] == [
            c.replace("<", "&lt;") for c in cells
        ]

    xlsx = hr_client.get("/rapportage/evaluatie.xlsx", query_string=PERIOD)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    sheets = {ws.title: ws for ws in book.worksheets}
    regs = [list(r) for r in sheets["Registrations per department"].iter_rows(values_only=True)]
    assert regs[0] == ["Department", "Registrations"]
    assert [tuple(r) for r in regs[1:7]] == [*sorted(DOMAINS.items()), EXPECTED_REGISTRATIONS[-1]]
    assert all(isinstance(r[1], int) for r in regs[1:7])  # numbers as numbers
    sheet = next(ws for title, ws in sheets.items() if title.startswith("Goals per question"))
    goals = list(sheet.iter_rows(values_only=True))
    by_label = {r[0]: [str(v) for v in r[1:]] for r in goals[1:6]}
    assert by_label == EXPECTED_GOALS
    share = sheets["People still in a trajectory"]["C2"]
    assert share.value == pytest.approx(17 / 63, abs=1e-3) and share.number_format == "0.0%"

    csv_en = hr_client.get("/rapportage/evaluatie/goals_by_position.csv", query_string=PERIOD)
    rows = list(csv.reader(io.StringIO(csv_en.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r[0]: r[1:] for r in rows[1:]} == EXPECTED_GOALS

    # the whole report as a PDF, in a Unicode font, with every table
    response = hr_client.get("/rapportage/evaluatie.pdf", query_string=PERIOD)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert b"DejaVu" in response.data
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for title in ("Registrations per department", "Goals per question category", "Drop-out"):
        assert title in text
    assert "Samen Doen BV" in text and "< 5" in text


def test_dutch_csv_opens_in_columns_in_dutch_excel(seeded, make_user, login_as):
    client = login_as(make_user(Role.HR, organisation=seeded, locale="nl"))
    response = client.get("/rapportage/evaluatie/trajectories.csv", query_string=PERIOD)
    raw = response.data
    assert raw.startswith("\ufeff".encode())  # the byte-order mark: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Aanmeldingen", "Aantal", "Aandeel van alle aanmeldingen"]
    assert rows[1] == ["Nog in een traject", "17", "27,0"]  # decimal comma

    # a formula in a department's name stays text, in the CSV and in the workbook
    formula = '=HYPERLINK("http://x")'
    seeded.departments[0].name = formula  # Bedrijfsvoering en concern (32)
    db.session.commit()
    registrations = client.get("/rapportage/evaluatie/registrations.csv", query_string=PERIOD)
    cells = list(csv.reader(io.StringIO(registrations.data.decode("utf-8-sig")), delimiter=";"))
    expected = {**DOMAINS, "'" + formula: 32}
    del expected["Bedrijfsvoering en concern"]
    assert sorted(map(tuple, cells[1:-1])) == sorted((k, str(v)) for k, v in expected.items())
    assert cells[-1] == ["Hele organisatie", "63"]
    book = load_workbook(
        io.BytesIO(client.get("/rapportage/evaluatie.xlsx", query_string=PERIOD).data)
    )
    labels = [r[0] for r in book["Aanmeldingen per afdeling"].iter_rows(values_only=True)]
    assert "'" + formula in labels
    assert not any(
        str(c.value).startswith("=") for ws in book for row in ws.iter_rows() for c in row
    )


def test_a_wrong_period_shows_the_form_again_with_the_input_kept(org, make_user, login_as):
    client = login_as(make_user(Role.HR, locale="en"))
    for period in (
        {"van": "2020-13-01", "tot": "2020-12-31"},
        {"van": "2020-12-31", "tot": "2020-01-01"},
        {"van": "x\r\n", "tot": ""},
        {"van": "1900-01-01", "tot": "2020-01-01"},
        {"van": "2020-01-01", "tot": "x" * 5000},
        {"van": "2010-01-01", "tot": "2020-01-01"},  # more than five years
    ):
        response = client.get("/rapportage/evaluatie", query_string=period)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert 'aria-invalid="true"' in html
        assert f'value="{period["tot"]}"' in html
        assert client.get("/rapportage/evaluatie.xlsx", query_string=period).status_code == 400
    # a NUL in the query string is refused before the page (the app's 400), never a 500
    nul = {"van": "2020-01-01\x00", "tot": "2020-02-01"}
    assert client.get("/rapportage/evaluatie", query_string=nul).status_code == 400


def test_only_the_organisations_own_figures_and_constant_queries(
    seeded, make_org, make_user, login_as, hr_client
):
    """Another organisation's people (in the same period) change neither the figures nor the
    number of queries (computed anew), and leave the computed report in use."""
    from sqlalchemy import event

    from learnpath.reports.services import forget_reports

    def count_queries(anew=True):
        if anew:
            forget_reports()
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = hr_client.get("/rapportage/evaluatie", query_string=PERIOD)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert page.status_code == 200
        return len(seen), page.get_data(as_text=True)

    before, page = count_queries()
    other = make_org("Gemeente Elders")
    seed(other, start=datetime(2020, 3, 2, 9, tzinfo=UTC))
    reused, _page = count_queries(anew=False)
    assert reused < before  # still this organisation's report of before: not computed again
    after, again = count_queries()
    assert after == before
    # the same figures (the page from its heading on; the header holds a fresh CSRF token)
    assert again[again.index("<h1>") :] == page[page.index("<h1>") :]
    # and its HR sees its own organisation only (its own 63, not 126)
    login_as(make_user(Role.HR, organisation=other, locale="en"))
    html = hr_client.get("/rapportage/evaluatie", query_string=PERIOD).text
    assert '<td class="num">63</td>' in html and '<td class="num">126</td>' not in html
