"""Fixtures for the calendar tests: a facilitator, a participant, a cohort.

The sessions are planned next year (see factories.py), so no clock needs freezing: freezegun's
fake datetimes lose ``fold``, which time zone code depends on.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from learnpath.accounts.models import Organisation, Role, User


@pytest.fixture
def coach(make_user: Callable[..., User]) -> User:
    return make_user(
        Role.FACILITATOR, name="Anna Adviseur", email="anna@coach.example", locale="en"
    )


@pytest.fixture
def person(make_user: Callable[..., User]) -> User:
    return make_user(
        Role.PARTICIPANT, name="Piet Deelnemer", email="piet@gemeente.example", locale="en"
    )


@pytest.fixture
def cohort(org: Organisation, coach: User):  # type: ignore[no-untyped-def]
    from tests.ical.factories import make_cohort

    return make_cohort(org, [coach], name="Spring", signup_days=60)
