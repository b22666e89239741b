"""Discreet calendar mode (issue #23, item 5): for a person with ``discreet_calendar`` the feed,
the invitations (.ics) and the subject of every mail hold none of the programme's words; for
everyone else they still do. Each calendar is read by two independent parsers (``ical``,
strict, and ``vobject`` with validate=True) besides ``icalendar``.

What stays on purpose (learnpath/ical/discreet.py): the UID (a career conversation's is
``career-conversation-<n>@learnpath``: clients never show it, and a changed UID would leave the
old event behind), SEQUENCE and times; the join URL ``/sessies/<id>/deelnemen`` (the plain word
"sessie" is therefore not in the list, the content's session names are) and a conversation's
agreed place.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import select

from learnpath.accounts.models import Role, User
from learnpath.action_plans import services as plans
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import CohortKind
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.ical import services as ical_services
from learnpath.ical.services import feed_links
from learnpath.messages import services as messages
from learnpath.messages.models import Audience, BodyFormat
from learnpath.notifications.models import OutboxMessage
from learnpath.notifications.services import queue_message
from learnpath.schedule import services as schedule
from tests.ical.factories import PROGRAMME, THIRD_DAY, enrol, make_cohort, plan, reschedule
from tests.ical.parsing import assert_times_match, check_icalendar
from tests.manager_tracks.helpers import SERIES, plan_workshop
from tests.manager_tracks.helpers import make_group as make_manager_group

COHORT_NAME = "Voorjaarsgroep Zuid"
COACH_NAME = "Anna Adviseur"
NOTES = "Neem je intervisie-casus mee"
#: The programme's own words, in both languages.
WORDS = [
    "traject",
    "loopbaan",
    "career",
    "cohort",
    "deep-dive",
    "deep dive",
    "actieplan",
    "action plan",
    "intervisie",
    "intervision",
    "workshop",
    "kansenbank",
    "opportunit",
    "competentie",
    "competenc",
    "meijers",
    "gesprek",
    "conversation",
    COHORT_NAME,
    COACH_NAME,
    "anna@coach.example",
    NOTES,
]


def content_words() -> list[str]:
    """Names from the content: the programme, its sessions, the competencies, the workshop
    series and its meetings, in both languages."""
    content = get_content()
    programme = content.programme(PROGRAMME)
    texts = [programme.name, *(s.name for s in programme.sessions)]
    texts += [c.name for c in content.competencies.values()]
    series = content.workshop_series[SERIES]
    texts += [series.name, *(m.name for m in series.meetings)]
    texts += [a.title for a in content.assignments_for(PROGRAMME)]
    return sorted({text.get(locale) for text in texts for locale in ("nl", "en")})


def programme_words() -> list[str]:
    return [w.lower() for w in [*WORDS, *content_words()]]


def unfolded(ics: str | bytes) -> str:
    text = ics.decode() if isinstance(ics, bytes) else ics
    return text.replace("\r\n ", "").replace("\r\n", "\n")


def without_uids(ics: str | bytes) -> str:
    """The calendar's text without its UID lines (the UID stays; see the module text)."""
    return "\n".join(line for line in unfolded(ics).split("\n") if not line.startswith("UID:"))


def found_words(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in programme_words() if word in lowered]


def texts_by_parser(ics: str | bytes) -> dict[str, list[dict[str, str]]]:
    """Per independent parser, per event: the texts a calendar app shows."""
    text = ics.decode() if isinstance(ics, bytes) else ics
    check_icalendar(text)
    by_ical = []
    for event in IcsCalendarStream.calendar_from_ics(text).events:
        organizer = event.organizer
        by_ical.append(
            {
                "summary": event.summary or "",
                "description": event.description or "",
                "location": event.location or "",
                "class": str(event.classification.value if event.classification else ""),
                "organizer": ""
                if organizer is None
                else f"{organizer.common_name} {organizer.uri}",
            }
        )
    by_vobject = []
    calendar = vobject.readOne(text, validate=True)
    for event in getattr(calendar, "vevent_list", []):
        contents = event.contents
        organizer = contents.get("organizer", [None])[0]
        by_vobject.append(
            {
                "summary": event.summary.value,
                "description": contents["description"][0].value
                if "description" in contents
                else "",
                "location": contents["location"][0].value if "location" in contents else "",
                "class": contents["class"][0].value if "class" in contents else "",
                "organizer": ""
                if organizer is None
                else f"{organizer.params.get('CN', [''])[0]} {organizer.value}",
            }
        )
    return {"ical": by_ical, "vobject": by_vobject}


