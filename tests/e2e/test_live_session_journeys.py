"""A live session from both sides, with the server's time frozen (LEARNPATH_TEST_CLOCK_FILE):
a participant joins in the window (no button at T-16, the button at T-15, the join URL leads to
the room), another says beforehand they cannot come, the facilitator confirms the pre-filled
attendance, and the evaluation comes in (results stay hidden below five responses).

Uses deelnemer18 and deelnemer19 of "groep 2" (coach@ facilitates it). Every page is scanned
with axe; the participant's pages at 360 px may not scroll sideways.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.journeys import (
    assert_accessible,
    assert_no_horizontal_scroll,
    login,
    logout,
    phone,
    visit,
)

JOINS = "deelnemer18@rivierstad.example"
CANNOT_COME = "deelnemer19@rivierstad.example"
COACH = "coach@rivierstad.example"
JOIN_NAME = re.compile("^Deelnemen aan de online sessie")


def _reload(page: Page) -> None:
    page.reload()
    assert_accessible(page)


def test_join_cannot_come_attendance_and_evaluation(page: Page, clock, server: LiveServer) -> None:
    login(page, JOINS)
    phone(page)
    panel = page.get_by_role("region", name="Jouw loopbaantraject")
    starts = datetime.fromisoformat(panel.locator("time").first.get_attribute("datetime") or "")

    clock(starts - timedelta(minutes=16))
    _reload(page)
    expect(panel.get_by_role("link", name=JOIN_NAME)).to_have_count(0)
    expect(panel).not_to_contain_text("meet.jit.si")
    clock(starts - timedelta(minutes=15))
    _reload(page)
    join = panel.get_by_role("link", name=JOIN_NAME)
    expect(join).to_be_visible()
    assert_no_horizontal_scroll(page)
    href = join.get_attribute("href") or ""
    session_id = re.fullmatch(r"/sessies/(\d+)/deelnemen", href).group(1)  # type: ignore[union-attr]
    # The click goes to the room (an outside site: followed one step, not loaded).
    response = page.request.get(server.url(href), max_redirects=0)
    assert response.status == 302 and "meet.jit.si" in response.headers["location"]
    logout(page)

    login(page, CANNOT_COME)
    phone(page)
    clock(starts - timedelta(hours=2))
    _reload(page)
    page.get_by_role("link", name=re.compile("^Ik kan niet komen")).click()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.get_by_label("Reden (niet verplicht)").select_option("work")
    page.get_by_role("button", name="Bevestigen dat ik niet kan komen").click()
    expect(page.get_by_role("status").first).to_contain_text("De begeleider heeft bericht")
    assert_accessible(page)
    logout(page)

    login(page, COACH)
    clock(starts + timedelta(minutes=30))
    visit(page, "/cohorten")
    page.get_by_role("link", name="Loopbaantraject voorjaar – groep 2").first.click()
    assert_accessible(page)
    cohort_id = re.search(r"/cohorten/(\d+)", page.url).group(1)  # type: ignore[union-attr]
    page.get_by_role("link", name=re.compile("^Aanwezigheid Introductiesessie")).click()
    assert_accessible(page)
    rows = page.locator("fieldset.attendance-row")
    joined = rows.filter(has_text="Deelgenomen om")
    expect(joined).to_have_count(1)
    expect(joined.get_by_label("Aanwezig", exact=True)).to_be_checked()
    excused = rows.filter(has_text="Liet vooraf weten niet te kunnen komen")
    expect(excused).to_have_count(1)
    expect(excused.get_by_label("Afwezig (afgemeld)")).to_be_checked()
    page.get_by_role("button", name="Aanwezigheid bevestigen").click()
    expect(page.get_by_role("status").first).to_contain_text("Aanwezigheid")
    assert_accessible(page)
    logout(page)

    clock(starts + timedelta(hours=3))
    login(page, JOINS)
    phone(page)
    _reload(page)
    page.get_by_role("region", name="Hoe was het?").get_by_role("link").first.click()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    for group in page.locator("fieldset").all():
        group.locator("input[type=radio]").nth(3).check()
    page.get_by_role("textbox").fill("Fijne sessie, graag meer oefenen in duo's.")
    page.get_by_role("button", name="Mijn antwoorden versturen").click()
    expect(page.get_by_role("status").first).to_contain_text("zonder je naam")
    assert_accessible(page)
    expect(page.get_by_role("region", name="Hoe was het?")).to_have_count(0)
    logout(page)

    # One response: the facilitator's results stay hidden until five have answered.
    login(page, COACH)
    visit(page, f"/cohorten/{cohort_id}/sessies/{session_id}/evaluatie")
    expect(page.get_by_role("main")).to_contain_text("minstens 5 mensen")
