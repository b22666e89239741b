"""The facilitator's report of an own cohort."""

from __future__ import annotations

from learnpath.accounts.models import Role
from tests.reports import expected
from tests.reports.data import generate


def test_facilitator_sees_figures_of_own_cohort_only(client, login_as, make_user, org):
    data = generate(org, {"A": 24}, cohorts=1)
    cohort = data.cohorts[0]
    login_as(data.facilitator)
    html = client.get(f"/rapportage/groepen/{cohort.id}").text
    assert "Generated Person" not in html and "@example.org" not in html
    # Dutch Excel: a byte-order mark and ";" (learnpath.web.spreadsheet.localised_csv_response)
    csv_text = client.get(f"/rapportage/groepen/{cohort.id}/status.csv").text
    assert csv_text.startswith("\ufeff")
    lines = csv_text.lstrip("\ufeff").strip().splitlines()
    values = expected.status(data.facts)
    for line, value in zip(lines[1:7], values, strict=True):
        cell = line.rsplit(";", 1)[1]
        assert cell == (str(value) if value == 0 or value >= 5 else cell)
        if 0 < value < 5:
            assert cell in ("< 5", "verborgen", "hidden")
    assert lines[-1].endswith(f";{len(data.facts)}")
    assert client.get(f"/rapportage/groepen/{cohort.id}/nope.csv").status_code == 404

    other = make_user(Role.FACILITATOR)
    login_as(other)
    assert client.get(f"/rapportage/groepen/{cohort.id}").status_code == 404
    assert client.get(f"/rapportage/groepen/{cohort.id}/status.csv").status_code == 404
    assert cohort.name not in client.get("/rapportage/").text


def test_a_cohort_below_the_threshold_shows_no_figures(client, login_as, org):
    data = generate(org, {"A": 4}, cohorts=1)
    login_as(data.facilitator)
    html = client.get(f"/rapportage/groepen/{data.cohorts[0].id}").text
    assert "<table" not in html
    assert client.get(f"/rapportage/groepen/{data.cohorts[0].id}/status.csv").status_code == 404


def test_index_lists_what_each_role_may_open(client, login_as, make_user, org):
    login_as(make_user(Role.HR))
    html = client.get("/rapportage/").text
    assert "/rapportage/organisatie" in html and "/privacy/gebruikers" not in html
    login_as(make_user(Role.ADMIN))
    assert "/privacy/gebruikers" in client.get("/rapportage/").text
