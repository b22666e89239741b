"""Journeys of cohorts and enrolment: sign up, create and plan a cohort, waitlist promotion.

The journeys share the run's database, so each one uses its own demo participants:
- sign-up: deelnemer22 joins "groep 2" (which has free places);
- new cohort: coach@ creates a cohort of 4 places, deelnemer23..26 fill it;
- waitlist: deelnemer01 leaves the full "groep 1", deelnemer13 (first on its waitlist) moves up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.journeys import (
    ADMIN,
    DESKTOP,
    FACILITATOR,
    assert_accessible,
    login,
    logout,
    main_menu,
    snap,
    track,
    untrack,
)

ZONE = ZoneInfo("Europe/Amsterdam")  # the demo organisation's time zone
GROUP_1 = "Loopbaantraject voorjaar – groep 1"
GROUP_2 = "Loopbaantraject voorjaar – groep 2"
SESSION_NAMES = ("Introductiesessie", "Verdiepingssessie", "Actiesessie")
# A Dutch date and time as the app writes it: "maandag 3 maart 2025, 09:30 – 11:00".
DUTCH_WHEN = r"\w+dag \d{1,2} \w+ \d{4}, \d\d:\d\d – \d\d:\d\d"


def participant(number: int) -> str:
    return f"deelnemer{number:02d}@rivierstad.example"


# --- steps --------------------------------------------------------------------------------------


def open_menu_item(page: Page, name: str) -> None:
    """Follow a link in the main menu (behind "Menu" at 360 px) and scan the page it opens."""
    main_menu(page).get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def sign_up_for(page: Page, cohort: str) -> None:
    """As a signed-in participant: open the sign-up page and sign up for cohort (no waitlist)."""
    open_menu_item(page, "Aanmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden voor een loopbaantraject")
    card = page.get_by_role("region", name=cohort, exact=True)
    expect(card).to_contain_text(re.compile(r"\d+ van \d+ plaatsen vrij"))
    # The button's accessible name carries the cohort's name: "Aanmelden <cohort>".
    card.get_by_role("button", name=f"Aanmelden {cohort}", exact=True).click()
    expect(page).to_have_url(re.compile(r"/mijn-traject$"))
    expect(page.get_by_role("status")).to_have_text(f"Je bent aangemeld voor {cohort}.")
    assert_accessible(page)


def expect_my_sessions(page: Page, cohort: str, *, with_links: bool) -> None:
    """On /mijn-traject: the three sessions with Dutch dates and times, join links or none."""
    card = page.get_by_role("region", name=cohort, exact=True)
    sessions = card.get_by_role("listitem")
    expect(sessions).to_have_count(3)
    for item, name in zip(sessions.all(), SESSION_NAMES, strict=True):
        expect(item).to_contain_text(name)
        expect(item).to_contain_text(re.compile(DUTCH_WHEN))
        join = item.get_by_role("link", name=f"Deelnemen aan de online sessie {name}", exact=True)
        if with_links:
            expect(join).to_have_attribute("href", re.compile(r"/sessies/\d+/deelnemen$"))
        else:
            expect(join).to_have_count(0)


def dutch_when(day: date, start: time, minutes: int) -> str:
    """How the app shows a session's time in Dutch: "maandag 3 maart 2025, 09:30 – 11:00"."""
    begins = datetime.combine(day, start, tzinfo=ZONE)
    ends = begins + timedelta(minutes=minutes)
    return (
        format_datetime(begins, "EEEE d MMMM y, HH:mm", tzinfo=ZONE, locale="nl")
        + " – "
        + format_time(ends, "HH:mm", tzinfo=ZONE, locale="nl")
    )


@contextmanager
def another_browser(browser: Any, server: LiveServer) -> Iterator[Page]:
    """A second person at their own computer: a fresh context whose pages must all be scanned."""
    context = browser.new_context(base_url=server.base_url, viewport=DESKTOP, locale="nl-NL")
    context.set_default_timeout(15_000)
    other = context.new_page()
    track(other)
    try:
        yield other
    finally:
        tracker = untrack(other)
        context.close()
    unscanned = tracker.unscanned()
    assert not unscanned, "pages loaded but never scanned with assert_accessible: " + ", ".join(
        unscanned
    )


# --- journeys -----------------------------------------------------------------------------------


