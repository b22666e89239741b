"""Issue 20, points 7 and 8 in the browser: the coach writes a private note about a participant
of "groep 1", edits it and deletes it after confirming; the extension forms say that an
extension gives more time. Every page is scanned (axe), the note pages also at 360 px."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.journeys import FACILITATOR, assert_accessible, login, phone, visit

GROUP_1 = "Loopbaantraject voorjaar – groep 1"


def test_coach_edits_and_deletes_a_private_note(page: Page) -> None:
    login(page, FACILITATOR)
    visit(page, "/cohorten")
    page.get_by_role("main").get_by_role("link", name=GROUP_1).first.click()
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Opdrachten", exact=True).first.click()
    assert_accessible(page)
    expect(
        page.get_by_role("heading", name="Deadline verlengen voor de hele groep")
    ).to_be_visible()
    page.get_by_role("table").get_by_role("rowheader").first.get_by_role("link").click()
    assert_accessible(page)
    expect(page.get_by_text("Een verlenging geeft meer tijd")).to_be_visible()

    page.get_by_label("Nieuwe notitie").fill("Notitie van de coach: wil naar beleid.")
    page.get_by_role("button", name="Notitie opslaan").click()
    assert_accessible(page)
    note = page.locator("article.note", has_text="wil naar beleid")
    note.get_by_role("link", name=re.compile("^Bewerken")).click()
    phone(page)
    assert_accessible(page)
    page.get_by_label("Tekst van de notitie").fill("Notitie van de coach: kiest voor beleid.")
    page.get_by_role("button", name="Notitie opslaan").click()
    assert_accessible(page)
    note = page.locator("article.note", has_text="kiest voor beleid")
    expect(note).to_contain_text("bewerkt op")

    note.get_by_role("link", name=re.compile("^Verwijderen")).click()
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deze notitie over")
    page.get_by_role("button", name="Ja, verwijder de notitie").click()
    assert_accessible(page)
    expect(page.get_by_text("Notitie verwijderd.")).to_be_visible()
    expect(page.locator("article.note", has_text="kiest voor beleid")).to_have_count(0)
