"""Small steps that browser journeys are built from, and the checks every page gets.

A journey is a plain test function that calls these helpers, for example::

    def test_participant_signs_in(page: Page) -> None:
        login(page, PARTICIPANT)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
        snap(page, "participant-start")

Rules that keep journeys honest:
- Go through the UI the way a person does (labels, roles, visible text), in Dutch unless the
  journey is about language.
- Every document the page loads is checked with :func:`assert_accessible` before the test ends;
  the ``page`` fixture errors listing any page that was not (the helpers here scan for you).
- Nothing a page does may violate its Content-Security-Policy (an inline script or style, a
  blocked fetch or frame): the ``page`` fixture errors listing every violation.
- At phone width (:func:`phone`, 360 px) every scanned page is also checked for sideways
  scrolling (WCAG 1.4.10): a journey that runs at 360 px asserts it on each page it visits.
- End with :func:`snap` on the last page: screenshots at 1280 px and 360 px width.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Locator, Page, Response, expect

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

DEMO_PASSWORD = "leerpad-demo"
PARTICIPANT = "deelnemer01@rivierstad.example"
FACILITATOR = "coach@rivierstad.example"
MANAGER = "manager@rivierstad.example"
HR = "hr@rivierstad.example"
ADMIN = "beheer@rivierstad.example"


# --- accessibility ----------------------------------------------------------------------------


def axe_script_path() -> Path | None:
    """Return axe-core's axe.min.js: $LEARNPATH_AXE_JS, else the copy axe-playwright-python ships."""
    override = os.environ.get("LEARNPATH_AXE_JS")
    if override:
        return Path(override) if Path(override).is_file() else None
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "axe.min.js"
        if candidate.is_file():
            return candidate
    return None


@cache
def _axe_source() -> str:
    path = axe_script_path()
    if path is None:
        raise RuntimeError("axe-core (axe.min.js) not found: pip install -e '.[test]'")
    return path.read_text(encoding="utf-8")


def format_violations(violations: list[dict[str, Any]], where: str) -> str:
    """Describe axe violations readably: rule, impact, help text and each failing element."""
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact') or 'unknown impact'}): {v['help']}")
        lines.append(f"    {v.get('helpUrl', '')}")
        for node in v.get("nodes", []):
            target = " ".join(
                t if isinstance(t, str) else " >> ".join(t) for t in node.get("target", [])
            )
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Scan the current page with axe-core (WCAG 2.0/2.1 A and AA); fail on any violation."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluate, not a <script> tag: a Content-Security-Policy cannot block it.
        page.evaluate(_axe_source())
    results = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        AXE_TAGS,
    )
    width = (page.viewport_size or {}).get("width")
    tracker_for(page).mark_scanned()
    violations = results["violations"]
    assert not violations, format_violations(violations, f"{page.url} at {width} px")
    # At phone width every scanned page is also checked for sideways scrolling: a journey
    # that runs at 360 px (see :func:`phone`) asserts it on each page without extra steps.
    if width is not None and width <= PHONE["width"]:
        assert_no_horizontal_scroll(page)


def assert_no_horizontal_scroll(page: Page) -> None:
    """Fail when the page is wider than the viewport (WCAG 1.4.10 reflow)."""
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll} px content in {inner} px"


def phone(page: Page) -> None:
    """Go on at 360 px: from now on every scanned page must also not scroll sideways."""
    page.set_viewport_size(PHONE)


def fits_in_viewport(page: Page, locator: Locator) -> None:
    """Fail when the element sticks out of the viewport on either side."""
    box = locator.bounding_box()
    width = (page.viewport_size or DESKTOP)["width"]
    assert box is not None, f"{locator} is not displayed"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (
        f"{locator} spans {box['x']:.0f}..{box['x'] + box['width']:.0f} px in {width} px"
    )


def main_menu(page: Page) -> Locator:
    """The main menu; at phone width it is opened with the "Menu" button first."""
    toggle = page.get_by_role("banner").get_by_role("button", name="Menu", exact=True)
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return page.get_by_role("navigation", name=re.compile("^(Hoofdmenu|Main menu)$"))


