"""Mail people want to read (issue 26), each point with frozen time:

1. an edit that does not move a session does not send its reminder again; a move re-arms it;
2. the reminder says the actual distance ("vandaag om 09:30", "tomorrow at 09:30") in the
   reader's language and zone;
3. work due before someone's seat started is catch-up work: shown at /opdrachten, not mailed;
4. one boundary: at the due moment the work is on time (hand-in and reminder agree);
5. a deadline derived from a cancelled session pauses: no reminders, one "deadline changed"
   mail, "Deadline volgt" on the page; a date set by the facilitator is followed;
6. what falls due together is one digest naming each item; a crash loses nothing and a rerun
   repeats nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from freezegun import freeze_time
from sqlalchemy import func, select

from learnpath.accounts.models import Role
from learnpath.assignments import queries, reminders
from learnpath.assignments import services as assignments
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import EnrolmentStatus
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage, ReminderItem
from learnpath.notifications.text import relative_when
from learnpath.schedule import reminders as session_reminders
from learnpath.schedule import services as schedule
from tests.factories import hand_in, local

#: The five intro assignments due two days before the second session (one moment).
TOGETHER = ["kernkwadrant", "loopbaanvraag", "netwerkkaart", "piekmomenten", "waardenkaart"]


def _due(enrolment, slug: str) -> datetime:
    content = get_content()
    due = assignments.due_for(enrolment, content.assignments[slug], content)
    assert due is not None
    return due


def _messages(user_id: int, kind_prefix: str = "reminder.") -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.recipient_user_id == user_id,
                OutboxMessage.kind.startswith(kind_prefix),
            )
            .order_by(OutboxMessage.id)
        )
    )


def _items(user_id: int) -> list[ReminderItem]:
    return list(
        db.session.scalars(select(ReminderItem).where(ReminderItem.recipient_user_id == user_id))
    )


def _slug(item: ReminderItem) -> str:
    """The assignment of "reminder:assignment:<kind>:<enrolment>:<slug>[:<due>]"."""
    return item.key.split(":")[4]


def _same_time(session, **changes) -> schedule.SessionInput:
    start = local(session)
    values = {
        "blueprint_slug": session.blueprint_slug,
        "day": start.date(),
        "start": start.time(),
        "duration_minutes": session.duration_minutes,
        "meeting_url": session.meeting_url,
        **changes,
    }
    return schedule.SessionInput(**values)


# --- 1. an edit that does not move the session ---------------------------------------------


def test_a_new_meeting_link_on_the_day_does_not_resend_the_day_before_reminder(make_group):
    group = make_group(size=2)
    intro = group.sessions[0]
    programme = get_content().programme(CAREER_PROGRAMME)
    with freeze_time(intro.starts_at - timedelta(hours=23)):
        assert session_reminders.session_reminders() == 2
        db.session.commit()
    with freeze_time(intro.starts_at - timedelta(hours=3)):
        new_link = "https://teams.microsoft.com/l/meetup-join/new-link"
        item = _same_time(intro, meeting_url=new_link)
        assert schedule.reschedule_session(intro, programme, item, group.facilitator)
        db.session.commit()
        assert session_reminders.session_reminders() == 0  # no second "tomorrow"
        assert session_reminders.session_reminders() == 0  # and not on a double tick
    with freeze_time(intro.starts_at - timedelta(minutes=50)):
        assert session_reminders.session_reminders() == 2  # the hour before, with the new link
        db.session.commit()
    person = group.participants[0]
    kinds = [m.kind for m in _messages(person.id, "reminder.session")]
    assert kinds == ["reminder.session.24h", "reminder.session.1h"]
    # The mail holds the learnpath join URL, which leads to the new room.
    assert (
        f"/sessies/{intro.id}/deelnemen" in _messages(person.id, "reminder.session")[-1].body_text
    )


def test_moving_the_session_rearms_its_reminders(make_group):
    group = make_group(size=1)
    intro = group.sessions[0]
    programme = get_content().programme(CAREER_PROGRAMME)
    with freeze_time(intro.starts_at - timedelta(hours=23)):
        assert session_reminders.session_reminders() == 1
        db.session.commit()
        later = local(intro) + timedelta(days=1)
        item = _same_time(intro, day=later.date())
        schedule.reschedule_session(intro, programme, item, group.facilitator)
        db.session.commit()
        assert session_reminders.session_reminders() == 0  # now 47 hours away
    with freeze_time(intro.starts_at - timedelta(hours=23)):
        assert session_reminders.session_reminders() == 1  # reminded of the new start
        db.session.commit()


# --- 2. the actual distance, in the reader's language and zone --------------------------------


def test_a_promotion_on_the_morning_itself_reads_today_not_tomorrow(make_group):
    group = make_group(size=2)
    intro = group.sessions[0]
    dutch, english = group.participants
    english.locale = "en"
    db.session.commit()
    at = local(intro).strftime("%H:%M")
    # Someone who gets their place at 06:30 for a 09:30 session gets the day-before reminder
    # (the first that applies) three hours before it: it must say "today".
    with freeze_time(intro.starts_at - timedelta(hours=3)):
        assert session_reminders.session_reminders() == 2
        db.session.commit()
    [nl_mail] = _messages(dutch.id, "reminder.session")
    assert nl_mail.subject == f"Herinnering: Introductiesessie, vandaag om {at}"
    assert f"begint vandaag om {at}." in nl_mail.body_text
    assert "morgen" not in nl_mail.body_text.lower()
    [en_mail] = _messages(english.id, "reminder.session")
    assert en_mail.subject.startswith("Reminder: ") and en_mail.subject.endswith(f"today at {at}")
    assert f"starts today at {at}." in en_mail.body_text
    assert "tomorrow" not in en_mail.body_text.lower()


def test_relative_when_counts_days_in_the_readers_zone(app):
    amsterdam = SimpleNamespace(
        locale="nl", organisation=SimpleNamespace(timezone="Europe/Amsterdam")
    )
    new_york = SimpleNamespace(
        locale="en", organisation=SimpleNamespace(timezone="America/New_York")
    )
    # 23:00 UTC on 1 March is 00:00 on 2 March in Amsterdam and 18:00 on 1 March in New York.
    now = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    start = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    with force_locale("nl"):
        assert relative_when(start, amsterdam, now) == "morgen om 00:00"
        assert (
            relative_when(now + timedelta(days=5), amsterdam, now) == "op vrijdag 6 maart om 21:00"
        )
    with force_locale("en"):
        assert relative_when(start, new_york, now) == "today at 18:00"
        assert relative_when(start + timedelta(days=1), new_york, now) == "tomorrow at 18:00"
    # Across the March clock change: the wall-clock time is the local one.
    with force_locale("nl"):
        after_change = datetime(2026, 3, 30, 7, 30, tzinfo=UTC)  # 09:30 CEST
        assert relative_when(after_change, amsterdam, after_change - timedelta(hours=20)) == (
            "morgen om 09:30"
        )


# --- 3. work due before the seat started ------------------------------------------------------


def test_someone_promoted_after_deadlines_gets_catch_up_work_not_overdue_mail(
    make_group, make_user, client, login_as
):
    group = make_group(size=4)  # the cohort is full
    late = make_user(Role.PARTICIPANT, name="Laatkomer Wachtlijst")
    waiting = cohorts.sign_up(group.cohort, late)
    db.session.commit()
    assert waiting.status == EnrolmentStatus.WAITLISTED
    due = _due(group.enrolments[0], "kernkwadrant")
    with freeze_time(due + timedelta(hours=2)):
        cohorts.withdraw(group.enrolments[0])
        db.session.refresh(waiting)
        if waiting.status == EnrolmentStatus.OFFERED:
            cohorts.confirm_offer(waiting)
        db.session.commit()
        assert waiting.status == EnrolmentStatus.ENROLLED
        reminders.assignment_reminders()
        reminders.assignment_reminders()
        db.session.commit()
        # The people who had a seat are reminded that the five are overdue; the newcomer
        # only of the work still ahead ("Jij op je best" is due a day later).
        stayed = group.participants[1]
        assert {_slug(i) for i in _items(stayed.id)} >= set(TOGETHER)
        [item] = _items(late.id)
        assert item.kind == "reminder.assignment.due_soon"
        assert _slug(item) == "jij-op-je-best"
        assert [m.kind for m in _messages(late.id)] == ["reminder.assignment.due_soon"]
        catch_up = queries.timeline(waiting, get_content(), due + timedelta(hours=2)).catch_up
        assert sorted(i.assignment.slug for i in catch_up) == sorted(TOGETHER)
        assert all(i.cell.due == due for i in catch_up)
        login_as(late)
        page = client.get("/opdrachten")
        assert page.status_code == 200
        assert "Inhaalwerk" in page.text and "Kernkwadrant" in page.text
        assert "je krijgt er geen herinneringen over" in page.text
    with freeze_time(due + timedelta(days=3)):  # the overdue window of the others: still none
        reminders.assignment_reminders()
        db.session.commit()
    assert [i.kind for i in _items(late.id)] == ["reminder.assignment.due_soon"] * 1 + [
        "reminder.assignment.overdue"
    ]


# --- 4. one boundary ------------------------------------------------------------------------


def test_at_the_due_moment_work_is_on_time_and_not_overdue(make_group):
    group = make_group(size=2)
    first, second = group.enrolments
    content = get_content()
    assignment = content.assignments["loopbaanvraag"]
    due = _due(first, "loopbaanvraag")
    with freeze_time(due):
        reminders.assignment_reminders()
        db.session.commit()
        kinds = {i.kind for i in _items(first.user_id)}
        assert kinds == {"reminder.assignment.due_soon"}  # not overdue at the due moment
        answers = {
            "vraag": {"value": "Hoe zet ik mijn kwaliteiten beter in?"},
            "startpunt": {"scores": [3, 3, 3, 3]},
        }
        handed_in = assignments.submit(second, assignment, content, answers, due)
        assert handed_in.is_late is False
        [cell] = [
            item.cell
            for item in queries.timeline(first, content, due).steps[0].assignments
            if item.assignment.slug == "loopbaanvraag"
        ]
        assert cell.is_overdue is False
    with freeze_time(due + timedelta(microseconds=1)):
        assert assignments.is_past_due(due, due + timedelta(microseconds=1))
        reminders.assignment_reminders()
        db.session.commit()
    overdue = [i for i in _items(first.user_id) if i.kind == "reminder.assignment.overdue"]
    assert len(overdue) == len(TOGETHER)
    assert not [i for i in _items(second.user_id) if i.key.endswith(":loopbaanvraag")]


# --- 5. a deadline that derived from a cancelled session ------------------------------------


def test_cancelled_session_pauses_the_deadline_and_tells_the_participant_once(
    make_group, client, login_as
):
    group = make_group(size=2)
    first, second = group.enrolments
    verdieping = group.sessions[1]  # the intro assignments are due two days before it
    due = _due(first, "kernkwadrant")
    schedule.cancel_session(verdieping, group.facilitator)
    db.session.commit()
    assert (
        assignments.due_for(first, get_content().assignments["kernkwadrant"], get_content()) is None
    )
    for moment in (
        due - timedelta(hours=47),
        due,
        due + timedelta(hours=1),
        due + timedelta(days=2),
    ):
        with freeze_time(moment):
            reminders.assignment_reminders()
            db.session.commit()
    for person in group.participants:
        kinds = {i.kind for i in _items(person.id)}
        assert kinds == {"reminder.assignment.deadline_paused"}  # no due-soon, no overdue
        [mail] = _messages(person.id, "reminder.assignment")  # one mail: all five changed
        # All six intro assignments were due before the cancelled second session.
        assert mail.subject.startswith("Herinnering: 6 opdrachten (")
        assert mail.body_text.count("De deadline volgt") == len(TOGETHER) + 1
    login_as(group.participants[0])
    page = client.get("/opdrachten/kernkwadrant")
    assert "Deadline volgt: de sessie waar deze van afhing, is geannuleerd." in page.text
    overview = client.get("/opdrachten")
    assert "Deadline volgt: de sessie is geannuleerd." in overview.text
    # The facilitator sets a date for one participant: their reminders follow it.
    new_due = due + timedelta(days=10)
    assignments.grant_extension(
        second, get_content().assignments["kernkwadrant"], new_due, group.facilitator
    )
    db.session.commit()
    with freeze_time(new_due - timedelta(hours=40)):
        reminders.assignment_reminders()
        db.session.commit()
    extended = [i for i in _items(second.user_id) if i.kind == "reminder.assignment.due_soon"]
    assert [i.key for i in extended] == [
        reminders.assignment_reminder_key("due_soon", second.id, "kernkwadrant", new_due)
    ]
    mail = db.session.get(OutboxMessage, extended[0].outbox_message_id)
    assert mail.subject.startswith('Herinnering: "Kernkwadrant" moet uiterlijk ')


# --- 6. one digest instead of five identical subjects --------------------------------------


def test_five_reminders_at_once_are_one_digest_naming_each(make_group):
    group = make_group(size=3)
    due = _due(group.enrolments[0], "kernkwadrant")
    with freeze_time(due - timedelta(hours=47)):
        assert reminders.assignment_reminders() == 3  # one message per person
        assert reminders.assignment_reminders() == 0
        db.session.commit()
    for person in group.participants:
        [mail] = _messages(person.id)
        assert mail.kind == "reminder.assignment.digest"
        assert mail.subject.startswith("Herinnering: 5 opdrachten (")
        assert mail.subject.endswith(" en nog 2)")
        at = due.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%H:%M")
        for title in (
            "Kernkwadrant",
            "Je loopbaanvraag",
            "Je netwerkkaart",
            "Piekmomenten in je loopbaan",
        ):
            assert f'"{title}" moet uiterlijk op ' in mail.body_text
        assert mail.body_text.count(f"om {at} ingeleverd zijn") == len(TOGETHER)
        for slug in TOGETHER:
            assert (
                f"/opdrachten/{slug}" in mail.body_text and f"/opdrachten/{slug}" in mail.body_html
            )
        items = _items(person.id)
        assert sorted(_slug(i) for i in items) == sorted(TOGETHER)
        assert {i.outbox_message_id for i in items} == {mail.id}


def test_a_lone_reminder_names_its_assignment(make_group):
    group = make_group(size=1)
    [enrolment] = group.enrolments
    due = _due(enrolment, "jij-op-je-best")
    for slug in TOGETHER:
        hand_in(enrolment, slug)
    with freeze_time(due - timedelta(hours=20)):
        assert reminders.assignment_reminders() == 1
        db.session.commit()
    [mail] = _messages(enrolment.user_id)
    assert mail.kind == "reminder.assignment.due_soon"
    at = due.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%H:%M")
    assert (
        mail.subject
        == f'Herinnering: "Jij op je best" moet uiterlijk morgen om {at} ingeleverd zijn'
    )


def test_due_soon_reminders_starting_shortly_after_join_the_digest(make_group):
    group = make_group(size=1)
    [enrolment] = group.enrolments
    # "Jij op je best" is due a day after the other five; extend those five to two hours
    # before it (an extension only ever gives more time), so it follows two hours after them.
    due = _due(enrolment, "jij-op-je-best") - timedelta(hours=2)
    for slug in TOGETHER:
        assignments.grant_extension(
            enrolment, get_content().assignments[slug], due, group.facilitator
        )
    db.session.commit()
    with freeze_time(due - timedelta(hours=48)):
        assert reminders.assignment_reminders() == 1
        db.session.commit()
    with freeze_time(due - timedelta(hours=46)):  # its own due-soon moment: nothing more
        assert reminders.assignment_reminders() == 0
    [mail] = _messages(enrolment.user_id)
    assert mail.subject.startswith("Herinnering: 6 opdrachten (")
    assert len(_items(enrolment.user_id)) == 6


def test_a_crash_before_the_commit_loses_nothing_and_a_rerun_repeats_nothing(make_group):
    group = make_group(size=2)
    due = _due(group.enrolments[0], "kernkwadrant")
    with freeze_time(due - timedelta(hours=47)):
        assert reminders.assignment_reminders() == 2
        db.session.rollback()  # the job died before its commit: no message, no marks
        assert db.session.scalar(select(func.count()).select_from(ReminderItem)) == 0
        assert reminders.assignment_reminders() == 2
        db.session.commit()
        assert reminders.assignment_reminders() == 0
    with freeze_time(due - timedelta(hours=30)):
        assert reminders.assignment_reminders() == 0  # later ticks do not repeat an item
    for person in group.participants:
        assert len(_messages(person.id)) == 1
        assert len(_items(person.id)) == len(TOGETHER)


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_every_reminder_text_reads_in_both_languages(make_group, locale):
    """The catalogue review: each reminder and the digest, rendered in Dutch and in English,
    has no untranslated or leftover English words and names what it is about."""
    group = make_group(size=1)
    [person] = group.participants
    person.locale = locale
    db.session.commit()
    [enrolment] = group.enrolments
    due = _due(enrolment, "kernkwadrant")
    with freeze_time(group.sessions[0].starts_at - timedelta(minutes=30)):
        session_reminders.session_reminders()
    with freeze_time(due - timedelta(hours=40)):
        reminders.assignment_reminders()
    with freeze_time(_due(enrolment, "jij-op-je-best") + timedelta(hours=1)):
        reminders.assignment_reminders()
    schedule.cancel_session(group.sessions[2], group.facilitator)
    with freeze_time(_due(enrolment, "jij-op-je-best") + timedelta(hours=2)):
        reminders.assignment_reminders()
    db.session.commit()
    mails = _messages(person.id)
    kinds = [m.kind for m in mails]
    # The hour before the intro; five due soon; six overdue; five paused by a cancellation.
    assert kinds == ["reminder.session.1h"] + ["reminder.assignment.digest"] * 3
    words = {
        "nl": ["Herinnering", "vandaag om", "moet uiterlijk", "moest", "De deadline volgt"],
        "en": ["Reminder", "today at", "is due", "was due", "The deadline follows"],
    }[locale]
    text = "\n".join(m.subject + "\n" + m.body_text for m in mails)
    for word in words:
        assert word in text
    other = {"nl": ["Reminder", "today at", "is due"], "en": ["Herinnering", "vandaag", "morgen"]}
    for word in other[locale]:
        assert word not in text


def test_a_deadline_set_for_the_group_ends_the_pause(make_group, make_user, client, login_as):
    group = make_group(size=2)
    first, second = group.enrolments
    schedule.cancel_session(group.sessions[1], group.facilitator)
    db.session.commit()
    url = f"/cohorten/{group.cohort.id}/opdrachten/deadline"
    # Only the group's own facilitators may set it.
    login_as(group.participants[0])
    assert (
        client.post(
            url, data={"assignment": "kernkwadrant", "due_at": "2030-01-01T10:00"}
        ).status_code
        == 403
    )
    login_as(make_user(Role.FACILITATOR))
    assert (
        client.post(
            url, data={"assignment": "kernkwadrant", "due_at": "2030-01-01T10:00"}
        ).status_code
        == 404
    )
    login_as(group.facilitator)
    page = client.get(f"/cohorten/{group.cohort.id}/opdrachten")
    assert "deadline volgt (de sessie is geannuleerd)" in page.text
    assert "Deadline verlengen voor de hele groep" in page.text
    refused = client.post(url, data={"assignment": "kernkwadrant", "due_at": "2020-01-01T10:00"})
    assert refused.status_code == 200 and "Kies een moment in de toekomst." in refused.text
    assert 'value="2020-01-01T10:00"' in refused.text  # the input is kept
    assert client.post(
        url, data={"assignment": "niet-bestaand", "due_at": "2030-01-01T10:00"}
    ).status_code in (200, 404)
    new_local = local(group.sessions[0]) + timedelta(days=20)
    answer = {"assignment": "kernkwadrant", "due_at": new_local.strftime("%Y-%m-%dT%H:%M")}
    assert client.post(url, data=answer).status_code == 302
    new_due = new_local.astimezone(UTC)
    assert (
        assignments.due_for(first, get_content().assignments["kernkwadrant"], get_content())
        == new_due
    )
    for person in group.participants:
        [told] = _messages(person.id, "assignment.deadline_set")
        assert told.subject == 'Nieuwe deadline voor "Kernkwadrant"'
    # Reminders follow the new date; the paused others still say "deadline volgt".
    with freeze_time(new_due - timedelta(hours=40)):
        reminders.assignment_reminders()
        db.session.commit()
    for person in group.participants:
        kinds = {(i.kind, _slug(i)) for i in _items(person.id)}
        assert ("reminder.assignment.due_soon", "kernkwadrant") in kinds
        assert ("reminder.assignment.deadline_paused", "kernkwadrant") not in kinds
        assert ("reminder.assignment.deadline_paused", "loopbaanvraag") in kinds
    login_as(group.participants[1])
    page = client.get("/opdrachten/kernkwadrant")
    assert "Deadline volgt" not in page.text
    assert "Deadline volgt" in client.get("/opdrachten/loopbaanvraag").text
