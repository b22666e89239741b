"""Issue 20, points 7-10: editing and deleting private notes (facilitators of the cohort; only
the author may change a note, tests/cohorts/test_notes.py)."""

from learnpath.accounts.models import Role

F = frozenset({Role.FACILITATOR})

ROUTES = {
    "assignments.edit_note": (F, "GET"),
    "assignments.delete_note": (F, "GET"),
}
