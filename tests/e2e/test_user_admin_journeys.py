"""Journeys of user administration (issue 18 point 4): the admin searches a user, edits the
department and roles, deactivates and reactivates the user; and imports a CSV file with a bad
row.

Uses deelnemer28 (Ruben El Amrani), whom no other journey needs.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.journeys import ADMIN, assert_accessible, login, snap
from tests.e2e.test_cohort_journeys import open_menu_item

PERSON = "deelnemer28@rivierstad.example"
NAME = "Ruben El Amrani"
CSV = (
    "naam;e-mail;afdeling;leidinggevende;rollen\n"
    "Iris Import;iris.import@rivierstad.example;Publiekszaken;manager@rivierstad.example;deelnemer\n"
    "Fout Adres;geen-geldig-adres;Publiekszaken;;deelnemer\n"
)


def find_user(page: Page, text: str) -> None:
    """On the user list: search for ``text`` and scan the result."""
    search = page.get_by_role("search", name="Gebruikers zoeken")
    search.get_by_label("Naam, e-mailadres of afdeling").fill(text)
    search.get_by_role("button", name="Zoeken").click()
    expect(page.locator("p[aria-live=polite]")).to_contain_text("van")
    assert_accessible(page)


def open_user(page: Page) -> None:
    open_menu_item(page, "Gebruikers")
    find_user(page, PERSON)
    table = page.get_by_role("region", name="Gebruikers en hun rollen")
    expect(table).to_contain_text(NAME)
    table.get_by_role("link", name=f"Bewerken {NAME}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    assert_accessible(page)


def test_admin_searches_edits_deactivates_and_reactivates(page: Page) -> None:
    login(page, ADMIN)
    open_user(page)

    # Department: a choice of the details form; saving says so and keeps the page.
    page.get_by_label("Afdeling", exact=True).select_option(label="Publiekszaken")
    page.get_by_role("button", name="Gegevens opslaan").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Gegevens van {NAME} opgeslagen.")
    expect(page.get_by_label("Afdeling", exact=True)).to_have_value(re.compile(r"\d+"))
    assert_accessible(page)

    # Roles: also facilitator.
    roles = page.get_by_role("group", name="Rollen")
    roles.get_by_role("checkbox", name="Begeleider").check()
    page.get_by_role("button", name="Rollen opslaan").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Rollen van {NAME} opgeslagen.")
    assert_accessible(page)
    find_user(page, PERSON)
    row = page.get_by_role("row", name=re.compile(NAME))
    expect(row).to_contain_text("Publiekszaken")
    expect(row).to_contain_text("Begeleider")

    # Deactivate: a confirmation first, then the account is off; reactivate it again.
    open_user(page)
    page.get_by_role("link", name="Deactiveren…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{NAME} deactiveren?")
    assert_accessible(page)
    page.get_by_role("button", name="Ja, deactiveren").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{NAME} is gedeactiveerd.")
    expect(page.get_by_role("main")).to_contain_text("Gedeactiveerd")
    assert_accessible(page)
    page.get_by_role("button", name="Weer activeren").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{NAME} kan weer inloggen.")
    assert_accessible(page)

    open_menu_item(page, "Gebruikers")
    find_user(page, "Publiekszaken")
    expect(page.get_by_role("region", name="Gebruikers en hun rollen")).to_contain_text(NAME)
    snap(page, "admin-users")


def test_admin_imports_a_file_with_a_bad_row(page: Page) -> None:
    login(page, ADMIN)
    open_menu_item(page, "Gebruikers")
    # Check first (nothing saved), the bad row is reported, then import.
    page.get_by_role("link", name="Gebruikers importeren uit een bestand").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebruikers importeren")
    assert_accessible(page)
    page.get_by_label("Bestand (CSV of XLSX)").set_input_files(
        {"name": "mensen.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_role("heading", name="Controle: dit gaat de import doen")).to_be_visible()
    report = page.get_by_role("region", name="Per rij")
    expect(report).to_contain_text("Geen geldig e-mailadres: geen-geldig-adres")
    expect(page.get_by_role("status").first).to_contain_text("1 nieuw, 0 gewijzigd")
    assert_accessible(page)
    page.get_by_role("button", name="Importeren", exact=True).click()
    expect(page.get_by_role("heading", name="Import uitgevoerd")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("1 overgeslagen")
    assert_accessible(page)

    page.get_by_role("link", name="Alle gebruikers").click()
    assert_accessible(page)
    find_user(page, "iris.import")
    expect(page.get_by_role("region", name="Gebruikers en hun rollen")).to_contain_text(
        "Iris Import"
    )
    snap(page, "admin-import")
