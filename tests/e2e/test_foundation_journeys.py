"""Journeys of the foundation: sign in and out, language switch, invitation, keyboard use."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.journeys import (
    ADMIN,
    PARTICIPANT,
    assert_accessible,
    first_link,
    login,
    logout,
    read_outbox_message,
    snap,
    switch_language,
    visit,
)


def test_participant_signs_in_switches_language_and_signs_out(page: Page) -> None:
    login(page, PARTICIPANT)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Welkom, Anouk de Vries")
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    switch_language(page, "en")
    expect(heading).to_have_text("Welcome, Anouk de Vries")
    expect(page.get_by_role("heading", name="Your career programme")).to_be_visible()

    switch_language(page, "nl")
    expect(heading).to_have_text("Welkom, Anouk de Vries")

    logout(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    snap(page, "participant-signed-out")


def test_admin_invites_user_who_activates_the_account(page: Page, server: LiveServer) -> None:
    login(page, ADMIN)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Gebruikers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gebruikers")
    assert_accessible(page)

    page.get_by_role("link", name="Gebruiker uitnodigen").click()
    assert_accessible(page)
    invite = page.get_by_role("form", name="Gebruiker uitnodigen")
    invite.get_by_label("Naam", exact=True).fill("Ilse Instroom")
    invite.get_by_label("E-mailadres", exact=True).fill("ilse.instroom@rivierstad.example")
    invite.get_by_role("combobox", name="Afdeling").select_option(label="Publiekszaken")
    invite.get_by_role("combobox", name="Leidinggevende").select_option(label="Marco Manager")
    invite.get_by_role("checkbox", name="Deelnemer").check()
    invite.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_role("status")).to_contain_text("ilse.instroom@rivierstad.example")
    assert_accessible(page)
    expect(page.get_by_role("row").filter(has_text="Ilse Instroom")).to_contain_text("Uitgenodigd")

    body = read_outbox_message(page, "ilse.instroom@rivierstad.example")
    link = first_link(body, "/uitnodiging/")
    assert link.startswith(server.base_url), link
    logout(page)

    visit(page, link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Activeer je account")
    page.get_by_label("Nieuw wachtwoord", exact=True).fill("lange-zin-voor-ilse")
    page.get_by_label("Herhaal het wachtwoord", exact=True).fill("lange-zin-voor-ilse")
    page.get_by_role("button", name="Wachtwoord opslaan").click()

    expect(page).to_have_url(server.url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Ilse Instroom")
    expect(page.get_by_role("status")).to_contain_text("Je wachtwoord is opgeslagen.")
    assert_accessible(page)
    snap(page, "invited-user-start")


def test_wrong_password_keyboard_only(page: Page) -> None:
    visit(page, "/login")

    # The first Tab reaches the skip link, which shows itself with a visible focus ring.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Naar de inhoud")
    expect(skip).to_have_attribute("href", "#main")
    expect(skip).to_be_in_viewport()
    assert skip.evaluate("e => getComputedStyle(e).outlineStyle") != "none"

    # Enter moves focus to main; the next Tab is the first field of the form.
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    email = page.get_by_label("E-mailadres", exact=True)
    expect(email).to_be_focused()
    page.keyboard.type(PARTICIPANT)
    page.keyboard.press("Tab")
    password = page.get_by_label("Wachtwoord", exact=True)
    expect(password).to_be_focused()
    page.keyboard.type("niet-het-goede-wachtwoord")
    page.keyboard.press("Enter")

    # One generic Dutch message (it does not say which of the two is wrong), tied to the form
    # and to both fields, announced as an alert.
    message = "Het e-mailadres of wachtwoord klopt niet."
    expect(page.get_by_role("alert")).to_have_text(message)
    expect(page.get_by_role("form", name="Inloggen")).to_have_accessible_description(message)
    expect(email).to_have_accessible_description(message)
    expect(password).to_have_accessible_description(message)
    expect(email).to_have_value(PARTICIPANT)
    expect(page).to_have_url(re.compile(r"/login(#main)?$"))
    assert_accessible(page)
    snap(page, "wrong-password")
