"""Fixtures shared with the assignment tests."""

from tests.assignments.conftest import make_group  # noqa: F401  (a fixture used here too)
