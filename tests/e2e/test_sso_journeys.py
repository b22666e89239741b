"""Journey: an administrator registers the organisation's OpenID provider, and a new
colleague signs in through it (a real provider: node-oidc-provider, tests/oidc), gets an
account just in time, and signs out at both ends."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.journeys import ADMIN, assert_accessible, login, logout, visit
from tests.oidc import server as oidc
from tests.oidc.server import RunningProvider

NEWCOMER = "nina.nieuw@rivierstad.example"


@pytest.fixture(scope="module")
def provider(
    server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningProvider]:
    with oidc.running(
        tmp_path_factory.mktemp("oidc-e2e"),
        clients=[oidc.client_metadata("learnpath-rivierstad", server.base_url)],
        accounts={"nina": oidc.account(NEWCOMER, name="Nina Nieuw", department="Publiekszaken")},
    ) as running:
        yield running


def test_a_new_colleague_signs_in_with_the_organisation_account(
    page: Page, server: LiveServer, provider: RunningProvider
) -> None:
    login(page, ADMIN)  # with the demo admin's second step
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Inloggen en beveiliging"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen en beveiliging")
    assert_accessible(page)
    expect(page.get_by_text(f"{server.base_url}/inloggen/terug")).to_be_visible()
    form = page.get_by_role("form", name="Inloggen met je organisatie (OpenID Connect)")
    form.get_by_label("Issuer-URL").fill(provider.issuer)
    form.get_by_label("Client-ID (toepassings-ID)").fill(provider.client_id)
    form.get_by_label("Clientgeheim").fill(oidc.CLIENT_SECRET)
    form.get_by_label("E-maildomeinen die mogen inloggen").fill("rivierstad.example")
    form.get_by_label("Claim met de afdeling (optioneel)").fill("department")
    form.get_by_role("button", name="Inloginstellingen opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Inloginstellingen opgeslagen.")
    assert_accessible(page)
    logout(page)

    visit(page, "/login")
    choice = page.get_by_role("region", name="Inloggen met je organisatie")
    choice.get_by_label("E-mailadres van je werk").fill(NEWCOMER)
    choice.get_by_role("button", name="Verder met mijn organisatie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    assert_accessible(page)
    page.get_by_role("link", name="Inloggen met Gemeente Rivierstad").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(provider.issuer)}/interaction/"))
    assert_accessible(page)  # the provider's own sign-in page
    page.get_by_label("Username").fill("nina")
    page.get_by_label("Password").fill(oidc.PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(server.base_url)}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nina Nieuw")
    assert_accessible(page)

    visit(page, "/account")
    expect(page.get_by_role("main")).to_contain_text("Publiekszaken")

    page.get_by_role("banner").get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(provider.issuer)}/session/end"))
    assert_accessible(page)  # the provider asks whether to sign out there too
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("status")).to_contain_text("Je bent uitgelogd.")
    assert_accessible(page)
