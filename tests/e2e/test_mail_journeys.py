"""Journey of issue 26: a facilitator sets a deadline for the whole group; the participants are
told in one mail that names the assignment, and see the new deadline on /opdrachten.

Uses "groep 2" of the demo (deelnemer16..21) and its assignment "Kernkwadrant"; no other
journey looks at that group's deadlines. Every page is scanned with axe.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from playwright.sync_api import Page, expect

from tests.e2e.journeys import (
    ADMIN,
    FACILITATOR,
    assert_accessible,
    login,
    logout,
    read_outbox_message,
    visit,
)

ZONE = ZoneInfo("Europe/Amsterdam")
GROUP_2 = "Loopbaantraject voorjaar – groep 2"
MEMBER = "deelnemer16@rivierstad.example"


def test_facilitator_sets_a_group_deadline_and_the_participant_is_told(page: Page) -> None:
    when = (datetime.now(ZONE) + timedelta(days=60)).replace(
        hour=17, minute=0, second=0, microsecond=0
    )
    login(page, FACILITATOR)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Groepen", exact=True
    ).click()
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name=GROUP_2, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GROUP_2)
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Opdrachten", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opdrachten: voortgang")
    assert_accessible(page)

    card = page.get_by_role("region", name="Deadline verlengen voor de hele groep")
    card.get_by_label("Opdracht", exact=True).select_option(label="Kernkwadrant")
    # A moment in the past is refused with the input kept.
    card.get_by_label("Nieuwe deadline", exact=True).fill("2020-01-01T10:00")
    card.get_by_role("button", name="Verlengen voor de hele groep").click()
    expect(page.get_by_text("Kies een moment in de toekomst.").first).to_be_visible()
    card = page.get_by_role("region", name="Deadline verlengen voor de hele groep")
    expect(card.get_by_label("Nieuwe deadline", exact=True)).to_have_value("2020-01-01T10:00")
    assert_accessible(page)
    card.get_by_label("Opdracht", exact=True).select_option(label="Kernkwadrant")
    card.get_by_label("Nieuwe deadline", exact=True).fill(when.strftime("%Y-%m-%dT%H:%M"))
    card.get_by_role("button", name="Verlengen voor de hele groep").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Deadline voor de hele groep verlengd voor Kernkwadrant"
    )
    assert_accessible(page)
    logout(page)

    login(page, ADMIN)
    body = read_outbox_message(page, MEMBER)
    written = format_datetime(when, "EEEE d MMMM y, HH:mm", tzinfo=ZONE, locale="nl")
    assert 'nieuwe deadline vastgelegd voor de opdracht "Kernkwadrant"' in body
    assert written in body
    logout(page)

    login(page, MEMBER)
    visit(page, "/opdrachten/kernkwadrant")
    expect(page.get_by_role("main")).to_contain_text(written)
    assert_accessible(page)
