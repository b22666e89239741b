"""A regional network (issue 23): the coordinator runs a network cohort with a seat quota per
organisation, a participant of each municipality signs up, a Rivierstad participant takes a
kansenbank opportunity offered in Beekdal (showing only her first name to Beekdal), and each
organisation's HR sees its own people's figures only.

The demo's network "Mobiliteitsnetwerk Rivierland" has Gemeente Rivierstad and Gemeente Beekdal
as consenting members and Noor Netwerk (netwerk@rivierstad.example) as its coordinator; Kim
Kramer (collega@beekdal.example) offers "Meeloopdag bij Vergunningen" to the whole network.
Uses deelnemer29 of Rivierstad (Sanne), whom no other journey needs, and deelnemer01 of Beekdal.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from learnpath.demo import PARTNER_PARTICIPANTS, _participant_names
from tests.e2e.journeys import assert_accessible, login, logout, main_menu, snap, visit

COORDINATOR = "netwerk@rivierstad.example"
OWN = "deelnemer29@rivierstad.example"
PARTNER = "deelnemer01@beekdal.example"
OFFERER = "collega@beekdal.example"
HR_OWN = "hr@rivierstad.example"
HR_PARTNER = "hr@beekdal.example"
NETWORK = "Mobiliteitsnetwerk Rivierland"
COHORT = "Netwerktraject Rivierland – e2e"
KANS = "Meeloopdag bij Vergunningen"
SANNE = _participant_names()[28]


def h1(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    assert_accessible(page)


def status(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(text)
    assert_accessible(page)


def my_networks(page: Page) -> None:
    main_menu(page).get_by_role("link", name="Mijn netwerken", exact=True).click()
    h1(page, "Netwerken die je coördineert")
    page.get_by_role("main").get_by_role("link", name=NETWORK, exact=True).click()
    h1(page, NETWORK)


def sign_up(page: Page, email: str) -> None:
    login(page, email)
    visit(page, "/trajecten")
    h1(page, "Aanmelden voor een loopbaantraject")
    page.get_by_role("button", name=f"Aanmelden {COHORT}", exact=True).click()
    status(page, f"Je bent aangemeld voor {COHORT}.")
    logout(page)


def test_a_network_cohort_with_quotas_and_a_kansenbank_opportunity(page: Page) -> None:
    # The coordinator makes a network cohort: 12 places, at most 4 per municipality.
    login(page, COORDINATOR)
    my_networks(page)
    page.get_by_role("link", name="Nieuw netwerktraject", exact=True).click()
    h1(page, "Nieuw netwerktraject")
    now = datetime.now()
    page.get_by_label("Naam", exact=True).fill(COHORT)
    page.get_by_label("Aantal plaatsen", exact=True).fill("12")
    page.get_by_label("Aanmelden opent", exact=True).fill(
        (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Aanmelden sluit", exact=True).fill(
        (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    )
    expect(page.get_by_role("checkbox", name="Gemeente Beekdal", exact=True)).to_be_checked()
    quotas = page.get_by_role("group", name="Maximaal aantal plaatsen per organisatie")
    quotas.get_by_label("Gemeente Rivierstad", exact=True).fill("4")
    quotas.get_by_label("Gemeente Beekdal", exact=True).fill("4")
    # A quota above the number of places is refused, with the input kept.
    quotas.get_by_label("Gemeente Beekdal", exact=True).fill("13")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    h1(page, "Nieuw netwerktraject")
    expect(page.get_by_label("Naam", exact=True)).to_have_value(COHORT)
    quotas = page.get_by_role("group", name="Maximaal aantal plaatsen per organisatie")
    quotas.get_by_label("Gemeente Beekdal", exact=True).fill("4")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    status(page, f"Netwerktraject {COHORT} aangemaakt.")
    logout(page)

    # One participant of each municipality signs up.
    sign_up(page, OWN)
    sign_up(page, PARTNER)

    # The coordinator sees the seats per organisation against each quota.
    login(page, COORDINATOR)
    my_networks(page)
    row = page.get_by_role("row").filter(has_text=COHORT)
    expect(row).to_contain_text("2 van 12")
    expect(row.get_by_role("cell")).to_contain_text(["1 / quotum 4", "1 / quotum 4"])
    snap(page, "network-detail")
    page.get_by_role("link", name="Netwerkrapportage", exact=True).click()
    assert_accessible(page)
    logout(page)

    # Sanne shows only her first name to other organisations, then responds to Beekdal's
    # job-shadowing day.
    login(page, OWN)
    visit(page, "/account/zichtbaarheid")
    h1(page, "Privacy en zichtbaarheid")
    page.get_by_label("Toon alleen mijn voornaam aan mensen van andere organisaties").check()
    page.get_by_role("button", name="Instellingen opslaan").click()
    status(page, "Je instellingen zijn opgeslagen.")
    main_menu(page).get_by_role("link", name="Kansenbank", exact=True).click()
    h1(page, "Kansenbank")
    page.get_by_role("main").get_by_role("link", name=KANS).first.click()
    h1(page, KANS)
    page.get_by_label(re.compile("^Je motivatie")).fill(
        "Ik wil zien hoe vergunningverlening werkt: ik overweeg de overstap."
    )
    page.get_by_role("button", name="Mijn reactie versturen").click()
    status(page, "Je reactie is verstuurd.")
    logout(page)

    # Kim (Beekdal) sees the response under Sanne's first name only, and accepts it.
    login(page, OFFERER)
    main_menu(page).get_by_role("link", name="Kansenbank", exact=True).click()
    h1(page, "Kansenbank")
    page.get_by_role("link", name="Mijn aangeboden kansen").click()
    h1(page, "Mijn aangeboden kansen")
    offer = page.locator("section, article, .card").filter(
        has=page.get_by_role("heading", name=KANS)
    )
    offer.get_by_role("link", name="Reacties").click()
    h1(page, f"Reacties: {KANS}")
    response = page.get_by_role("heading", level=2).filter(has_text="Gemeente Rivierstad")
    expect(response).to_have_text(f"{SANNE.split()[0]} · Gemeente Rivierstad")
    expect(page.get_by_role("main")).not_to_contain_text(SANNE)
    page.get_by_role("button", name="Accepteren").click()
    status(page, "Geaccepteerd. De deelnemer krijgt hierover een mail.")
    logout(page)

    # The accepted opportunity is part of Sanne's action plan.
    login(page, OWN)
    visit(page, "/actieplan")
    kansen = page.get_by_role("region", name="Je kansen uit de kansenbank")
    expect(kansen).to_contain_text(KANS)
    expect(kansen).to_contain_text("Gemeente Beekdal")
    logout(page)

    # Each HR sees the network cohort with its own people only (one each: shown as "< 5",
    # never the two together), and no name of the other municipality's participant.
    for hr, other_name in ((HR_OWN, PARTNER_PARTICIPANTS[0]), (HR_PARTNER, SANNE)):
        login(page, hr)
        visit(page, "/cohorten")
        row = page.get_by_role("row").filter(has_text=COHORT)
        expect(row).to_contain_text("< 5 / 12")
        expect(row).not_to_contain_text("2 / 12")
        expect(page.get_by_role("main")).not_to_contain_text(other_name)
        logout(page)
