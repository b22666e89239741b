"""The cohort's change history is complete (issue 20, point 9): withdrawals, promotions from
the waitlist, offers that expired and removals with their reason are on the cohort page; the
expiry mail says that the time ran out."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts import services
from learnpath.cohorts.models import CohortAction, CohortChange, DropoutReason, EnrolmentStatus
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.factories import make_cohort


def _changes(cohort) -> list[tuple[str, dict]]:
    return [
        (c.action, json.loads(c.detail))
        for c in db.session.scalars(
            select(CohortChange)
            .where(CohortChange.cohort_id == cohort.id)
            .order_by(CohortChange.id)
        )
    ]


def test_withdrawal_promotion_expiry_and_removal_are_in_the_history(
    org, make_user, login_as, client
):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach, capacity=4, claim_hours=24)
    people = [make_user(Role.PARTICIPANT, name=f"Persoon {n}") for n in "ABCDEF"]
    a, b, c, d, e, f = (services.sign_up(cohort, p) for p in people)
    db.session.commit()
    assert e.status == f.status == EnrolmentStatus.WAITLISTED

    services.withdraw(a)  # A leaves: E is offered the place
    db.session.commit()
    assert e.status == EnrolmentStatus.OFFERED
    services.expire_offers(now=utcnow() + timedelta(hours=25))  # E lets it pass: F's turn
    db.session.commit()
    services.remove(b, coach, DropoutReason.NEW_JOB)
    db.session.commit()

    actions = [action for action, _values in _changes(cohort)]
    assert actions == [
        CohortAction.CREATED,
        CohortAction.WITHDRAWN,
        CohortAction.PROMOTED,
        CohortAction.OFFER_EXPIRED,
        CohortAction.PROMOTED,
        CohortAction.REMOVED,
    ]
    login_as(coach)
    page = client.get(f"/cohorten/{cohort.id}").text
    history = page[page.index('aria-labelledby="history-heading"') :]
    for text in (
        "Deelnemer afgemeld",
        "Persoon A (plek opgegeven)",
        "Doorgeschoven van de wachtlijst",
        "Persoon E (plek aangeboden, te bevestigen vóór",
        "Aangeboden plek verlopen",
        "Persoon E heeft de aangeboden plek niet vóór",
        "Deelnemer verwijderd",
        "Persoon B (Andere baan gevonden)",
    ):
        assert text in history, text

    (mail,) = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient_email == people[4].email,
            OutboxMessage.kind == "enrolment.withdrawn",
        )
    )
    assert mail.subject == "De tijd om je plek te bevestigen is verstreken"
    assert "niet op tijd bevestigd" in mail.body_text


def test_leaving_the_waitlist_and_a_declined_invitation_say_how(org, make_user):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach, capacity=4)
    for _n in range(4):
        services.sign_up(cohort, make_user(Role.PARTICIPANT))
    waiting = services.sign_up(cohort, make_user(Role.PARTICIPANT))
    invited = services.invite(cohort, make_user(Role.PARTICIPANT), coach)
    db.session.commit()
    services.withdraw(waiting)
    services.withdraw(invited)
    db.session.commit()
    withdrawn = [v for action, v in _changes(cohort) if action == CohortAction.WITHDRAWN]
    assert [(v["enrolment"], v["was"]) for v in withdrawn] == [
        (waiting.id, "waitlisted"),
        (invited.id, "invited"),
    ]
