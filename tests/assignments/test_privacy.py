"""Who sees what: participants only their own work, facilitators only their own cohorts,
managers and HR nothing of this."""

from __future__ import annotations

import pytest

from learnpath.accounts.models import Role
from learnpath.assignments.models import Submission
from learnpath.extensions import db

FULL_VRAAG = {
    "b-vraag": "Welke rol past bij mij in de komende jaren? Geheim-A",
    **{f"b-startpunt-{i}-score": "3" for i in range(4)},
}


@pytest.fixture
def handed_in(group, login_as, client):
    login_as(group.participants[0])
    client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"})
    return db.session.scalar(db.select(Submission))


def test_a_participant_never_sees_another_participants_work(group, handed_in, login_as, client):
    login_as(group.participants[1])
    for url in ("/opdrachten", "/opdrachten/loopbaanvraag", "/zelfscan"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Geheim-A" not in response.text
    # Participant pages never take an id of someone else's work; facilitator pages refuse.
    assert client.get(f"/cohorten/{group.cohort.id}/inzendingen/{handed_in.id}").status_code == 403


def test_a_facilitator_sees_only_their_own_cohorts(group, handed_in, make_user, login_as, client):
    other = make_user(Role.FACILITATOR)
    login_as(other)
    cohort_id = group.cohort.id
    for url in (
        f"/cohorten/{cohort_id}/opdrachten",
        f"/cohorten/{cohort_id}/inzendingen/{handed_in.id}",
        f"/cohorten/{cohort_id}/deelnemers/{group.enrolments[0].id}",
        f"/cohorten/{cohort_id}/zelfscan",
    ):
        assert client.get(url).status_code == 404, url


def test_a_submission_must_belong_to_the_cohort_in_the_url(
    group, make_group, handed_in, login_as, client
):
    mine = make_group(size=1, facilitator=group.facilitator)
    login_as(group.facilitator)
    url = f"/cohorten/{mine.cohort.id}/inzendingen/{handed_in.id}"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR, Role.ADMIN])
def test_managers_hr_and_admins_see_nothing(group, handed_in, make_user, login_as, client, role):
    # Even the participant's own manager.
    user = make_user(role)
    group.participants[0].manager = user
    db.session.commit()
    login_as(user)
    cohort_id = group.cohort.id
    for url in (
        "/opdrachten",
        "/opdrachten/loopbaanvraag",
        "/zelfscan",
        f"/cohorten/{cohort_id}/opdrachten",
        f"/cohorten/{cohort_id}/inzendingen/{handed_in.id}",
        f"/cohorten/{cohort_id}/deelnemers/{group.enrolments[0].id}",
        f"/cohorten/{cohort_id}/zelfscan",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Geheim-A" not in response.text
