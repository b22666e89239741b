"""The harness itself: axe-core really runs and reports violations readably; CSP violations
are caught."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.journeys import assert_accessible, tracker_for


def test_assert_accessible_reports_rule_impact_and_target(page: Page) -> None:
    page.set_content(
        '<!doctype html><html lang="nl"><head><title>t</title></head><body><main>'
        '<h1>Test</h1><img src="x.png" id="no-alt"><input id="unlabelled" type="text">'
        "</main></body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "image-alt (critical)" in message
    assert "#no-alt" in message
    assert "label (critical)" in message
    assert "#unlabelled" in message


def test_a_csp_violation_is_recorded_so_the_journey_fails(page: Page) -> None:
    # Under the app's CSP an inline style is refused; the page fixture fails on what is recorded.
    page.goto("/login")
    assert_accessible(page)
    page.evaluate("() => document.body.setAttribute('style', 'outline: 1px solid red')")
    tracker = tracker_for(page)
    for _ in range(50):  # both reports: Chromium's own and the page's event
        if len(tracker.csp_violations) >= 2:
            break
        page.wait_for_timeout(100)
    assert any("style-src" in text for text in tracker.csp_violations), tracker.csp_violations
    assert any("Content Security Policy" in text for text in tracker.csp_violations)
    tracker.csp_violations.clear()  # expected here: don't fail this test in teardown
