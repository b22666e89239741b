"""Journey of the admin's reset of a lost authenticator (issue 18): the person's page says who
has one and offers the reset, which asks first. The journey cancels (the demo's HR keeps the
authenticator other journeys sign in with); tests/accounts_mfa/test_mfa_reset_and_audit.py
covers the reset itself, the mail and the audit log."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.journeys import ADMIN, HR, assert_accessible, login, phone
from tests.e2e.test_cohort_journeys import open_menu_item
from tests.e2e.test_user_admin_journeys import find_user


def test_admin_is_asked_before_resetting_someones_authenticator(page: Page) -> None:
    phone(page)
    login(page, ADMIN)
    open_menu_item(page, "Gebruikers")
    find_user(page, HR)
    table = page.get_by_role("region", name="Gebruikers en hun rollen")
    table.get_by_role("link", name="Bewerken").first.click()
    expect(page.get_by_role("main")).to_contain_text("heeft een authenticator-app.")
    assert_accessible(page)
    page.get_by_role("link", name="Tweestapsverificatie herstellen…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("herstellen?")
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Annuleren").click()
    expect(page.get_by_role("link", name="Tweestapsverificatie herstellen…")).to_be_visible()
    assert_accessible(page)