def assert_discreet_calendar(ics: str | bytes, title: str, *, invitation: bool) -> None:
    """No programme word anywhere, and both parsers read the neutral texts."""
    assert found_words(without_uids(ics)) == []
    for parser, events in texts_by_parser(ics).items():
        assert events, parser
        for event in events:
            assert (
                event["summary"].removeprefix("Geannuleerd: ").removeprefix("Cancelled: ") == title
            ), (parser, event)
            assert event["description"] == "", parser
            assert event["class"] == "PRIVATE", parser
            assert found_words(" ".join(event.values())) == [], (parser, event)
            if invitation:
                assert event["organizer"].startswith(("Agenda mailto:", "Calendar mailto:"))
                assert "noreply@learnpath.local" in event["organizer"]
            else:
                assert event["organizer"] == "", parser


def feed_url(user: User, cohort=None, facilitating: bool = False) -> str:  # type: ignore[no-untyped-def]
    row = ical_services.issue_token(user, cohort, facilitating=facilitating)
    db.session.commit()
    links = feed_links(row)
    assert links is not None
    return links.https.removeprefix("http://localhost")


def mails(user: User) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient_user_id == user.id)
            .order_by(OutboxMessage.id)
        )
    )


@pytest.fixture
def coach(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.FACILITATOR, name=COACH_NAME, email="anna@coach.example", locale="nl")


@pytest.fixture
def cohort(org, coach):  # type: ignore[no-untyped-def]
    return make_cohort(org, [coach], name=COHORT_NAME, signup_days=60)


def _run_a_programme(cohort, coach, people):  # type: ignore[no-untyped-def]
    """Plan, enrol, move, write to the group, cancel one session, withdraw the first person."""
    from tests.ical import factories

    programme = get_content().programme(PROGRAMME)
    items = factories.inputs()
    items[1] = schedule.SessionInput(
        items[1].blueprint_slug, items[1].day, items[1].start, 180, factories.MEETING_URL, NOTES
    )
    sessions = schedule.schedule_sessions(cohort, programme, items, coach)
    db.session.commit()
    enrolments = [enrol(cohort, person) for person in people]
    reschedule(sessions[2], THIRD_DAY + timedelta(days=1), time(14, 0), coach)
    draft = messages.Draft(
        Audience.COHORT, "Intervisie en je actieplan", "Tot dan", BodyFormat.PLAIN
    )
    messages.send(cohort, coach, draft, "discreet-test-message")
    db.session.commit()
    schedule.cancel_session(sessions[2], coach)
    db.session.commit()
    cohorts.withdraw(enrolments[0])
    db.session.commit()
    return sessions


