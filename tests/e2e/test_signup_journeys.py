"""Sign-up by work address in the browser: the admin lists the organisation's domain; a new
colleague goes from the invitation link to a seat in three screens (sign-up form, "check your
mailbox", the open cohorts reached through the mailed link)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.journeys import (
    ADMIN,
    DESKTOP,
    assert_accessible,
    first_link,
    login,
    read_outbox_message,
    snap,
    track,
    untrack,
    visit,
)

GROUP_2 = "Loopbaantraject voorjaar – groep 2"
NEWCOMER = "nieuwe.collega@rivierstad.example"


def test_a_new_colleague_signs_up_by_work_address_and_takes_a_seat(
    page: Page, browser: Any, server: LiveServer
) -> None:
    # The administrator lists the organisation's email domain.
    login(page, ADMIN)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Aanmelden met werkadres", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden met werkadres")
    assert_accessible(page)
    page.get_by_label("E-maildomein", exact=True).fill("rivierstad.example")
    page.get_by_role("main").get_by_role("button", name="Domein toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("Het domein is toegevoegd.")
    expect(page.get_by_role("row").filter(has_text="rivierstad.example")).to_be_visible()
    assert_accessible(page)

    # The newcomer, at their own computer, follows the link from the invitation mail.
    context = browser.new_context(base_url=server.base_url, viewport=DESKTOP, locale="nl-NL")
    context.set_default_timeout(15_000)
    newcomer = context.new_page()
    track(newcomer)
    screens: list[str] = []
    newcomer.on(
        "framenavigated",
        lambda frame: screens.append(frame.url) if frame == newcomer.main_frame else None,
    )
    try:
        visit(newcomer, "/aanmelden")  # screen 1
        expect(newcomer.get_by_role("heading", level=1)).to_have_text("Maak je account")
        newcomer.get_by_label("E-mailadres van je werk", exact=True).fill(NEWCOMER)
        newcomer.get_by_label("Je naam", exact=True).fill("Noor Nieuw")
        newcomer.get_by_label("Kies een wachtwoord", exact=True).fill("lange-zin-voor-noor")
        newcomer.get_by_label("Herhaal het wachtwoord", exact=True).fill("lange-zin-voor-noor")
        newcomer.get_by_role("button", name="Maak mijn account").click()
        expect(newcomer.get_by_role("heading", level=1)).to_have_text("Kijk in je mailbox")  # 2
        expect(newcomer.get_by_role("status")).to_contain_text(NEWCOMER)
        assert_accessible(newcomer)

        body = read_outbox_message(page, NEWCOMER)  # (the admin's dev outbox stands in for mail)
        link = first_link(body, "/aanmelden/bevestigen/")

        visit(newcomer, link)  # screen 3: the open cohorts, signed in
        expect(newcomer).to_have_url(re.compile(r"/trajecten$"))
        expect(newcomer.get_by_role("status")).to_contain_text("Welkom, Noor Nieuw")
        card = newcomer.get_by_role("region", name=GROUP_2, exact=True)
        card.get_by_role("button", name=f"Aanmelden {GROUP_2}", exact=True).click()
        expect(newcomer).to_have_url(re.compile(r"/mijn-traject$"))
        expect(newcomer.get_by_role("status")).to_have_text(f"Je bent aangemeld voor {GROUP_2}.")
        assert_accessible(newcomer)
        snap(newcomer, "signup-by-work-address-seat")

        before_seat = [u for u in screens if "/mijn-traject" not in u]
        paths = [re.sub(r"^https?://[^/]+", "", u) for u in before_seat]
        # Three screens: the form, "check your mailbox", the open cohorts (the link redirects).
        assert [p for p in paths if not p.startswith("/aanmelden/bevestigen/")] == [
            "/aanmelden",
            "/aanmelden/verstuurd",
            "/trajecten",
        ], paths
    finally:
        tracker = untrack(newcomer)
        context.close()
    assert not tracker.unscanned(), tracker.unscanned()
