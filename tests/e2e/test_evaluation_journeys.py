"""HR writes the annual evaluation: chooses a period, reads the tables with their reading
aid, downloads the workbook and the PDF; at 360 px nothing scrolls sideways."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from tests.e2e.journeys import HR, assert_accessible, login, phone, snap
from tests.e2e.test_cohort_journeys import open_menu_item


def test_hr_chooses_a_period_and_downloads_the_evaluation(page: Page) -> None:
    login(page, HR)
    open_menu_item(page, "Rapportages")
    page.get_by_role("link", name="Evaluatie van het programma over een periode").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluatie van het programma")
    assert_accessible(page)
    # a wrong period comes back with the input kept and the field marked
    page.get_by_label("Van", exact=True).fill("2026-06-01")
    page.get_by_label("Tot en met", exact=True).fill("2026-01-01")
    page.get_by_role("main").get_by_role("button", name="Tonen").click()
    expect(page.get_by_label("Tot en met", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    today = date.today()
    page.get_by_label("Van", exact=True).fill(f"{today.year - 2}-01-01")
    page.get_by_label("Tot en met", exact=True).fill(f"{today.year + 1}-12-31")
    page.get_by_role("main").get_by_role("button", name="Tonen").click()
    expect(page.get_by_role("heading", name="Aanmeldingen per afdeling")).to_be_visible()
    goals = page.get_by_role("heading", name="Doelen per vraagcategorie: eerste en tweede doel")
    expect(goals).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as workbook:
        page.get_by_role("link", name="Het hele rapport als Excel-werkmap").click()
    assert workbook.value.path().read_bytes()[:2] == b"PK"
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Het hele rapport als pdf").click()
    assert pdf.value.path().read_bytes()[:4] == b"%PDF"
    phone(page)
    page.reload()
    assert_accessible(page)  # at 360 px: also no sideways scrolling
    snap(page, "hr-evaluation")