def snap(page: Page, name: str) -> None:
    """Save screenshots of the current page at 1280 px and 360 px width (scanned at both)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or DESKTOP
    try:
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            assert_accessible(page)
            if size is PHONE:
                assert_no_horizontal_scroll(page)
            page.screenshot(path=ARTIFACTS / f"{name}-{size['width']}px.png", full_page=True)
    finally:
        page.set_viewport_size(original)


# --- which documents were scanned -------------------------------------------------------------


@dataclass
class PageTracker:
    """Record each document the page loads, and which of them were scanned with axe."""

    documents: list[str] = field(default_factory=list)
    scanned: set[int] = field(default_factory=set)
    #: Every Content-Security-Policy violation a document of the page reported.
    csp_violations: list[str] = field(default_factory=list)

    def mark_scanned(self) -> None:
        if self.documents:
            self.scanned.add(len(self.documents) - 1)

    def unscanned(self) -> list[str]:
        return [url for i, url in enumerate(self.documents) if i not in self.scanned]


_TRACKERS: dict[int, PageTracker] = {}


def track(page: Page) -> PageTracker:
    """Start recording the documents page loads (the ``page`` fixture does this)."""
    tracker = _TRACKERS[id(page)] = PageTracker()

    def on_response(response: Response) -> None:
        request = response.request
        # A new document: the main frame's navigation answered with a page, not a redirect.
        # Fragment links (#main) make no request, so they don't count as a new page.
        if (
            request.is_navigation_request()
            and request.frame == page.main_frame
            and not 300 <= response.status < 400
        ):
            tracker.documents.append(response.url)

    def on_console(message: ConsoleMessage) -> None:
        # Our own report (below), and Chromium's "Refused to ... Content Security Policy".
        if message.text.startswith(CSP_REPORT) or "Content Security Policy" in message.text:
            tracker.csp_violations.append(message.text)

    page.on("response", on_response)
    page.on("console", on_console)
    page.add_init_script(_REPORT_CSP_VIOLATIONS)
    return tracker


CSP_REPORT = "CSP violation:"
# Runs in every document before its own scripts (an init script is not subject to the CSP).
_REPORT_CSP_VIOLATIONS = (
    "document.addEventListener('securitypolicyviolation', function (e) {"
    f"  console.error('{CSP_REPORT} ' + e.effectiveDirective + ' blocked '"
    "    + (e.blockedURI || 'inline code') + ' on ' + e.documentURI"
    "    + (e.lineNumber ? ' line ' + e.lineNumber : '')"
    "    + (e.sample ? ' (' + e.sample + ')' : ''));"
    "}, true);"
)


def tracker_for(page: Page) -> PageTracker:
    return _TRACKERS.setdefault(id(page), PageTracker())


def untrack(page: Page) -> PageTracker:
    return _TRACKERS.pop(id(page), PageTracker())


# --- steps ------------------------------------------------------------------------------------


def visit(page: Page, path: str) -> None:
    """Open path (relative to the server) and scan it."""
    page.goto(path)
    assert_accessible(page)


def login(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the Dutch sign-in form; end on the page the app lands on (scanned).

    The demo's admin and HR need a second step: the code of the demo authenticator key.
    """
    visit(page, "/login")
    page.get_by_label("E-mailadres", exact=True).fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    if "/tweede-stap" in page.url:
        assert_accessible(page)
        page.get_by_label("Code", exact=True).fill(totp_code())
        page.get_by_role("main").get_by_role("button", name="Bevestigen").click()
        expect(page).not_to_have_url(re.compile(r"/tweede-stap"))
    assert_accessible(page)


#: The demo's authenticator key (learnpath.demo.DEMO_TOTP_SECRET).
DEMO_TOTP_SECRET = "LEERPADDEMOTOTP2FA234567"
_last_step: dict[str, int] = {}


def totp_code(secret: str = DEMO_TOTP_SECRET) -> str:
    """A code of ``secret`` the app has not accepted yet (each is accepted once): the current
    step's, else the next one's, else wait for a new step."""
    import time

    import pyotp

    totp = pyotp.TOTP(secret)
    while True:
        now = totp.timecode(datetime.now(UTC))
        for step in (now, now + 1):
            if step > _last_step.get(secret, 0):
                _last_step[secret] = step
                return totp.generate_otp(step)
        time.sleep(1)


def logout(page: Page) -> None:
    """Sign out with the header button (either language); end on the sign-in page (scanned)."""
    page.get_by_role("banner").get_by_role(
        "button", name=re.compile(r"^(Uitloggen|Sign out)$")
    ).click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("status")).to_contain_text("Je bent uitgelogd.")
    assert_accessible(page)


def switch_language(page: Page, to: str) -> None:
    """Switch the interface language with the header button: to is "en" or "nl"."""
    label = {"en": "English", "nl": "Nederlands"}[to]
    page.get_by_role("banner").get_by_role("button", name=label).click()
    expect(page.locator("html")).to_have_attribute("lang", to)
    assert_accessible(page)


def read_outbox_message(page: Page, recipient: str) -> str:
    """As an admin, open the newest outbox message to recipient and return its text body."""
    visit(page, "/dev/outbox")
    row = page.get_by_role("row").filter(has_text=recipient).first
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    return page.locator(".message-body").first.inner_text()


def first_link(text: str, path_prefix: str) -> str:
    """Return the first http(s) URL in text whose path starts with path_prefix."""
    match = re.search(rf"https?://[^\s/]+{re.escape(path_prefix)}\S*", text)
    assert match, f"no link to {path_prefix} in:\n{text}"
    return match.group(0)
