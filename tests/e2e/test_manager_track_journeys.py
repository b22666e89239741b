"""Journey of a manager track: an intervision group from creation to a prepared meeting.

Uses the demo managers: Marco Manager reports to Dina Directeur, so the two may not share an
intervision group; Mirjam Molenaar and Martin Mertens have no reporting line with Marco.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.journeys import FACILITATOR, HR, assert_accessible, login, phone, snap
from tests.e2e.test_cohort_journeys import another_browser, open_menu_item

ZONE = ZoneInfo("Europe/Amsterdam")
GROUP = "Intervisiegroep e2e"
EMAILS = {
    "Marco Manager": "manager@rivierstad.example",
    "Mirjam Molenaar": "manager2@rivierstad.example",
    "Martin Mertens": "manager3@rivierstad.example",
}
CASE = "Een medewerker wil een andere functie, maar durft het niet te zeggen in het team."


def _create_group(page: Page) -> None:
    now = datetime.now(ZONE).replace(second=0, microsecond=0, tzinfo=None)
    open_menu_item(page, "Leidinggevendentrajecten")
    page.get_by_role("main").get_by_role("link", name="Nieuwe groep").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe groep voor leidinggevenden")
    assert_accessible(page)
    page.get_by_role("radio", name="Intervisiegroep").check()
    page.get_by_label("Naam", exact=True).fill(GROUP)
    page.get_by_label("Aantal plaatsen", exact=True).fill("5")
    page.get_by_label("Aanmelden opent", exact=True).fill(
        (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Aanmelden sluit", exact=True).fill(
        (now + timedelta(weeks=2)).strftime("%Y-%m-%dT%H:%M")
    )
    members = page.get_by_role("group", name=re.compile("^Leden"))
    for name in (*EMAILS, "Dina Directeur"):
        members.get_by_role("checkbox", name=name, exact=True).check()
    page.get_by_role("main").get_by_role("button", name="Groep aanmaken").click()

    # Marco reports to Dina: the form comes back with the conflict named and the input kept.
    expect(page.get_by_role("main")).to_contain_text("Dina Directeur")
    expect(page.get_by_label("Naam", exact=True)).to_have_value(GROUP)
    assert_accessible(page)
    members = page.get_by_role("group", name=re.compile("^Leden"))
    members.get_by_role("checkbox", name="Dina Directeur", exact=True).uncheck()
    page.get_by_role("main").get_by_role("button", name="Groep aanmaken").click()

    expect(page).to_have_url(re.compile(r"/cohorten/\d+/planning$"))
    expect(page.get_by_role("status").first).to_contain_text(f"Groep {GROUP} is aangemaakt.")
    assert_accessible(page)
    expect(page.get_by_role("main")).to_contain_text(
        "Laat minstens 28 dagen tussen de bijeenkomsten."
    )
    day = now.date() + timedelta(weeks=3)
    fields = page.get_by_role("group", name="Volgende bijeenkomst", exact=True)
    fields.get_by_label("Datum", exact=True).fill(day.isoformat())
    fields.get_by_label("Begintijd", exact=True).fill("14:00")
    fields.get_by_label("Vergaderlink", exact=True).fill(
        "https://meet.jit.si/rivierstad-intervisie"
    )
    page.get_by_role("button", name="Planning opslaan").click()
    expect(page).to_have_url(re.compile(r"/cohorten/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("gepland")
    assert_accessible(page)


def _accept_and_open_meeting(page: Page) -> None:
    """As an invited manager: accept on 'my groups' and open the meeting page."""
    open_menu_item(page, "Leidinggevendentrajecten")
    card = page.get_by_role("region", name=GROUP, exact=True)
    expect(card).to_contain_text("Uitgenodigd")
    card.get_by_role("button", name=f"Uitnodiging accepteren {GROUP}", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"Je bent aangemeld voor {GROUP}.")
    assert_accessible(page)
    card = page.get_by_role("region", name=GROUP, exact=True)
    card.get_by_role("link", name=f"Open de groep {GROUP}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GROUP)
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Methode, rollen en agenda")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(GROUP)
    assert_accessible(page)


def test_intervision_group_from_creation_to_a_prepared_case(
    page: Page, browser: Any, server: LiveServer
) -> None:
    login(page, FACILITATOR)
    _create_group(page)

    # The three managers accept; the first one chooses the method for the meeting.
    for number, email in enumerate(EMAILS.values()):
        with another_browser(browser, server) as member:
            login(member, email)
            _accept_and_open_meeting(member)
            if number == 0:
                member.get_by_role("combobox", name="Methode").select_option(
                    label="Incidentmethode"
                )
                member.get_by_role("button", name="Kies methode").click()
                expect(member.get_by_role("status")).to_be_visible()
                assert_accessible(member)
                agenda = member.get_by_role("region", name="Agenda").first
                expect(agenda.get_by_role("row")).to_have_count(11)  # header + 10 phases
                expect(agenda).to_contain_text("14:00")
            roles = member.get_by_role("region", name="Rollen").locator("dl")
            expect(roles).to_contain_text("Inbrenger")
            case_bringer = roles.locator("dt", has_text="Inbrenger").locator(
                "xpath=following-sibling::dd[1]"
            )
            bringer = case_bringer.inner_text().strip()

    # The rotation proposed a case-bringer among the members: they describe the case.
    assert bringer in EMAILS, bringer
    with another_browser(browser, server) as member:
        login(member, EMAILS[bringer])
        open_menu_item(member, "Leidinggevendentrajecten")
        roles = member.get_by_role("region", name="Mijn rollen in de volgende intervisie")
        expect(roles).to_contain_text("Inbrenger")
        roles.get_by_role("link").first.click()
        assert_accessible(member)
        member.get_by_label("Korte beschrijving van je casus", exact=True).fill(CASE)
        member.get_by_role("button", name="Casus opslaan").click()
        expect(member.get_by_role("status")).to_be_visible()
        expect(member.get_by_role("region", name="Casus")).to_contain_text(CASE)
        assert_accessible(member)

    # Another member reads the case before the meeting.
    other = next(email for name, email in EMAILS.items() if name != bringer)
    with another_browser(browser, server) as member:
        login(member, other)
        open_menu_item(member, "Leidinggevendentrajecten")
        member.get_by_role("region", name="Mijn rollen in de volgende intervisie").get_by_role(
            "link"
        ).first.click()
        expect(member.get_by_role("region", name="Casus")).to_contain_text(CASE)
        snap(member, "manager-intervision-meeting")

    # HR sees the group with counts only: no case, no names of members.
    with another_browser(browser, server) as hr:
        login(hr, HR)
        open_menu_item(hr, "Leidinggevendentrajecten")
        row = hr.get_by_role("row").filter(has_text=GROUP)
        expect(row).to_contain_text("Intervisiegroep")
        expect(row).to_contain_text("3")
        expect(hr.get_by_role("main")).not_to_contain_text(CASE)
        expect(hr.get_by_role("main")).not_to_contain_text("Mirjam Molenaar")
        snap(hr, "hr-manager-tracks")

    snap(page, "facilitator-intervision-group")


WORKSHOP = "Het goede loopbaangesprek – leidinggevenden"  # planned by the demo data
REFLECTION = "Reflectie: een loopbaangesprek voorbereiden"
DINA = "directeur@rivierstad.example"
KEES = "coach2@rivierstad.example"  # facilitator of the demo workshop group


def test_manager_hands_in_a_workshop_reflection_and_reads_the_feedback(
    page: Page, browser: Any, server: LiveServer
) -> None:
    login(page, DINA)
    phone(page)  # the manager's part at 360 px: no page may scroll sideways
    open_menu_item(page, "Leidinggevendentrajecten")
    card = page.get_by_role("region", name=WORKSHOP, exact=True)
    expect(card).to_contain_text("Ingeschreven")
    card.get_by_role("link", name=f"Open de groep {WORKSHOP}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WORKSHOP)
    # Materials and, under each meeting, the reflection that follows it with its deadline.
    expect(page.get_by_role("main")).to_contain_text("Reflectie na deze bijeenkomst:")
    assert_accessible(page)
    # A material opens as a page of its own.
    page.get_by_role("link", name=re.compile("^Gespreksleidraad loopbaangesprek")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gespreksleidraad")
    expect(page.get_by_role("heading", name="De opbouw van het gesprek")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"Terug naar {WORKSHOP}").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WORKSHOP)
    assert_accessible(page)
    page.get_by_role("link", name=REFLECTION).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REFLECTION)
    assert_accessible(page)
    page.get_by_label("Wat heb je gedaan om het gesprek voor te bereiden?").fill(
        "De gespreksleidraad gedeeld en een rustig uur gepland met mijn medewerker."
    )
    page.get_by_label("Wat neem je mee naar het gesprek zelf?").fill("Eerst luisteren.")
    page.get_by_role("button", name="Inleveren", exact=True).click()
    expect(page.get_by_role("status").first).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("een rustig uur gepland met mijn medewerker")
    assert_accessible(page)

    with another_browser(browser, server) as coach:
        login(coach, KEES)
        open_menu_item(coach, "Leidinggevendentrajecten")
        # The facilitator reads the group's materials too.
        coach.get_by_role("link", name=f"Materialen {WORKSHOP}", exact=True).click()
        expect(coach.get_by_role("heading", level=1)).to_contain_text("Materialen")
        assert_accessible(coach)
        coach.go_back()
        assert_accessible(coach)
        coach.get_by_role("link", name=WORKSHOP, exact=True).click()
        assert_accessible(coach)
        coach.get_by_role("main").get_by_role("link", name="Opdrachten", exact=True).click()
        expect(coach.get_by_role("heading", level=1)).to_have_text("Opdrachten: voortgang")
        assert_accessible(coach)
        row = coach.get_by_role("row").filter(has_text="Dina Directeur")
        row.get_by_role("link", name=re.compile("^Ingeleverd")).click()
        expect(coach.get_by_role("heading", level=1)).to_contain_text("Dina Directeur")
        assert_accessible(coach)
        coach.get_by_label("Jouw feedback", exact=True).fill(
            "Mooi voorbereid. Probeer in het gesprek ook naar ambities buiten je team te vragen."
        )
        coach.get_by_role("button", name="Feedback versturen").click()
        expect(coach.get_by_role("status").first).to_be_visible()
        assert_accessible(coach)

    page.reload()
    feedback = page.get_by_role("region", name="Feedback van je begeleider")
    expect(feedback).to_contain_text("ambities buiten je team")
    assert_accessible(page)
    snap(page, "manager-workshop-reflection")
