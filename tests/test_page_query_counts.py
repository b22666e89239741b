"""Participant, facilitator and manager pages run a fixed number of queries (issue 17).

The number of SQL statements a page runs must not grow with the data of other organisations
(the rest of the country) nor with the size of the user's own cohort: a query in a loop over
rows would show up here long before it shows up at national scale (bench/national_scale.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from learnpath.accounts.models import Role
from learnpath.action_plans.models import ActionPlan, PlanShare
from learnpath.cohorts.models import EnrolmentStatus
from learnpath.extensions import db
from tests.factories import full_plan_data
from tests.reports.data import generate

PARTICIPANT_PAGES = (
    "/",
    "/mijn-traject",
    "/opdrachten",
    "/opdrachten/loopbaanvraag",
    "/actieplan",
    "/zelfscan",
    "/agenda",
)
FACILITATOR_PAGES = (
    "/",
    "/cohorten",
    "/cohorten/{cohort}",
    "/cohorten/{cohort}/opdrachten",
    "/leidinggevenden/groepen",
    "/agenda/overzicht",
    "/cohorten/{cohort}/berichten/nieuw",
)
MANAGER_PAGES = ("/", "/team", "/leidinggevenden/mijn-groepen")


@contextmanager
def recorded() -> Iterator[list[str]]:
    statements: list[str] = []

    def before(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def page_queries(client, login_as, user, url: str) -> list[str]:
    """The statements of one request of ``url`` as ``user`` (after a warm-up request)."""
    login_as(user)
    assert client.get(url).status_code == 200, url
    db.session.expire_all()
    with recorded() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


def _viewers(data):
    participant = next(
        f.user for f in data.facts if f.status == EnrolmentStatus.COMPLETED and f.plan is not None
    )
    boss_id = db.session.scalar(
        select(PlanShare.manager_id).where(PlanShare.manager_id.is_not(None)).limit(1)
    )
    cohort = next(f.cohort for f in data.facts if f.user is participant)
    # The generated plans hold only what the reports count; give this one a whole plan.
    for row in db.session.scalars(select(ActionPlan).where(ActionPlan.user_id == participant.id)):
        row.data = full_plan_data()
        for version in row.versions:
            version.data = full_plan_data()
    db.session.commit()
    return participant, data.facilitator, db.session.get(type(participant), boss_id), cohort


def _all_pages(client, login_as, participant, facilitator, boss, cohort) -> dict[str, list[str]]:
    result = {}
    for url in PARTICIPANT_PAGES:
        result[f"participant {url}"] = page_queries(client, login_as, participant, url)
    for url in FACILITATOR_PAGES:
        target = url.format(cohort=cohort.id)
        result[f"facilitator {url}"] = page_queries(client, login_as, facilitator, target)
    for url in MANAGER_PAGES:
        result[f"manager {url}"] = page_queries(client, login_as, boss, url)
    return result


def test_pages_do_not_grow_with_other_organisations_data(app, client, login_as, org, make_org):
    data = generate(org, {"A": 10, "B": 8}, cohorts=2, seed=5, managers=12)
    viewers = _viewers(data)
    before = _all_pages(client, login_as, *viewers)
    # The rest of the country: two more organisations with their programmes, plans and groups.
    generate(make_org(), {"A": 40, "B": 30}, cohorts=6, seed=6, managers=30)
    generate(make_org(), {"C": 25}, cohorts=3, seed=8, managers=12)
    after = _all_pages(client, login_as, *viewers)
    for page, statements in before.items():
        assert len(after[page]) == len(statements), page + "\n" + "\n---\n".join(after[page])


@pytest.mark.parametrize(
    "url",
    [
        "/cohorten/{cohort}",
        "/cohorten/{cohort}/zelfscan",
        "/cohorten/{cohort}/deelnemerslijst.csv",
        "/cohorten/{cohort}/berichten/nieuw",
    ],
)
def test_cohort_pages_do_not_grow_with_the_cohort(make_group, make_user, login_as, client, url):
    facilitator = make_user(Role.FACILITATOR)
    small = make_group(size=2, facilitator=facilitator)
    big = make_group(size=12, facilitator=facilitator)
    few = page_queries(client, login_as, facilitator, url.format(cohort=small.cohort.id))
    many = page_queries(client, login_as, facilitator, url.format(cohort=big.cohort.id))
    assert len(many) == len(few), "\n---\n".join(many)


@pytest.mark.parametrize("url", ["/", "/mijn-traject", "/opdrachten"])
def test_participant_pages_do_not_grow_with_the_cohort(make_group, login_as, client, url):
    small = make_group(size=2)
    big = make_group(size=12)
    few = page_queries(client, login_as, small.participants[0], url)
    many = page_queries(client, login_as, big.participants[0], url)
    assert len(many) == len(few), "\n---\n".join(many)


def _worked_on(enrolment, facilitators, requests: int) -> None:
    """A handed-in "Jij op je best" with feedback from each of ``facilitators`` and ``requests``
    answered invitations to colleagues."""
    import hashlib

    from learnpath.assignments.models import Feedback, FeedbackRequest, Submission
    from learnpath.db import utcnow
    from tests.factories import hand_in

    hand_in(enrolment, "jij-op-je-best")
    submission = db.session.scalar(
        select(Submission).where(Submission.enrolment_id == enrolment.id)
    )
    block = "verhalen"
    for author in facilitators:
        db.session.add(Feedback(submission_id=submission.id, author_id=author.id, text="Goed!"))
    for i in range(requests):
        db.session.add(
            FeedbackRequest(
                submission_id=submission.id,
                block_slug=block,
                colleague_email=f"collega{i}@example.org",
                colleague_name=f"Collega {i}",
                sender_name="Deelnemer",
                token_hash=hashlib.sha256(f"{enrolment.id}-{i}".encode()).hexdigest(),
                expires_at=utcnow(),
                used_at=utcnow(),
                answers=["Zorgvuldig", "Meer ruimte nemen"],
                is_shared_with_facilitator=True,
            )
        )
    db.session.commit()


def test_the_assignment_page_does_not_grow_with_ones_own_work(
    make_group, make_user, login_as, client
):
    """More feedback and more colleagues' answers on one's own submission: the same queries."""
    little, much = make_group(size=1), make_group(size=1)
    _worked_on(little.enrolments[0], [little.facilitator], 1)
    others = [make_user(Role.FACILITATOR) for _ in range(2)]
    _worked_on(much.enrolments[0], [much.facilitator, *others], 6)
    url = "/opdrachten/jij-op-je-best"
    few = page_queries(client, login_as, little.participants[0], url)
    many = page_queries(client, login_as, much.participants[0], url)
    assert len(many) == len(few), "\n---\n".join(many)


def _much_of_ones_own(group, manager, now) -> None:
    """The participant of ``group`` attended the first session (joined, confirmed present: its
    evaluation is open), said they cannot come to the next one, and shared a final plan."""
    from learnpath.action_plans import services as plan_services
    from learnpath.cohorts.models import Attendance, AttendanceStatus
    from learnpath.content_registry import get_content
    from learnpath.live import services as live
    from learnpath.live.models import AbsenceNotice

    person, first, second = group.participants[0], group.sessions[0], group.sessions[1]
    person.manager = manager
    live.record_join(first, person, first.starts_at)
    db.session.add(
        Attendance(
            session_id=first.id,
            user_id=person.id,
            status=AttendanceStatus.PRESENT,
            recorded_by_id=group.facilitator.id,
            recorded_at=first.ends_at,
        )
    )
    db.session.add(AbsenceNotice(session_id=second.id, user_id=person.id, created_at=now))
    plan = plan_services.start_plan(group.enrolments[0], get_content(), "nl")
    plan_services.save_plan(plan, full_plan_data(), now.date(), final=True)
    plan_services.share(plan, manager, ["question", "goals"])
    db.session.commit()


def test_the_participant_home_does_not_grow_with_ones_own_data(
    make_group, make_user, login_as, client, clock
):
    """Attended sessions, an open evaluation, a noted absence and a shared plan: the same
    statements as a participant of the same schedule with none of them."""
    from datetime import timedelta

    from tests.live.conftest import main_of

    little, much = make_group(size=1), make_group(size=1)
    now = much.sessions[0].ends_at + timedelta(hours=1)
    _much_of_ones_own(much, make_user(Role.MANAGER), now)
    clock(now)
    login_as(much.participants[0])
    page = main_of(client.get("/"))
    assert f"/sessies/{much.sessions[0].id}/evaluatie" in page  # the open evaluation shows
    few = page_queries(client, login_as, little.participants[0], "/")
    many = page_queries(client, login_as, much.participants[0], "/")
    assert len(many) == len(few), "\n---\n".join(many)


def test_the_assignment_page_reads_a_hand_in_in_one_more_statement(
    make_group, make_user, login_as, client
):
    """An assignment with a hand-in, feedback of three authors and colleagues' answers costs
    one statement more than one not started (the colleagues' answers), whoever wrote what."""
    untouched, much = make_group(size=1), make_group(size=1)
    others = [make_user(Role.FACILITATOR) for _ in range(2)]
    _worked_on(much.enrolments[0], [much.facilitator, *others], 6)
    url = "/opdrachten/jij-op-je-best"
    none = page_queries(client, login_as, untouched.participants[0], url)
    many = page_queries(client, login_as, much.participants[0], url)
    extra = [s for s in many if "feedback_requests" in s]
    assert len(many) == len(none) + 1 and len(extra) == 1, "\n---\n".join(many)


def test_the_shared_plan_page_reads_the_share_once(setup, shared, login_as, client):
    """Recording the manager's read commits; the share, the plan and the participant it just
    read are not read again for the page."""
    row = shared(["question", "goals"])
    statements = page_queries(client, login_as, setup.manager, f"/team/plannen/{row.id}")
    reads = [s for s in statements if s.startswith("SELECT") and "FROM action_plan_shares" in s]
    assert len(reads) == 1, "\n---\n".join(statements)
