"""HR of a member organisation sees its own people only (issue 23 item 2): a network cohort
run by organisation X with people of X and Y counts X's people for X's HR and Y's people for
Y's HR, in every report (scope by the participant's organisation, not the cohort's)."""

from __future__ import annotations

from learnpath.accounts.models import Role
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.reports import evaluation, services
from learnpath.reports.anonymity import ALL
from tests.factories import enrol, network_cohort, plan


def _network(make_org, make_user, own=7, other=6, capacity=16):
    x, y = make_org("Gemeente Xanten"), make_org("Gemeente Yerseke")
    coach = make_user(Role.FACILITATOR, organisation=x)
    cohort = network_cohort([x, y], coach, capacity=capacity, name="Netwerkgroep Zuid")
    cohort.first_start = plan(cohort, coach)[0].starts_at  # a test attribute
    for organisation, n in ((x, own), (y, other)):
        for _ in range(n):
            enrol(cohort, make_user(Role.PARTICIPANT, organisation=organisation))
    return x, y, cohort


def _row(html: str, name: str) -> str:
    start = html.index(f">{name}<")
    return html[start : html.index("</tr>", start)]


def test_each_hr_report_counts_its_own_people_in_a_network_cohort(make_org, make_user):
    x, y, cohort = _network(make_org, make_user)
    year = cohort.first_start.year
    for organisation, mine in ((x, 7), (y, 6)):
        report, _sel = services.hr_report(organisation, year, None, get_content(), utcnow())
        status = report.table("status")
        assert status is not None and status.total is not None
        assert status.total.cells[0].text == str(mine)
        cohorts = report.table("cohorts")
        assert cohorts is not None
        assert _cells(cohorts, "Netwerkgroep Zuid")[2] == str(mine)


def _cells(table, label):
    row = next(r for r in table.rows if r.label == label)
    return [c.text for c in row.cells]


def test_each_evaluation_counts_its_own_people_in_a_network_cohort(make_org, make_user):
    x, y, cohort = _network(make_org, make_user)
    start = cohort.first_start.date()
    period = evaluation.Period(start.replace(month=1, day=1), start.replace(month=12, day=31))
    for organisation, mine in ((x, 7), (y, 6)):
        result = evaluation.evaluation_report(organisation, period, get_content())
        table = result.report.table("registrations")
        assert table is not None and table.total is not None
        assert table.total.cells[0].text == str(mine)


def test_hr_cohort_overview_shows_the_own_people_of_a_network_cohort(
    client, make_org, make_user, login_as
):
    """X's HR saw "13 / 16" for the network cohort: X's 7 and Y's 6 together."""
    x, _y, _cohort = _network(make_org, make_user)
    login_as(make_user(Role.HR, organisation=x))
    html = client.get("/cohorten").text
    row = _row(html, "Netwerkgroep Zuid")
    assert "7 / 16" in row and "13 / 16" not in row


def test_hr_cohort_overview_hides_a_small_own_group_in_a_network_cohort(
    client, make_org, make_user, login_as
):
    """X has 3 people in the cohort, Y 9: X's HR gets "< 5", never 12 (nor 9)."""
    x, _y, _cohort = _network(make_org, make_user, own=3, other=9)
    login_as(make_user(Role.HR, organisation=x))
    row = _row(client.get("/cohorten").text, "Netwerkgroep Zuid")
    assert "&lt; 5 / 16" in row and "12 / 16" not in row and "9 / 16" not in row


def test_the_start_page_of_each_hr_counts_its_own_people(client, make_org, make_user, login_as):
    from learnpath.home.hr import hr_panel

    x, y, cohort = _network(make_org, make_user)
    now = cohort.first_start
    for organisation, mine in ((x, 7), (y, 6)):
        panel = hr_panel(make_user(Role.HR, organisation=organisation), get_content(), now)
        status = next(t for t in panel.tables if t.slug == "status")
        assert status.total is not None and status.total.cells[0].text == str(mine)


def test_people_of_the_other_organisation_are_not_in_the_population(make_org, make_user):
    from learnpath.reports.figures import Builder, Inputs
    from learnpath.reports.queries import Scope

    x, y, cohort = _network(make_org, make_user)
    builder = Builder(
        Inputs(Scope(x.id), ALL, 5, get_content(), True, services.department_names(x))
    )
    assert builder.people().value(ALL) == 7


def test_hr_of_the_other_member_sees_the_network_cohort_with_its_own_people(
    client, make_org, make_user, login_as
):
    """Y's HR did not see X's network cohort at all (only cohorts of its own organisation)."""
    _x, y, _cohort = _network(make_org, make_user)
    login_as(make_user(Role.HR, organisation=y))
    row = _row(client.get("/cohorten").text, "Netwerkgroep Zuid")
    assert "6 / 16" in row and "13 / 16" not in row
    assert "/cohorten/" not in row  # no link: HR of Y does not manage it


def test_hr_of_an_organisation_without_people_in_it_does_not_see_it(
    client, make_org, make_user, login_as
):
    _network(make_org, make_user)
    outsider = make_org("Gemeente Elders")
    login_as(make_user(Role.HR, organisation=outsider))
    assert "Netwerkgroep Zuid" not in client.get("/cohorten").text


HR_PAGES = ("/", "/cohorten", "/rapportage/organisatie", "/rapportage/evaluatie")


def test_hr_pages_do_not_grow_with_the_other_members_people(client, make_org, make_user, login_as):
    """X's HR pages run as many statements with 6 or with 11 of Y's people in the network
    cohort, and with a second network cohort of Y's."""
    from tests.factories import make_cohort
    from tests.test_page_query_counts import page_queries

    x, y, cohort = _network(make_org, make_user, own=6, other=6, capacity=20)
    hr = make_user(Role.HR, organisation=x)
    before = {url: page_queries(client, login_as, hr, url) for url in HR_PAGES}
    for _ in range(5):
        enrol(cohort, make_user(Role.PARTICIPANT, organisation=y))
    y_coach = make_user(Role.FACILITATOR, organisation=y)
    theirs = make_cohort(y, y_coach, name="Y's eigen groep", open_to=[y, x])
    plan(theirs, y_coach)
    for _ in range(8):
        enrol(theirs, make_user(Role.PARTICIPANT, organisation=y))
    after = {url: page_queries(client, login_as, hr, url) for url in HR_PAGES}
    for url, statements in before.items():
        assert len(after[url]) == len(statements), url
