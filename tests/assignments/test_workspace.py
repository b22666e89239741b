"""Workspace timeline, due moments in the organisation's zone, hand-in and revise rules."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from learnpath.assignments import services
from learnpath.assignments.models import Submission, SubmissionStatus
from learnpath.content_registry import get_content
from learnpath.extensions import db

AMS = ZoneInfo("Europe/Amsterdam")
GOOD_VRAAG = {"b-vraag": "Welke rol past bij mij in de komende jaren?"}
FULL_VRAAG = {**GOOD_VRAAG, **{f"b-startpunt-{i}-score": "3" for i in range(4)}}


def _stored(enrolment, slug="loopbaanvraag"):
    db.session.expire_all()
    return db.session.scalar(
        db.select(Submission).where(
            Submission.enrolment_id == enrolment.id, Submission.assignment_slug == slug
        )
    )


@pytest.mark.parametrize(
    ("next_start_local", "days", "due_local"),
    [
        # An ordinary week: same local time of day, N days earlier.
        (datetime(2026, 3, 16, 9, 30), 2, datetime(2026, 3, 14, 9, 30)),
        # Across the switch to summer time (29 March 2026): still 09:30 local.
        (datetime(2026, 3, 30, 9, 30), 2, datetime(2026, 3, 28, 9, 30)),
        # Across the switch to winter time (25 October 2026).
        (datetime(2026, 10, 26, 9, 30), 1, datetime(2026, 10, 25, 9, 30)),
        (datetime(2026, 10, 26, 9, 30), 0, datetime(2026, 10, 26, 9, 30)),
    ],
)
def test_due_moment_keeps_the_local_time_of_day(next_start_local, days, due_local):
    start = next_start_local.replace(tzinfo=AMS).astimezone(UTC)
    due = services.due_moment(start, days, AMS)
    assert due.tzinfo is not None
    assert due.astimezone(AMS).replace(tzinfo=None) == due_local


def test_due_moments_of_a_cohort_follow_its_sessions(group, content):
    verdieping = group.session("verdieping")
    due = services.base_due_moments(group.cohort, content, group.sessions)
    # loopbaanvraag: after intro, 2 days before the deep-dive session.
    local = verdieping.starts_at.astimezone(AMS)
    assert due["loopbaanvraag"].astimezone(AMS) == local - timedelta(days=2)
    # informatief-gesprek: after the deep-dive, 1 day before the action session.
    actie = group.session("actie").starts_at.astimezone(AMS)
    assert due["informatief-gesprek"].astimezone(AMS) == actie - timedelta(days=1)


def test_unplanned_cohort_has_no_due_moments(make_group, content):
    group = make_group(planned=False)
    due = services.base_due_moments(group.cohort, content, [])
    assert set(due.values()) == {None}


def test_workspace_shows_timeline_with_due_dates_in_the_organisation_zone(group, login_as, client):
    login_as(group.participants[0])
    response = client.get("/opdrachten")
    assert response.status_code == 200
    due = services.base_due_moments(group.cohort, get_content(), group.sessions)["loopbaanvraag"]
    # 2 days before the deep-dive at 09:30 Amsterdam time.
    assert due.astimezone(AMS).strftime("%H:%M") == "09:30"
    assert "09:30" in response.text
    assert "/opdrachten/loopbaanvraag" in response.text
    assert "comes in the action session" in response.text or "actiesessie" in response.text


def test_overdue_assignments_are_marked(group, login_as, client):
    now = datetime.now(UTC)
    group.move_sessions(now - timedelta(days=20))  # intro 20 days ago, deep-dive 6 days ago
    login_as(group.participants[0])
    response = client.get("/opdrachten")
    assert "state-overdue" in response.text


def test_participant_without_a_place_sees_an_explanation(make_user, login_as, client):
    login_as(make_user())
    response = client.get("/opdrachten")
    assert response.status_code == 200
    assert client.get("/opdrachten/loopbaanvraag").status_code == 404


def test_draft_survives_logout(group, login_as, client):
    participant = group.participants[0]
    login_as(participant)
    client.post("/opdrachten/loopbaanvraag", data={**GOOD_VRAAG, "action": "save"})
    client.post("/logout")
    assert client.get("/opdrachten/loopbaanvraag").status_code == 302  # signed out
    login_as(participant)
    response = client.get("/opdrachten/loopbaanvraag")
    assert GOOD_VRAAG["b-vraag"] in response.text


def test_autosave_answers_json_and_keeps_input_on_errors(group, login_as, client):
    login_as(group.participants[0])
    headers = {"X-Autosave": "1"}
    response = client.post("/opdrachten/loopbaanvraag", data=GOOD_VRAAG, headers=headers)
    assert response.status_code == 200 and response.json["saved"] is True
    assert _stored(group.enrolments[0]).answers["vraag"]["value"] == GOOD_VRAAG["b-vraag"]
    response = client.post(
        "/opdrachten/loopbaanvraag", data={"b-vraag": "x" * 600}, headers=headers
    )
    assert response.status_code == 422
    assert "b-vraag" in response.json["errors"]
    # The last good draft is still there.
    assert _stored(group.enrolments[0]).answers["vraag"]["value"] == GOOD_VRAAG["b-vraag"]


def test_hand_in_then_revise_before_the_deadline(group, login_as, client):
    login_as(group.participants[0])
    assert (
        client.post(
            "/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"}
        ).status_code
        == 302
    )
    first = _stored(group.enrolments[0])
    assert first.status == SubmissionStatus.SUBMITTED and not first.is_late
    changed = {**FULL_VRAAG, "b-vraag": "Een scherpere vraag over mijn volgende stap."}
    assert (
        client.post("/opdrachten/loopbaanvraag", data={**changed, "action": "submit"}).status_code
        == 302
    )
    assert _stored(group.enrolments[0]).answers["vraag"]["value"].startswith("Een scherpere")
    # A handed-in assignment is not turned back into a draft.
    response = client.post("/opdrachten/loopbaanvraag", data={**changed, "action": "save"})
    assert response.status_code == 200
    assert _stored(group.enrolments[0]).status == SubmissionStatus.SUBMITTED


def _due(group):
    return services.base_due_moments(group.cohort, get_content(), group.sessions)["loopbaanvraag"]


def test_hand_in_exactly_at_the_due_moment_is_on_time(group, login_as, client):
    due = _due(group)
    with freeze_time(due):
        login_as(group.participants[0])
        client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"})
    stored = _stored(group.enrolments[0])
    assert stored.status == SubmissionStatus.SUBMITTED and stored.is_late is False


def test_hand_in_one_second_after_the_due_moment_is_late(group, login_as, client):
    due = _due(group)
    with freeze_time(due + timedelta(seconds=1)):
        login_as(group.participants[0])
        response = client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"})
        assert response.status_code == 302
    stored = _stored(group.enrolments[0])
    assert stored.status == SubmissionStatus.SUBMITTED and stored.is_late is True


def test_late_boundary_is_local_time_in_a_different_zone(make_org, make_user, make_group, content):
    """The due moment follows the organisation's zone, not the server's or UTC."""
    from tests.factories import make_cohort, plan

    org = make_org(timezone="America/New_York")
    facilitator = make_user(
        __import__("learnpath.accounts.models", fromlist=["Role"]).Role.FACILITATOR,
        organisation=org,
    )
    cohort = make_cohort(org, facilitator)
    sessions = plan(cohort, facilitator)
    due = services.base_due_moments(cohort, content, sessions)["loopbaanvraag"]
    start = next(s for s in sessions if s.blueprint_slug == "verdieping").starts_at
    ny = ZoneInfo("America/New_York")
    assert due.astimezone(ny) == start.astimezone(ny) - timedelta(days=2)


def test_no_revision_after_the_deadline(group, login_as, client):
    due = _due(group)
    with freeze_time(due - timedelta(hours=1)):
        login_as(group.participants[0])
        client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"})
    with freeze_time(due + timedelta(minutes=1)):
        login_as(group.participants[0])
        response = client.post(
            "/opdrachten/loopbaanvraag",
            data={**FULL_VRAAG, "b-vraag": "Te laat gewijzigd, helaas.", "action": "submit"},
        )
        assert response.status_code == 200
        page = client.get("/opdrachten/loopbaanvraag").text
    assert _stored(group.enrolments[0]).answers["vraag"]["value"] == GOOD_VRAAG["b-vraag"]
    assert 'name="action"' not in page  # read-only


def test_extension_moves_the_deadline_and_allows_revision(group, login_as, client):
    due = _due(group)
    with freeze_time(due - timedelta(hours=1)):
        login_as(group.participants[0])
        client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"})
        services.grant_extension(
            group.enrolments[0],
            get_content().assignments["loopbaanvraag"],
            due + timedelta(days=1),
            group.facilitator,
        )
        db.session.commit()
    with freeze_time(due + timedelta(hours=2)):
        login_as(group.participants[0])
        response = client.post(
            "/opdrachten/loopbaanvraag",
            data={**FULL_VRAAG, "b-vraag": "Met verlenging aangepast.", "action": "submit"},
        )
        assert response.status_code == 302
    assert _stored(group.enrolments[0]).answers["vraag"]["value"] == "Met verlenging aangepast."


def test_late_submission_within_an_extension_is_on_time(group, login_as, client):
    due = _due(group)
    services.grant_extension(
        group.enrolments[0],
        get_content().assignments["loopbaanvraag"],
        due + timedelta(days=3),
        group.facilitator,
    )
    db.session.commit()
    with freeze_time(due + timedelta(days=1)):
        login_as(group.participants[0])
        client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"})
    assert _stored(group.enrolments[0]).is_late is False


def test_answers_stay_readable_after_the_content_changes(group, login_as, client, app):
    login_as(group.participants[0])
    client.post(
        "/opdrachten/loopbaanvraag",
        data={**FULL_VRAAG, "b-resultaat": "Een nieuwe baan", "action": "save"},
    )
    content = get_content()
    old = content.assignments["loopbaanvraag"]
    # A later content version drops the "resultaat" block.
    new = dataclasses.replace(old, blocks=tuple(b for b in old.blocks if b.slug != "resultaat"))
    changed = dataclasses.replace(
        content, version="v-next", assignments={**content.assignments, "loopbaanvraag": new}
    )
    app.extensions["learnpath_content"] = changed
    try:
        page = client.get("/opdrachten/loopbaanvraag").text
        assert "Een nieuwe baan" in page  # the old answer is still shown
        # Saving again keeps the answer of the dropped block.
        client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "save"})
        stored = _stored(group.enrolments[0])
        assert stored.answers["resultaat"]["value"] == "Een nieuwe baan"
        assert stored.content_version == "v-next"
    finally:
        app.extensions["learnpath_content"] = content


def test_feedback_makes_the_work_final_and_is_shown(group, login_as, client):
    login_as(group.participants[0])
    client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"})
    submission = _stored(group.enrolments[0])
    services.give_feedback(
        submission, get_content().assignments["loopbaanvraag"], group.facilitator, "Mooi scherp!"
    )
    db.session.commit()
    page = client.get("/opdrachten/loopbaanvraag").text
    assert "Mooi scherp!" in page
    assert 'name="action"' not in page
    response = client.post("/opdrachten/loopbaanvraag", data={**FULL_VRAAG, "action": "submit"})
    assert response.status_code == 200
    assert _stored(group.enrolments[0]).status == SubmissionStatus.REVIEWED
