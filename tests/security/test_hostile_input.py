"""The crashes the fuzzing of issue #16.6 found, one test each: a 4xx with a message, never a 500."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from learnpath.accounts.models import Role
from learnpath.assignments.models import FacilitatorNote, Feedback, Submission
from learnpath.cohorts import invite_csv
from learnpath.extensions import db
from learnpath.web.inputs import MAX_ID, IdConverter, parse_id
from tests.factories import make_cohort

NUL_MESSAGE = "NUL-teken"
TOO_BIG = [str(2**31), str(2**63), "9" * 30]


# --- the invitation CSV form posted without a file -------------------------------------------


def test_invitation_csv_form_without_a_file_says_choose_a_file(group, login_as, client):
    login_as(group.facilitator)
    url = f"/cohorten/{group.cohort.id}/uitnodigen-csv"
    response = client.post(url, data={}, follow_redirects=True)
    assert response.status_code == 200
    assert "Kies een bestand." in response.text


def test_an_invitation_file_with_a_nul_character_is_not_readable():
    with pytest.raises(invite_csv.NotReadable):
        invite_csv.parse(b"email\na\x00@example.org\n")


# --- ids that do not fit the database ---------------------------------------------------------


def test_every_route_id_is_bounded(app):
    unbounded = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())  # noqa: SLF001
    ]
    assert unbounded == [], "use <id:...> (learnpath.web.inputs) for ids in routes"
    assert any(
        isinstance(c, IdConverter)
        for rule in app.url_map.iter_rules()
        for c in rule._converters.values()  # noqa: SLF001
    )


def test_parse_id_accepts_only_ids_that_fit():
    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID and parse_id(7) == 7
    for bad in ["0", "-1", str(MAX_ID + 1), "1e3", "NaN", "", "١", " ", True, 0, 2**63]:
        with pytest.raises(ValueError):
            parse_id(bad)


@pytest.mark.parametrize("big", TOO_BIG)
def test_move_with_ids_beyond_the_database_range_is_not_found(group, login_as, client, big):
    login_as(group.facilitator)
    cohort, enrolment = group.cohort.id, group.enrolments[0].id
    for url in [
        f"/cohorten/{big}/inschrijvingen/{enrolment}/verplaatsen",
        f"/cohorten/{cohort}/inschrijvingen/{big}/verplaatsen",
    ]:
        assert client.post(url, data={"target": str(cohort)}).status_code == 404, url
    url = f"/cohorten/{cohort}/inschrijvingen/{enrolment}/verplaatsen"
    assert client.post(url, data={"target": big}).status_code == 404


@pytest.mark.parametrize("big", TOO_BIG)
def test_calendar_link_with_a_cohort_id_beyond_the_range_is_a_bad_request(
    org, make_user, login_as, client, big
):
    coach = make_user(Role.FACILITATOR)
    make_cohort(org, coach)
    login_as(coach)
    assert client.post("/agenda/link", data={"cohort_id": big}).status_code == 400
    assert client.post("/agenda/link/intrekken", data={"cohort_id": big}).status_code == 400


def test_retry_of_failed_messages_ignores_ids_beyond_the_range(make_user, login_as, client):
    login_as(make_user(Role.ADMIN))
    response = client.post("/beheer/berichten", data={"message_id": TOO_BIG})
    assert response.status_code == 302


# --- NUL characters ---------------------------------------------------------------------------


def _hand_in(client, login_as, participant) -> Submission:
    login_as(participant)
    data = {
        "b-vraag": "Welke rol past bij mij in de komende jaren?",
        **{f"b-startpunt-{i}-score": "3" for i in range(4)},
        "action": "submit",
    }
    assert client.post("/opdrachten/loopbaanvraag", data=data).status_code == 302
    db.session.expire_all()
    found = db.session.scalar(db.select(Submission).where(Submission.user_id == participant.id))
    assert found is not None
    return found


def test_nul_in_coach_feedback_is_refused_with_a_message(group, login_as, client):
    submission = _hand_in(client, login_as, group.participants[0])
    login_as(group.facilitator)
    url = f"/cohorten/{group.cohort.id}/inzendingen/{submission.id}"
    response = client.post(url, data={"text": "Goed\x00 gedaan\nen meer"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Feedback)) == 0


def test_nul_in_a_coach_note_is_refused_with_a_message(group, login_as, client):
    login_as(group.facilitator)
    url = f"/cohorten/{group.cohort.id}/deelnemers/{group.enrolments[0].id}/notities"
    response = client.post(url, data={"text": "Notitie\x00"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(FacilitatorNote)) == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_nul_in_the_anonymous_lti_login_is_refused(client, method):
    values = {"iss": "https://lms.example.org\x00", "login_hint": "x", "target_link_uri": "y"}
    if method == "GET":
        response = client.get("/lti/login", query_string=values)
    else:
        response = client.post("/lti/login", data=values)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


def test_nul_in_a_field_name_or_the_path_is_refused(client):
    assert client.post("/login", data={"email\x00": "a@example.org"}).status_code == 400
    assert client.get("/opdrachten/abc%00").status_code in (302, 400)
