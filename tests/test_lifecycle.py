"""Deactivating an account (learnpath.accounts.lifecycle): signed out everywhere, no way back in
until reactivated, off waitlists and open offers, seats kept for the facilitator to decide, the
facilitators told, everything in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnpath.accounts import lifecycle
from learnpath.accounts.models import Role, User
from learnpath.accounts.services import AccountError, authenticate
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.privacy.models import AuditEvent
from learnpath.privacy.services import ERASED_DOMAIN, ERASED_PREFIX
from tests.conftest import TEST_PASSWORD
from tests.factories import enrol, make_cohort


def _status(enrolment_id: int) -> EnrolmentStatus:
    db.session.rollback()
    found = db.session.get(Enrolment, enrolment_id)
    assert found is not None
    db.session.refresh(found)
    return found.status


def _deactivate(user: User, by: User | None = None) -> None:
    assert lifecycle.deactivate(user, by=by, reason="admin")
    db.session.commit()


def _leaver_mails(to: User) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "cohorts.leaver", OutboxMessage.recipient_user_id == to.id
            )
        )
    )


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(client, make_user, login_as):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PARTICIPANT, email="leaver@example.org")
    login_as(person)
    assert client.get("/account").status_code == 200

    _deactivate(person, by=admin)

    assert client.get("/account").status_code == 302  # the session no longer signs anyone in
    page = client.post("/login", data={"email": "leaver@example.org", "password": TEST_PASSWORD})
    assert "klopt niet" in page.text
    assert authenticate("leaver@example.org", TEST_PASSWORD, "10.0.0.1") is None
    db.session.rollback()
    found = db.session.get(User, person.id)
    assert found is not None and found.deactivated_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.subject_user_id == person.id))
    assert event is not None
    assert (event.action, event.actor_id) == ("account.deactivated", admin.id)


def test_reactivation_lets_them_in_again_but_old_sessions_stay_ended(client, make_user, login_as):
    person = make_user(Role.PARTICIPANT, email="back@example.org")
    login_as(person)
    _deactivate(person)
    assert lifecycle.reactivate(person)
    db.session.commit()
    assert client.get("/account").status_code == 302  # the old cookie stays dead
    page = client.post("/login", data={"email": "back@example.org", "password": TEST_PASSWORD})
    assert page.status_code == 302
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.subject_user_id == person.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["account.deactivated", "account.reactivated"]
    # Done twice: nothing more happens.
    assert not lifecycle.reactivate(person)


def test_nobody_deactivates_themselves_and_erased_accounts_stay_gone(make_user):
    admin = make_user(Role.ADMIN)
    with pytest.raises(AccountError):
        lifecycle.deactivate(admin, by=admin)
    db.session.rollback()
    erased = make_user(Role.PARTICIPANT, email=f"{ERASED_PREFIX}9-abcd{ERASED_DOMAIN}")
    _deactivate(erased)
    with pytest.raises(AccountError):
        lifecycle.reactivate(erased, by=admin)


def test_waitlist_places_are_withdrawn_and_the_facilitator_is_told(make_user):
    coach = make_user(Role.FACILITATOR, name="Coach Carla")
    cohort = make_cohort(coach.organisation, coach, capacity=4, name="Voorjaar")
    for _n in range(4):
        enrol(cohort, make_user(Role.PARTICIPANT))
    leaver = make_user(Role.PARTICIPANT, name="Lotte Leaver")
    after = make_user(Role.PARTICIPANT)
    waiting = cohorts.sign_up(cohort, leaver)
    behind = cohorts.sign_up(cohort, after)
    db.session.commit()
    assert waiting.status == EnrolmentStatus.WAITLISTED

    _deactivate(leaver)

    assert _status(waiting.id) == EnrolmentStatus.WITHDRAWN
    assert _status(behind.id) == EnrolmentStatus.WAITLISTED
    mails = _leaver_mails(coach)
    assert len(mails) == 1
    assert "Lotte Leaver" in mails[0].subject
    assert "Voorjaar" in mails[0].body_text and "wachtlijst" in mails[0].body_text


def test_an_open_offer_goes_to_the_next_person(make_user):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(coach.organisation, coach, capacity=4, claim_hours=48)
    seat = enrol(cohort, make_user(Role.PARTICIPANT))
    for _n in range(3):
        enrol(cohort, make_user(Role.PARTICIPANT))
    leaver, next_one = make_user(Role.PARTICIPANT), make_user(Role.PARTICIPANT)
    offered = cohorts.sign_up(cohort, leaver)
    behind = cohorts.sign_up(cohort, next_one)
    db.session.commit()
    cohorts.withdraw(seat)
    db.session.commit()
    assert _status(offered.id) == EnrolmentStatus.OFFERED

    _deactivate(leaver)

    assert _status(offered.id) == EnrolmentStatus.WITHDRAWN
    assert _status(behind.id) == EnrolmentStatus.OFFERED


def test_a_seat_is_kept_until_the_facilitator_decides(make_user):
    coach, other_coach = make_user(Role.FACILITATOR), make_user(Role.FACILITATOR)
    cohort = make_cohort(coach.organisation, [coach, other_coach], name="Najaar")
    leaver = make_user(Role.PARTICIPANT, name="Sam Seat")
    seat = enrol(cohort, leaver)

    _deactivate(leaver)

    assert _status(seat.id) == EnrolmentStatus.ENROLLED
    for facilitator in (coach, other_coach):
        mails = _leaver_mails(facilitator)
        assert len(mails) == 1
        assert "Najaar" in mails[0].body_text
        assert "tot u beslist" in mails[0].body_text or "tot je beslist" in mails[0].body_text
    # The facilitator then removes them the usual way.
    db.session.rollback()
