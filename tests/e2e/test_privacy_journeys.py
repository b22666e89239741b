"""Journeys of reporting and personal data: HR reads anonymised figures and exports them; a
participant downloads their data and asks for erasure; the admin carries it out.

Uses deelnemer20 (in the full demo cohort "groep 1") for the erasure, so other journeys'
participants are untouched.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.journeys import (
    ADMIN,
    HR,
    assert_accessible,
    fits_in_viewport,
    login,
    main_menu,
    phone,
    snap,
)
from tests.e2e.test_cohort_journeys import another_browser, open_menu_item

ERASED = "deelnemer20@rivierstad.example"


def test_hr_reads_anonymised_figures_and_downloads_them(page: Page) -> None:
    login(page, HR)
    open_menu_item(page, "Rapportages")
    page.get_by_role("link", name="Cijfers van het traject voor de organisatie").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cijfers van het traject")
    assert_accessible(page)

    # This organisation reports on groups of at least 7: smaller cells become "< 7".
    page.get_by_label("Kleinste groep die rapportages tonen", exact=True).fill("7")
    page.get_by_role("main").get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert_accessible(page)
    departments = page.get_by_role("region", name="Aanmeldingen per afdeling").first
    expect(departments.get_by_role("table")).to_contain_text("< 7")

    with page.expect_download() as download_info:
        departments.get_by_role("link", name=re.compile("^Downloaden als CSV")).click()
    csv_text = download_info.value.path().read_text(encoding="utf-8-sig")
    assert "< 7" in csv_text
    # No department cell is a number from 1 to 6: those are all suppressed.
    for line in csv_text.splitlines()[1:]:
        for cell in line.split(";")[1:]:  # Dutch Excel: ";"
            assert not re.fullmatch(r"[1-6]", cell.strip().strip('"')), line
    # No names or e-mail addresses anywhere on the dashboard.
    expect(page.get_by_role("main")).not_to_contain_text("@rivierstad.example")
    snap(page, "hr-dashboard")


def test_participant_downloads_their_data_and_asks_for_erasure(
    page: Page, browser: Any, server: LiveServer
) -> None:
    login(page, ERASED)
    phone(page)  # the participant's part at 360 px: no page may scroll sideways
    main_menu(page).get_by_role("link", name="Mijn account").click()
    assert_accessible(page)
    page.get_by_role("link", name="Mijn gegevens: downloaden of wissen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn gegevens")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Alles downloaden (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    assert "gegevens.json" in archive.namelist()
    data = json.loads(archive.read("gegevens.json"))
    assert ERASED in json.dumps(data)

    # Without the tick the request is refused with a message tied to the box.
    erase = page.get_by_role("button", name="Vraag om mijn gegevens te wissen")
    fits_in_viewport(page, erase)
    erase.click()
    expect(page.get_by_role("main")).to_contain_text("Vink het vakje aan")
    assert_accessible(page)
    page.get_by_role("checkbox", name=re.compile("^Ik begrijp dat")).check()
    page.get_by_role("button", name="Vraag om mijn gegevens te wissen").click()
    expect(page.get_by_role("status")).to_contain_text("Je verzoek is verstuurd.")
    expect(page.get_by_role("button", name="Mijn verzoek intrekken")).to_be_visible()
    snap(page, "participant-my-data")

    with another_browser(browser, server) as admin:
        login(admin, ADMIN)
        open_menu_item(admin, "Rapportages")
        admin.get_by_role("link", name="Gegevens van iemand downloaden of wissen").click()
        requests = admin.get_by_role("region", name="Open verzoeken om te wissen")
        expect(requests).to_contain_text(ERASED)
        assert_accessible(admin)
        requests.get_by_role("link", name=re.compile("^Wissen uitvoeren")).click()
        assert_accessible(admin)
        admin.get_by_label(re.compile("^Typ ter bevestiging")).fill(ERASED)
        admin.get_by_role("button", name=re.compile("wissen$", re.I)).click()
        expect(admin.get_by_role("status")).to_contain_text("gewist")
        expect(admin.get_by_role("main")).not_to_contain_text(ERASED)
        assert_accessible(admin)
        open_menu_item(admin, "Rapportages")
        admin.get_by_role("link", name="Auditlog").click()
        expect(admin.get_by_role("table")).to_contain_text("Persoonsgegevens gewist")
        snap(admin, "admin-audit-log")

    # The erased account no longer works.
    with another_browser(browser, server) as again:
        again.goto("/login")
        assert_accessible(again)
        again.get_by_label("E-mailadres", exact=True).fill(ERASED)
        again.get_by_label("Wachtwoord", exact=True).fill("leerpad-demo")
        again.get_by_role("main").get_by_role("button", name="Inloggen").click()
        expect(again).to_have_url(re.compile(r"/login"))
        assert_accessible(again)