def test_a_discreet_person_sees_no_programme_word_in_feed_invitations_or_subjects(
    client, org, cohort, coach, make_user
):
    hidden = make_user(Role.PARTICIPANT, name="Piet Deelnemer", locale="nl")
    hidden.discreet_calendar = True
    english = make_user(Role.PARTICIPANT, name="Jane Doe", locale="en")
    english.discreet_calendar = True
    other = make_user(Role.PARTICIPANT, name="Olga Open", locale="nl")
    db.session.commit()
    urls = {u.id: feed_url(u) for u in (english, other)}
    sessions = _run_a_programme(cohort, coach, [hidden, english, other])

    # The person who withdrew got REQUESTs, changes and the CANCELs; the others the cancel.
    for person, title in ((hidden, "Afspraak"), (english, "Appointment")):
        sent = mails(person)
        assert len(sent) >= 5
        for message in sent:
            assert found_words(message.subject) == [], message.subject
            assert message.body_text.startswith(
                ("Je hebt een persoonlijk bericht.", "You have a personal message.")
            )
            assert 'style="display:none' in message.body_html
            if message.ics is not None:
                assert_discreet_calendar(message.ics, title, invitation=True)
                assert found_words(message.body_text) == [], message.body_text
        invitations = [m for m in sent if m.ics is not None]
        assert {m.ics_method for m in invitations} >= {"REQUEST", "CANCEL"}
        assert invitations[0].subject.startswith(
            ("Uitnodiging: Afspraak", "Invitation: Appointment")
        )
    # Same UID and SEQUENCE as everyone's, so the events are the same ones.
    neutral = [m for m in mails(english) if m.ics is not None]
    plain = [m for m in mails(other) if m.ics is not None]
    uids = {s.uid for s in sessions}
    for message in neutral:
        event = check_icalendar(message.ics).walk("VEVENT")[0]
        assert str(event["UID"]) in uids
    assert_times_match(neutral[0].ics, [sessions[0]])

    body = client.get(urls[english.id]).data
    assert_discreet_calendar(body, "Appointment", invitation=False)
    assert_times_match(body, sessions)
    assert "X-WR-CALNAME:Appointments" in unfolded(body)
    assert "Cancelled: Appointment" in unfolded(body)  # F13 still holds

    # Everyone else still reads what it is.
    assert COHORT_NAME in unfolded(client.get(urls[other.id]).data)
    assert any(COHORT_NAME in m.subject for m in plain)
    assert any(found_words(m.subject) for m in mails(other))
    assert not mails(other)[0].body_text.startswith("Je hebt een persoonlijk bericht.")


def test_the_career_conversation_is_an_appointment_for_a_discreet_participant(
    client, setup, shared
):
    participant = db.session.get(User, setup.participant.id)
    participant.discreet_calendar = True
    db.session.commit()
    row = shared(["goals"])
    before = len(mails(participant))
    conversation = plans.propose_times(row, [utcnow() + timedelta(days=5)], 60, utcnow(), "Kamer 1")
    plans.accept_time(conversation, conversation.proposals[0].id, utcnow())
    db.session.commit()
    plans.revoke(row)
    db.session.commit()

    sent = mails(participant)[before:]
    assert len(sent) >= 2
    for message in sent:
        assert found_words(message.subject) == [], message.subject
    invitations = [m for m in sent if m.ics is not None]
    assert [m.ics_method for m in invitations] == ["REQUEST", "CANCEL"]
    for message in invitations:
        assert_discreet_calendar(message.ics, "Afspraak", invitation=True)
        assert f"UID:career-conversation-{conversation.id}@learnpath" in message.ics
        assert "LOCATION:Kamer 1" in message.ics  # the agreed place stays
        assert found_words(message.body_text) == [], message.body_text
    # The manager, not in discreet mode, still gets the named conversation.
    manager_mails = [m for m in mails(setup.manager) if m.kind.startswith("career_conversation")]
    assert manager_mails and all(found_words(m.ics) for m in manager_mails)
    assert setup.participant.name in manager_mails[0].subject


def test_a_discreet_participants_feed_shows_the_conversation_neutrally(client, setup, shared):
    participant = db.session.get(User, setup.participant.id)
    participant.discreet_calendar = True
    db.session.commit()
    url = feed_url(participant)
    row = shared(["goals"])
    conversation = plans.propose_times(row, [utcnow() + timedelta(days=5)], 60, utcnow(), "Kamer 1")
    plans.accept_time(conversation, conversation.proposals[0].id, utcnow())
    db.session.commit()
    body = client.get(url).data
    assert f"UID:career-conversation-{conversation.id}@learnpath" in unfolded(body)
    assert_discreet_calendar(body, "Afspraak", invitation=False)
    manager_url = feed_url(db.session.get(User, setup.manager.id))
    assert found_words(without_uids(client.get(manager_url).data))


