"""The manager's side of a shared plan, and a revoke seen from both sides:

deelnemer07 (reports to manager@) finalises a plan and shares it from the plan page's one
primary action; manager@ follows the link in the mail, proposes a time with a place, the
participant accepts it; both start pages show the agreed conversation. Then the participant
revokes: the manager's old link says the plan is no longer shared, the manager's mail says so
and that the conversation is cancelled.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.journeys import (
    ADMIN,
    MANAGER,
    assert_accessible,
    first_link,
    login,
    read_outbox_message,
    snap,
)
from tests.e2e.test_cohort_journeys import another_browser, open_menu_item

PARTICIPANT = "deelnemer07@rivierstad.example"
PLACE = "Stadskantoor, kamer 4.12"


def _finalise_and_share(page: Page) -> None:
    open_menu_item(page, "Actieplan")
    page.get_by_role("link", name="Begin aan mijn actieplan").click()
    assert_accessible(page)
    page.get_by_label("Je loopbaanvraag", exact=True).fill(
        "Hoe kan ik mijn kennis van data meer inzetten?"
    )
    page.get_by_label("Doel: wat wil je bereiken?").first.fill("Meelopen bij het datateam")
    page.get_by_label("Wat voor doel is dit?").first.select_option(index=2)
    page.get_by_role("button", name="Opslaan en definitief maken").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert_accessible(page)
    # One primary action once final: sharing.
    page.get_by_role("link", name="Delen met je leidinggevende").click()
    assert_accessible(page)
    page.get_by_role("checkbox", name="Doelen").check()
    page.get_by_role("button", name="Delen", exact=True).click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert_accessible(page)
    snap(page, "plan-shared-participant")


@pytest.mark.timeout(600)  # three people in three browsers on a busy machine
def test_manager_from_the_mail_to_an_agreed_conversation_and_a_revoke(
    page: Page, browser: Any, server: LiveServer
) -> None:
    login(page, PARTICIPANT)
    _finalise_and_share(page)

    with another_browser(browser, server) as admin, another_browser(browser, server) as manager:
        login(admin, ADMIN)
        body = read_outbox_message(admin, MANAGER)
        link = first_link(body, "/team/plannen/")

        login(manager, MANAGER)
        manager.goto(link)
        assert_accessible(manager)
        expect(manager.get_by_role("heading", level=1)).to_contain_text("Actieplan van")
        manager.get_by_role("button", name="Ontvangst bevestigen").click()
        assert_accessible(manager)
        when = (datetime.now() + timedelta(days=9)).replace(hour=10, minute=0)
        manager.get_by_label("Voorgesteld tijdstip").first.fill(when.strftime("%Y-%m-%dT%H:%M"))
        manager.get_by_label("Plaats of link naar de online vergadering").fill(PLACE)
        manager.get_by_role("button", name="Tijden voorstellen").click()
        expect(manager.get_by_role("status").first).to_be_visible()
        assert_accessible(manager)

        page.goto("/actieplan/gesprek")
        assert_accessible(page)
        expect(page.get_by_role("main")).to_contain_text(f"Waar: {PLACE}")
        page.get_by_role("radio").first.check()
        page.get_by_role("button", name="Deze tijd accepteren").click()
        expect(page.get_by_role("status").first).to_be_visible()
        assert_accessible(page)
        # "Held" cannot be ticked before the agreed time.
        expect(page.get_by_role("checkbox", name=re.compile("plaatsgevonden"))).to_have_count(0)

        manager.get_by_role("banner").get_by_role("link", name="learnpath").click()
        assert_accessible(manager)
        expect(manager.get_by_role("main")).to_contain_text("Volgend loopbaangesprek:")
        expect(manager.get_by_role("main")).to_contain_text(PLACE)
        snap(manager, "start-manager-conversation-agreed")

        # The participant revokes: asked first, then told what happens.
        page.goto("/actieplan/delen")
        assert_accessible(page)
        page.get_by_text("Delen intrekken", exact=True).click()
        page.get_by_role("button", name="Ja, trek het delen in").click()
        expect(page.get_by_role("main")).to_contain_text("is geannuleerd")
        assert_accessible(page)

        manager.goto(link)
        assert_accessible(manager)
        expect(manager.get_by_role("heading", level=1)).to_have_text(
            "Dit plan wordt niet meer gedeeld"
        )
        snap(manager, "manager-plan-no-longer-shared")

        body = read_outbox_message(admin, MANAGER)
        assert "deelt het loopbaanactieplan niet meer met je" in body
        assert "geannuleerd" in body
