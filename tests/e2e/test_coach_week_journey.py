"""A coach's week (issue 20): see all sessions at once, copy a cohort, cancel a session and
plan its replacement, keep the cohort as a template; message the group, export the roster and
take attendance.

The demo has no cohort of last month, so the coach copies "groep 2" (planned in the coming
weeks); the copy is the journey's own cohort, where a session is cancelled and replaced, so the
other journeys' sessions stay untouched. The message, the export and the attendance are of
"groep 2" itself (it has participants); for the attendance of its deep-dive session the
server's clock is set to just after it started, and back afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.journeys import (
    FACILITATOR,
    assert_accessible,
    login,
    main_menu,
    phone,
    snap,
    visit,
)

GROUP_2 = "Loopbaantraject voorjaar – groep 2"
COPY = "Loopbaantraject zomer – kopie e2e"


def scan_h1(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    assert_accessible(page)


def test_coach_week(page: Page, clock: Callable[[datetime], None]) -> None:
    login(page, FACILITATOR)
    main_menu(page).get_by_role("link", name="Groepen", exact=True).click()
    scan_h1(page, "Groepen")

    # All my sessions at a glance, also at phone width (no sideways scrolling).
    page.get_by_role("main").get_by_role("link", name="Al mijn sessies").click()
    phone(page)
    scan_h1(page, "Al mijn sessies")
    page.get_by_role("link", name="Maand", exact=True).click()
    scan_h1(page, "Al mijn sessies")
    page.get_by_role("link", name="Volgende maand").click()
    scan_h1(page, "Al mijn sessies")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Copy groep 2: settings and facilitators come along, the first date is proposed.
    main_menu(page).get_by_role("link", name="Groepen", exact=True).click()
    scan_h1(page, "Groepen")
    page.get_by_role("link", name=GROUP_2, exact=True).click()
    scan_h1(page, GROUP_2)
    page.get_by_role("main").get_by_role("link", name="Kopiëren", exact=True).click()
    scan_h1(page, f"{GROUP_2} kopiëren")
    first = page.get_by_label("Datum van de eerste sessie", exact=True)
    proposed = date.fromisoformat(first.input_value())
    assert proposed.weekday() == 0  # the demo plans on Mondays
    page.get_by_label("Naam", exact=True).fill(COPY)
    # A Tuesday is refused, with the input kept.
    first.fill((proposed + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Kopie aanmaken").click()
    scan_h1(page, f"{GROUP_2} kopiëren")
    expect(page.get_by_text(re.compile("Kies een datum op dezelfde weekdag"))).to_be_visible()
    expect(page.get_by_label("Naam", exact=True)).to_have_value(COPY)
    # Later than proposed, so that its sessions stay out of the other journeys' "next" lists.
    first_day = proposed + timedelta(weeks=8)
    page.get_by_label("Datum van de eerste sessie", exact=True).fill(first_day.isoformat())
    page.get_by_role("button", name="Kopie aanmaken").click()
    expect(page.get_by_role("status")).to_have_text(f"Groep {COPY} aangemaakt.")
    scan_h1(page, COPY)
    cohort_url = page.url
    sessions = page.get_by_role("table", name="Geplande sessies").get_by_role("row")
    expect(sessions).to_have_count(4)  # header and three sessions

    # Cancel the deep-dive session: the app asks first.
    page.get_by_role("link", name="Wijzigen Verdiepingssessie").click()
    scan_h1(page, "Verdiepingssessie wijzigen")
    page.get_by_role("link", name="Sessie annuleren").click()
    scan_h1(page, "Verdiepingssessie annuleren?")
    page.get_by_role("button", name="Ja, annuleer de sessie").click()
    expect(page).to_have_url(cohort_url)
    assert_accessible(page)

    # Plan its replacement: a day later, same link, told to the participants.
    page.get_by_role("link", name="Vervanging plannen Verdiepingssessie").click()
    scan_h1(page, "Vervanging plannen voor Verdiepingssessie")
    new_day = first_day + timedelta(days=15)
    page.get_by_label("Datum", exact=True).fill(new_day.isoformat())
    page.get_by_label("Begintijd", exact=True).fill("10:00")
    page.get_by_role("button", name="Vervanging plannen").click()
    expect(page.get_by_role("status")).to_contain_text("De vervanging is gepland.")
    scan_h1(page, COPY)
    expect(page.get_by_role("table", name="Geplande sessies")).not_to_contain_text("Geannuleerd")

    # Keep it as a template of the organisation.
    page.get_by_role("main").get_by_role("link", name="Opslaan als sjabloon", exact=True).click()
    scan_h1(page, f"{COPY} opslaan als sjabloon")
    page.get_by_label("Naam van het sjabloon", exact=True).fill("Zomer e2e")
    page.get_by_role("button", name="Opslaan als sjabloon").click()
    expect(page.get_by_role("status")).to_have_text("Sjabloon Zomer e2e opgeslagen.")
    scan_h1(page, "Sjablonen voor groepen")
    page.get_by_role("link", name="Nieuwe groep Zomer e2e").click()
    scan_h1(page, "Nieuwe groep vanuit sjabloon Zomer e2e")

    # Groep 2: a message to everyone in the group, with a preview first.
    main_menu(page).get_by_role("link", name="Groepen", exact=True).click()
    scan_h1(page, "Groepen")
    page.get_by_role("link", name=GROUP_2, exact=True).click()
    scan_h1(page, GROUP_2)
    group_url = page.url
    compose = page.get_by_role("main").get_by_role("link", name="Bericht sturen")
    if compose.count():  # the cohort page links to it once the messages section is there
        compose.first.click()
        scan_h1(page, "Bericht sturen")
    else:
        visit(page, group_url + "/berichten/nieuw")
    page.get_by_role("group", name="Aan").get_by_role("radio", name="Iedereen in de groep").check()
    page.get_by_label("Onderwerp", exact=True).fill("Voorbereiding eerste sessie")
    page.get_by_label("Bericht", exact=True).fill("Neem je **kwaliteitenlijst** mee.")
    page.get_by_role("button", name="Voorbeeld bekijken").click()
    assert_accessible(page)
    page.get_by_role("button", name="Versturen").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Bericht verstuurd aan \d+"))
    assert_accessible(page)

    # The roster as an Excel file.
    with page.expect_download() as download:
        page.get_by_role("link", name="Deelnemerslijst exporteren (Excel)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert download.value.path().read_bytes()[:2] == b"PK"
    assert_accessible(page)  # the page the download was started from

    # Attendance of the deep-dive session, just after it started (the live-session journey
    # takes the intro's).
    second = page.get_by_role("table", name="Geplande sessies").locator("time").nth(1)
    starts = datetime.fromisoformat(second.get_attribute("datetime") or "")
    clock(starts + timedelta(minutes=10))
    page.get_by_role("link", name="Aanwezigheid Verdiepingssessie").click()
    scan_h1(page, "Aanwezigheid: Verdiepingssessie")
    page.get_by_role("link", name="Begin met “iedereen aanwezig”").click()
    assert_accessible(page)
    page.get_by_role("button", name="Aanwezigheid bevestigen").click()
    expect(page.get_by_role("status")).to_have_text("Aanwezigheid opgeslagen.")
    expect(page).to_have_url(group_url)
    snap(page, "coach-week")