def test_participant_signs_up_and_sees_the_sessions(page: Page) -> None:
    login(page, participant(22))
    sign_up_for(page, GROUP_2)

    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn traject")
    card = page.get_by_role("region", name=GROUP_2, exact=True)
    expect(card).to_contain_text("Ingeschreven")
    expect_my_sessions(page, GROUP_2, with_links=True)
    # The demo plans the deep-dive (3 hours) at 09:00, the two short sessions at 09:30.
    items = card.get_by_role("listitem")
    expect(items.nth(0)).to_contain_text(re.compile(r", 09:30 – 11:00"))
    expect(items.nth(1)).to_contain_text(re.compile(r", 09:00 – 12:00"))
    expect(items.nth(2)).to_contain_text(re.compile(r", 09:30 – 11:00"))

    # Back on the sign-up page the cohort now says the participant is in.
    open_menu_item(page, "Aanmelden")
    mine = page.get_by_role("region", name=GROUP_2, exact=True)
    expect(mine).to_contain_text("Ingeschreven")
    expect(mine.get_by_role("button")).to_have_count(0)
    open_menu_item(page, "Mijn traject")
    snap(page, "participant-signed-up")


def test_facilitator_creates_and_plans_a_cohort_that_fills_up(
    page: Page, browser: Any, server: LiveServer
) -> None:
    name = "Loopbaantraject zomer – e2e-groep"
    now = datetime.now(ZONE).replace(second=0, microsecond=0, tzinfo=None)
    # A Tuesday four to five weeks ahead; the next sessions a week apart (the programme's minimum).
    first_day = now.date() + timedelta(weeks=4)
    first_day += timedelta(days=(1 - first_day.weekday()) % 7)
    plan = [  # (session, day, duration the programme proposes)
        ("Introductiesessie", first_day, 90),
        ("Verdiepingssessie", first_day + timedelta(weeks=1), 180),
        ("Actiesessie", first_day + timedelta(weeks=2), 90),
    ]
    start = time(9, 30)
    link = "https://meet.jit.si/rivierstad-e2e-zomer"

    login(page, FACILITATOR)
    open_menu_item(page, "Groepen")
    page.get_by_role("main").get_by_role("link", name="Nieuwe groep").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe groep")
    assert_accessible(page)

    page.get_by_label("Naam", exact=True).fill(name)
    page.get_by_label("Aantal plaatsen", exact=True).fill("4")
    page.get_by_label("Aanmelden opent", exact=True).fill(
        (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Aanmelden sluit", exact=True).fill(
        (now + timedelta(weeks=2)).strftime("%Y-%m-%dT%H:%M")
    )
    who = page.get_by_role("group", name="Wie kan zich aanmelden")
    who.get_by_role("radio", name="Iedere medewerker van de gekozen organisaties").check()
    expect(
        page.get_by_role(
            "checkbox", name="Aanmelding moet worden goedgekeurd door de leidinggevende"
        )
    ).not_to_be_checked()
    open_to = page.get_by_role("group", name="Open voor", exact=True)
    expect(open_to.get_by_role("checkbox", name="Gemeente Rivierstad")).to_be_checked()
    facilitators = page.get_by_role("group", name="Begeleiders", exact=True)
    expect(facilitators.get_by_role("checkbox", name="Carla Coach")).to_be_checked()
    page.get_by_role("main").get_by_role("button", name="Opslaan", exact=True).click()

    expect(page).to_have_url(re.compile(r"/cohorten/\d+/planning$"))
    expect(page.get_by_role("status")).to_have_text(f"Groep {name} aangemaakt.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan de sessies van {name}")
    assert_accessible(page)
    for session, day, minutes in plan:
        fields = page.get_by_role("group", name=session, exact=True)
        fields.get_by_label("Datum", exact=True).fill(day.isoformat())
        fields.get_by_label("Begintijd", exact=True).fill(start.strftime("%H:%M"))
        expect(fields.get_by_label("Duur (minuten)", exact=True)).to_have_value(str(minutes))
        fields.get_by_label("Vergaderlink", exact=True).fill(link)
    page.get_by_role("group", name="Introductiesessie", exact=True).get_by_label(
        "Toelichting voor deelnemers", exact=True
    ).fill("Zet je camera aan als dat kan.")
    page.get_by_role("button", name="Planning opslaan").click()

    expect(page).to_have_url(re.compile(r"/cohorten/\d+$"))
    cohort_url = page.url
    expect(page.get_by_role("status")).to_contain_text("De sessies zijn gepland.")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert_accessible(page)
    main = page.get_by_role("main")
    expect(main).to_contain_text("0 van 4 plaatsen bezet")
    sessions = page.get_by_role("table", name="Geplande sessies")
    for session, day, minutes in plan:
        row = sessions.get_by_role("row").filter(has_text=session)
        expect(row).to_contain_text(dutch_when(day, start, minutes))
        expect(row).to_contain_text("Gepland")
    roster = page.get_by_role("table", name="Deelnemers met een plaats")
    expect(roster).to_contain_text("Nog niemand heeft een plaats.")

    # Four colleagues sign up, one after the other, at their own computer; the facilitator
    # reloads the cohort page after each and sees the roster grow.
    newcomers = [
        (23, "Wouter Jacobs"),
        (24, "Yara de Haan"),
        (25, "Zeynep Vermeulen"),
        (26, "Bas van den Berg"),
    ]
    with another_browser(browser, server) as colleague:
        for count, (number, person) in enumerate(newcomers, start=1):
            login(colleague, participant(number))
            sign_up_for(colleague, name)
            expect(colleague.get_by_role("region", name=name, exact=True)).to_contain_text(
                "Ingeschreven"
            )
            expect_my_sessions(colleague, name, with_links=True)
            logout(colleague)

            page.reload()
            assert_accessible(page)
            expect(main).to_contain_text(f"{count} van 4 plaatsen bezet")
            expect(roster.get_by_role("rowheader", name=person, exact=True)).to_be_visible()

    expect(page).to_have_url(cohort_url)
    body_rows = roster.locator("tbody").get_by_role("row")
    expect(body_rows).to_have_count(4)
    for _number, person in newcomers:
        expect(body_rows.filter(has_text=person)).to_contain_text("Ingeschreven")
    expect(main).to_contain_text("0 op de wachtlijst")
    expect(page.get_by_role("region", name="Wachtlijst", exact=True)).to_contain_text(
        "Er staat niemand op de wachtlijst."
    )
    snap(page, "facilitator-cohort-full")


def test_waitlisted_participant_moves_up_when_someone_withdraws(page: Page) -> None:
    # First on the waitlist of the full group 1: position 1, no join links yet.
    login(page, participant(13))
    open_menu_item(page, "Mijn traject")
    card = page.get_by_role("region", name=GROUP_1, exact=True)
    expect(card).to_contain_text("Op de wachtlijst")
    expect(card).to_contain_text("Je staat op nummer 1 van de wachtlijst.")
    expect_my_sessions(page, GROUP_1, with_links=False)
    logout(page)

    # Someone with a place withdraws; the withdraw button sits behind a disclosure.
    login(page, participant(1))
    open_menu_item(page, "Mijn traject")
    card = page.get_by_role("region", name=GROUP_1, exact=True)
    expect(card).to_contain_text("Ingeschreven")
    withdraw = card.get_by_role("button", name="Afmelden", exact=True)
    expect(withdraw).to_be_hidden()
    card.get_by_text("Afmelden voor dit traject", exact=True).click()
    expect(card.get_by_text("Als je je afmeldt", exact=False)).to_be_visible()
    withdraw.click()
    expect(page).to_have_url(re.compile(r"/mijn-traject$"))
    expect(page.get_by_role("status")).to_have_text(f"Je bent afgemeld voor {GROUP_1}.")
    assert_accessible(page)
    expect(page.get_by_role("region", name=GROUP_1, exact=True)).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text(f"{GROUP_1} — Afgemeld")
    logout(page)

    # The one who moved up is told (the message waits in the outbox).
    login(page, ADMIN)
    open_menu_item(page, "Postvak uit")
    page.get_by_role("row").filter(has_text=participant(13)).filter(
        has_text="Je hebt een plaats in het loopbaantraject"
    ).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Je hebt een plaats in het loopbaantraject"
    )
    assert_accessible(page)
    expect(page.locator(".message-body").first).to_contain_text(f"plaats in {GROUP_1}")
    logout(page)

    # The first on the waitlist now has the place, with the join links.
    login(page, participant(13))
    open_menu_item(page, "Mijn traject")
    card = page.get_by_role("region", name=GROUP_1, exact=True)
    expect(card).to_contain_text("Ingeschreven")
    expect(card).not_to_contain_text("Je staat op nummer")
    expect_my_sessions(page, GROUP_1, with_links=True)
    snap(page, "waitlist-promoted")
