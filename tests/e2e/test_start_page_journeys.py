"""Journeys from the start page, with the server's time frozen (LEARNPATH_TEST_CLOCK_FILE):

- a participant's first week: the start page says what is next (the intake self-assessment
  before session 1), the self-assessment is done from there, and the join button appears at
  T−15 minutes (before that, the time it opens);
- a manager's start page lists the demo plan waiting for acknowledgement and leads to it.

Uses deelnemer02 (enrolled in "groep 1", untouched by the other journeys) and manager@ (to whom
deelnemer04 of the demo shared a plan). Every page is scanned with axe; at 360 px no page may
scroll sideways, and the menu sits behind a "Menu" button.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.journeys import (
    MANAGER,
    PHONE,
    assert_accessible,
    assert_no_horizontal_scroll,
    login,
    phone,
    snap,
)

FIRST_WEEK = "deelnemer02@rivierstad.example"


def _reload(page: Page) -> None:
    page.reload()
    assert_accessible(page)


def test_participant_first_week_from_the_start_page(page: Page, clock) -> None:
    login(page, FIRST_WEEK)
    phone(page)  # at 360 px (snap adds 1280 px): no page of the week may scroll sideways
    _reload(page)
    panel = page.get_by_role("region", name="Jouw loopbaantraject")
    expect(panel.get_by_role("heading", name="Volgende sessie: Introductiesessie")).to_be_visible()
    starts = datetime.fromisoformat(panel.locator("time").first.get_attribute("datetime") or "")
    due = panel.get_by_role("list").filter(has_text="Zelfscan (beginmeting)")
    expect(due).to_be_visible()
    expect(panel).to_contain_text("openstaande opdrachten, met een latere deadline")
    snap(page, "start-participant-before-session")

    # The self-assessment from the start page; afterwards it is no longer due.
    panel.get_by_role("link", name="Zelfscan (beginmeting)").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    for group in page.locator("fieldset").all():
        radios = group.locator("input[type=radio]")
        if radios.count():
            radios.nth(min(2, radios.count() - 1)).check()
    page.get_by_role("button", name="Mijn antwoorden opslaan").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("banner").get_by_role("link", name="learnpath").click()
    assert_accessible(page)
    expect(panel).not_to_contain_text("Zelfscan (beginmeting)")

    # 16 minutes before: no link, the time it opens instead.
    clock(starts - timedelta(minutes=16))
    _reload(page)
    expect(
        panel.get_by_role("link", name=re.compile("^Deelnemen aan de online sessie"))
    ).to_have_count(0)
    expect(panel).to_contain_text("verschijnt hier om")
    # 15 minutes before: the join button.
    clock(starts - timedelta(minutes=15))
    _reload(page)
    join = panel.get_by_role("link", name=re.compile("^Deelnemen aan de online sessie"))
    expect(join).to_be_visible()
    # The learnpath join URL, which redirects to the room (tests/e2e/test_live_session_journeys).
    expect(join).to_have_attribute("href", re.compile(r"^/sessies/\d+/deelnemen$"))
    snap(page, "start-participant-join-open")


def test_narrow_screen_menu_button_and_no_sideways_scroll(page: Page) -> None:
    login(page, FIRST_WEEK)
    page.set_viewport_size(PHONE)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    toggle = page.get_by_role("banner").get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    assert_no_horizontal_scroll(page)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Opdrachten", exact=True)).to_be_visible()
    assert_accessible(page)
    for name in ("Opdrachten", "Mijn traject", "Actieplan"):
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        menu.get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)  # at 360 px this also asserts no sideways scroll
        if name == "Opdrachten":
            # A table block (rows of columns) scrolls inside its region, not the page.
            page.get_by_role("main").get_by_role("link", name="Kernkwadrant").first.click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Kernkwadrant")
            assert_accessible(page)
    page.keyboard.press("Escape")


def test_manager_start_page_leads_to_the_waiting_plan(page: Page) -> None:
    login(page, MANAGER)
    phone(page)
    _reload(page)
    panel = page.get_by_role("region", name="Leidinggevende")
    waiting = panel.get_by_role("link", name=re.compile("^Actieplan van "))
    expect(waiting.first).to_be_visible()
    expect(panel).to_contain_text("wacht tot je medewerker een tijd kiest")
    snap(page, "start-manager")
    waiting.first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
