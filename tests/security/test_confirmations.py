"""Nothing is lost by one click (issue 16, point 8): removing a participant asks for a reason
with no default and confirms; cancelling a session confirms; a manager leaving a workshop
group is asked to confirm, with a button of its own (not the sign-out text). Without JavaScript:
every step is a page with a form."""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts import services
from learnpath.cohorts.models import CohortKind, CohortSession, Enrolment, EnrolmentStatus
from learnpath.extensions import db
from tests.factories import enrol, make_cohort, plan
from tests.manager_tracks.helpers import enrolment, make_group, plan_workshop
from tests.security.html_forms import form_posting_to, forms_of


def _status(enrolment_id: int) -> EnrolmentStatus:
    found = db.session.get(Enrolment, enrolment_id)
    assert found is not None
    db.session.refresh(found)
    return found.status


def _posts_to(html: str, action: str) -> bool:
    return any(f.method == "post" and f.action == action for f in forms_of(html))


def test_removing_a_participant_asks_for_a_reason_without_default(client, org, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    person = make_user(Role.PARTICIPANT, name="Rita Roster")
    seat = enrol(cohort, person)
    login_as(coach)
    action = f"/cohorten/{cohort.id}/inschrijvingen/{seat.id}/verwijderen"

    # The cohort page removes nobody in one click: it links to a confirmation page.
    detail = client.get(f"/cohorten/{cohort.id}").text
    assert not _posts_to(detail, action)
    assert f'href="{action}"' in detail

    page = client.get(action)
    assert page.status_code == 200
    assert "Rita Roster" in page.text
    assert _status(seat.id) == EnrolmentStatus.ENROLLED
    form = form_posting_to(page.text, action, action)
    assert form.values["reason"] == [""]  # no reason chosen until the facilitator picks one
    assert "workload" in form.options["reason"]

    # Submitted as it stands: shown again with a message, nobody removed.
    response = client.post(action, data=form.data())
    assert response.status_code == 200
    assert "Kies een reden." in response.text
    assert _status(seat.id) == EnrolmentStatus.ENROLLED

    response = client.post(action, data=form.data(reason="health"))
    assert response.status_code == 302
    assert _status(seat.id) == EnrolmentStatus.DROPPED_OUT
    removed = db.session.get(Enrolment, seat.id)
    assert removed is not None and removed.dropout_reason is not None
    assert removed.dropout_reason.value == "health"


def test_removing_from_the_waitlist_confirms_too(client, org, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach, capacity=4)
    for _ in range(4):
        enrol(cohort, make_user(Role.PARTICIPANT))
    waiting = services.sign_up(cohort, make_user(Role.PARTICIPANT))
    db.session.commit()
    assert waiting.status == EnrolmentStatus.WAITLISTED
    login_as(coach)
    action = f"/cohorten/{cohort.id}/inschrijvingen/{waiting.id}/verwijderen"
    detail = client.get(f"/cohorten/{cohort.id}").text
    assert not _posts_to(detail, action)
    client.post(action, data={"reason": ""})
    assert _status(waiting.id) == EnrolmentStatus.WAITLISTED


def test_cancelling_a_session_confirms(client, org, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    sessions = plan(cohort, coach)
    login_as(coach)
    target = sessions[0]
    action = f"/cohorten/{cohort.id}/sessies/{target.id}/annuleren"

    edit = client.get(f"/cohorten/{cohort.id}/sessies/{target.id}")
    assert edit.status_code == 200
    assert not _posts_to(edit.text, action)
    assert f'href="{action}"' in edit.text

    page = client.get(action)
    assert page.status_code == 200
    form = form_posting_to(page.text, action, action)
    session = db.session.get(CohortSession, target.id)
    assert session is not None and not session.is_cancelled
    assert client.post(action, data=form.data()).status_code == 302
    db.session.refresh(session)
    assert session.is_cancelled


def test_a_manager_leaving_a_workshop_confirms_with_its_own_label(client, org, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    manager = make_user(Role.MANAGER)
    group = make_group(org, coach, [manager], kind=CohortKind.WORKSHOP)
    plan_workshop(group, coach)
    login_as(manager)
    action = f"/leidinggevenden/groepen/{group.id}/afmelden"

    mine = client.get("/leidinggevenden/mijn-groepen").text
    assert not _posts_to(mine, action)
    main = mine.split("<main", 1)[1]
    assert "Uitloggen" not in main  # the sign-out text belongs to the header only
    assert "Afmelden voor deze groep" in main

    page = client.get(action)
    assert page.status_code == 200
    assert enrolment(group, manager).status == EnrolmentStatus.ENROLLED
    form = form_posting_to(page.text, action, action)
    assert "Ja, meld me af voor deze groep" in form.buttons
    assert client.post(action, data=form.data()).status_code == 302
    left = db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == group.id, Enrolment.user_id == manager.id)
    )
    assert left is not None
    db.session.refresh(left)
    assert left.status == EnrolmentStatus.WITHDRAWN
