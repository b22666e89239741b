"""The harness itself: axe-core really runs and reports violations readably."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.journeys import assert_accessible


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
