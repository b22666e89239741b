"""Extensions are honest (issue 20, point 7): an extension only ever gives more time, it is
labelled "verlengd" only when it does, the participant is told by mail, and a facilitator can
extend one assignment for the whole group in one step."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from learnpath import create_app
from learnpath.accounts.models import Role, User
from learnpath.assignments import services
from learnpath.assignments.models import CohortDeadline, DeadlineExtension
from learnpath.cohorts.models import Cohort, Enrolment
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.cohorts.test_concurrency import _run_all

SLUG = "loopbaanvraag"


@pytest.fixture
def threads_app(app_config, _migrated, app) -> Flask:
    """A second app on the same database, for real threads with connections of their own."""
    sqlite = app_config["DATABASE_URL"].startswith("sqlite")
    options = {"connect_args": {"timeout": 60, "check_same_thread": False}} if sqlite else {}
    return create_app({**app_config, "SQLALCHEMY_ENGINE_OPTIONS": {**options, "pool_size": 10}})


ZONE = ZoneInfo("Europe/Amsterdam")


def _due(group, content):
    return services.base_due_moments(group.cohort, content, group.sessions)[SLUG]


def _local(moment) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def _deadline_mails(user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "assignment.deadline_set",
                OutboxMessage.recipient_email == user.email,
            )
        )
    )


def test_an_earlier_extension_is_refused_with_the_current_deadline_and_input_kept(
    group, login_as, client, content
):
    enrolment = group.enrolments[0]
    due = _due(group, content)
    login_as(group.facilitator)
    url = f"/cohorten/{group.cohort.id}/deelnemers/{enrolment.id}/verlenging"
    earlier = _local(due - timedelta(days=2))
    page = client.post(url, data={"assignment": SLUG, "due_at": earlier})
    assert page.status_code == 200
    assert "Een verlenging geeft meer tijd: kies een moment na de huidige deadline" in page.text
    assert f'value="{earlier}"' in page.text
    assert db.session.scalar(select(func.count()).select_from(DeadlineExtension)) == 0
    assert _deadline_mails(enrolment.user) == []
    # The same moment is no extension either.
    assert client.post(url, data={"assignment": SLUG, "due_at": _local(due)}).status_code == 200


def test_a_later_extension_is_labelled_and_mailed(group, login_as, client, content):
    enrolment = group.enrolments[0]
    due = _due(group, content)
    login_as(group.facilitator)
    url = f"/cohorten/{group.cohort.id}/deelnemers/{enrolment.id}/verlenging"
    later = due + timedelta(days=3)
    response = client.post(url, data={"assignment": SLUG, "due_at": _local(later)})
    assert response.status_code == 302
    (mail,) = _deadline_mails(enrolment.user)
    assert "nieuwe deadline" in mail.body_text
    # Back to a moment before their extension (though after the group's): a shortening.
    shorter = _local(due + timedelta(days=1))
    assert client.post(url, data={"assignment": SLUG, "due_at": shorter}).status_code == 200
    assert db.session.scalar(select(DeadlineExtension.due_at)) == later
    assert "(verlengd)" in client.get(f"/cohorten/{group.cohort.id}/deelnemers/{enrolment.id}").text
    login_as(enrolment.user)
    assert "(verlengd)" in client.get("/opdrachten").text


def test_a_group_deadline_past_an_extension_counts_and_is_not_called_extended(
    group, login_as, client, content
):
    """Sessions move later: the group's deadline passes someone's extension. The extension
    never shortens their time, and "verlengd" is no longer shown."""
    enrolment = group.enrolments[0]
    due = _due(group, content)
    services.grant_extension(
        enrolment, content.assignments[SLUG], due + timedelta(days=1), group.facilitator
    )
    db.session.commit()
    for session in group.sessions:
        session.starts_at += timedelta(days=7)
    db.session.commit()
    moved = _due(group, content)
    assert services.due_for(enrolment, content.assignments[SLUG], content) == moved
    login_as(enrolment.user)
    assert "(verlengd)" not in client.get("/opdrachten").text


def test_the_whole_group_is_extended_in_one_step(make_group, login_as, client, content):
    g = make_group(size=3)
    due = _due(g, content)
    first, second, third = g.enrolments
    assignment = content.assignments[SLUG]
    services.grant_extension(first, assignment, due + timedelta(days=1), g.facilitator)
    services.grant_extension(second, assignment, due + timedelta(days=9), g.facilitator)
    db.session.commit()
    login_as(g.facilitator)
    url = f"/cohorten/{g.cohort.id}/opdrachten/deadline"
    refused = client.post(url, data={"assignment": SLUG, "due_at": _local(due - timedelta(days=1))})
    assert refused.status_code == 200 and "Een verlenging geeft meer tijd" in refused.text
    new = due + timedelta(days=5)
    assert client.post(url, data={"assignment": SLUG, "due_at": _local(new)}).status_code == 302
    # Everyone has at least the new moment; the later own extension stands.
    dues = [services.due_for(e, assignment, content) for e in g.enrolments]
    assert dues == [new, due + timedelta(days=9), new]
    assert db.session.scalar(select(func.count()).select_from(DeadlineExtension)) == 1
    assert len(_deadline_mails(third.user)) == 1
    assert len(_deadline_mails(first.user)) == 2  # their own extension, then the group's
    assert len(_deadline_mails(second.user)) == 1  # only their own: the group's gives less
    # Twice the same: still one group deadline, no second mail.
    later = new + timedelta(days=1)
    services.set_group_deadline(g.cohort, assignment, later, g.facilitator, content)
    services.set_group_deadline(
        g.cohort, assignment, later + timedelta(hours=1), g.facilitator, content
    )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CohortDeadline)) == 1


def test_facilitators_of_another_cohort_cannot_extend(group, make_user, login_as, client, content):
    other = make_user(Role.FACILITATOR)
    login_as(other)
    enrolment = group.enrolments[0]
    later = _local(_due(group, content) + timedelta(days=3))
    base = f"/cohorten/{group.cohort.id}"
    data = {"assignment": SLUG, "due_at": later}
    assert client.post(f"{base}/deelnemers/{enrolment.id}/verlenging", data=data).status_code == 404
    assert client.post(f"{base}/opdrachten/deadline", data=data).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(DeadlineExtension)) == 0


def test_extensions_at_the_same_moment_end_in_one_row_with_the_latest(threads_app, group, content):
    """Four facilitators' group extensions and four personal ones at once (real threads and
    connections): no error but honest refusals, one row each, the latest moment stands."""
    due = _due(group, content)
    cohort_id, enrolment_id, actor_id = (
        group.cohort.id,
        group.enrolments[0].id,
        group.facilitator.id,
    )
    moments = [due + timedelta(days=d) for d in (2, 4, 6, 8)]

    def group_job(moment):
        def job() -> None:
            cohort = db.session.get(Cohort, cohort_id)
            actor = db.session.get(User, actor_id)
            services.set_group_deadline(cohort, content.assignments[SLUG], moment, actor, content)

        return job

    def own_job(moment):
        def job() -> None:
            enrolment = db.session.get(Enrolment, enrolment_id)
            actor = db.session.get(User, actor_id)
            later = moment + timedelta(days=10)
            services.grant_extension(enrolment, content.assignments[SLUG], later, actor, content)

        return job

    errors = _run_all(threads_app, [group_job(m) for m in moments] + [own_job(m) for m in moments])
    assert all(isinstance(e, services.AssignmentError) for e in errors), errors
    db.session.expire_all()
    assert db.session.scalars(select(CohortDeadline.due_at)).all() == [moments[-1]]
    assert db.session.scalars(select(DeadlineExtension.due_at)).all() == [
        moments[-1] + timedelta(days=10)
    ]