def test_a_discreet_manager_in_a_workshop_group_gets_appointments(client, org, make_user):
    coach = make_user(Role.FACILITATOR, name=COACH_NAME, email="anna@coach.example")
    manager = make_user(Role.MANAGER, name="Mia Manager", locale="nl")
    manager.discreet_calendar = True
    colleague = make_user(Role.MANAGER, name="Kees Collega", locale="nl")
    db.session.commit()
    url = feed_url(manager)
    group = make_manager_group(
        org, coach, [manager, colleague], kind=CohortKind.WORKSHOP, name=COHORT_NAME
    )
    sessions = plan_workshop(group, coach)
    sent = mails(manager)
    invitations = [m for m in sent if m.ics is not None]
    assert len(invitations) == len(sessions)
    for message in sent:
        assert found_words(message.subject) == [], message.subject
    for message in invitations:
        assert_discreet_calendar(message.ics, "Afspraak", invitation=True)
    body = client.get(url).data
    assert_discreet_calendar(body, "Afspraak", invitation=False)
    assert_times_match(body, sessions)
    assert any(found_words(m.ics) for m in mails(colleague) if m.ics is not None)


def test_switching_the_mode_updates_the_feed_in_place(client, cohort, coach, make_user):
    person = make_user(Role.PARTICIPANT, locale="nl")
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    url = feed_url(person)
    first = client.get(url)
    plain = {str(e["UID"]): e for e in check_icalendar(first.data).walk("VEVENT")}
    assert COHORT_NAME in unfolded(first.data)
    person.discreet_calendar = True
    db.session.commit()
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200  # new bytes, new ETag
    assert second.headers["ETag"] != first.headers["ETag"]
    neutral = {str(e["UID"]): e for e in check_icalendar(second.data).walk("VEVENT")}
    assert neutral.keys() == plain.keys() == {s.uid for s in sessions}
    for uid, event in neutral.items():
        assert event["SEQUENCE"] == plain[uid]["SEQUENCE"]
        assert event["DTSTART"].dt == plain[uid]["DTSTART"].dt
        assert str(event["SUMMARY"]) == "Afspraak"
    assert client.get(url, headers={"If-None-Match": second.headers["ETag"]}).status_code == 304
    assert_discreet_calendar(second.data, "Afspraak", invitation=False)
    person.discreet_calendar = False
    db.session.commit()
    assert client.get(url).data == first.data


def test_a_facilitators_own_feeds_follow_the_mode_too(client, cohort, coach):
    plan(cohort, coach)
    coach.discreet_calendar = True
    db.session.commit()
    for url in (feed_url(coach, cohort), feed_url(coach, facilitating=True), feed_url(coach)):
        assert_discreet_calendar(client.get(url).data, "Afspraak", invitation=False)


def test_every_mail_to_a_discreet_person_has_the_neutral_subject(app, make_user):
    hidden = make_user(Role.PARTICIPANT, locale="nl")
    hidden.discreet_calendar = True
    english = make_user(Role.PARTICIPANT, locale="en")
    english.discreet_calendar = True
    other = make_user(Role.PARTICIPANT, locale="nl")
    subject = "Je loopbaantraject: deep-dive over je actieplan"
    for user in (hidden, english, other):
        queue_message("test.any", user, subject, "accounts/mfa_reset")
    db.session.commit()
    assert [m.subject for m in mails(hidden)] == ["Bericht van learnpath"]
    assert [m.subject for m in mails(english)] == ["A message from learnpath"]
    assert [m.subject for m in mails(other)] == [subject]
    message = mails(english)[0]
    assert message.body_text.startswith("You have a personal message. Open it to read it.\n\n")
    head, _, rest = message.body_html.partition("<body")
    assert rest.split(">", 1)[1].lstrip().startswith('<div style="display:none')
    assert not mails(other)[0].body_text.startswith("Je hebt")


def test_the_calendar_page_explains_the_mode_and_links_the_setting(client, login_as, make_user):
    person = make_user(Role.PARTICIPANT, locale="nl")
    login_as(person)
    page = client.get("/agenda").text
    assert "Discrete agenda" in page
    assert 'href="/account/zichtbaarheid"' in page
    assert "De discrete modus staat uit." in page
    person.discreet_calendar = True
    db.session.commit()
    assert "De discrete modus staat aan." in client.get("/agenda").text
