"""The cohort history names every kind of change in words, never by its stored value."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from markupsafe import escape

from learnpath.accounts.models import Role
from learnpath.cohorts import services
from learnpath.cohorts.models import CohortAction
from learnpath.extensions import db
from tests.factories import make_cohort


@pytest.fixture
def coach(make_user):
    return make_user(Role.FACILITATOR, name="Carla Coach")


def what_column(page: str) -> list[str]:
    """The "What" cells of the history table (third column), as HTML."""
    section = re.search(r'<section aria-labelledby="history-heading">(.*?)</section>', page, re.S)
    assert section, "no history section on the page"
    return re.findall(r"<tr><td>.*?</td><td>.*?</td><td>(.*?)</td>", section.group(1), re.S)


def dutch_and_english(action: CohortAction) -> tuple[str, str]:
    with force_locale("nl"):
        dutch = str(action.label)
    with force_locale("en"):
        english = str(action.label)
    return dutch, english


def test_every_history_action_is_shown_with_its_dutch_label(
    app, client, org, coach, login_as
) -> None:
    cohort = make_cohort(org, coach)
    for action in CohortAction:
        services.record_change(cohort, coach, action)
    db.session.commit()
    login_as(coach)
    shown = what_column(client.get(f"/cohorten/{cohort.id}").text)
    assert len(shown) == len(CohortAction) + 1  # and "Cohort created" by make_cohort
    with app.test_request_context():
        for action in CohortAction:
            dutch, english = dutch_and_english(action)
            assert dutch != english, f"{action.value}: no Dutch translation"
            assert str(escape(dutch)) in shown, f"{action.value}: {dutch!r} not shown"
    assert not {a.value for a in CohortAction} & {cell.strip() for cell in shown}


def test_an_lti_binding_is_named_not_shown_as_lti_bound(client, org, coach, login_as) -> None:
    """The LTI binding stores "lti_bound"; facilitators saw that raw word in the history."""
    cohort = make_cohort(org, coach)
    services.record_change(cohort, coach, "lti_bound", link="course-42")  # type: ignore[arg-type]
    db.session.commit()
    login_as(coach)
    shown = what_column(client.get(f"/cohorten/{cohort.id}").text)
    assert "Link uit de leeromgeving gekoppeld" in shown
    assert "lti_bound" not in " ".join(shown)


def test_a_value_no_longer_known_is_shown_as_stored(client, org, coach, login_as) -> None:
    cohort = make_cohort(org, coach)
    services.record_change(cohort, coach, "renamed")  # type: ignore[arg-type]
    db.session.commit()
    login_as(coach)
    assert "renamed" in what_column(client.get(f"/cohorten/{cohort.id}").text)
