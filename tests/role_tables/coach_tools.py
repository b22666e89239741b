"""Coach tools (issue 20, points 3-5): copies and templates of cohorts, replacing a cancelled
session, all my sessions at a glance. Refusals for another cohort or organisation are in
tests/cohorts/test_copy.py, tests/schedule/test_replace.py and tests/schedule/test_overview.py."""

from learnpath.accounts.models import Role

F = frozenset({Role.FACILITATOR})

ROUTES = {
    "cohorts.copy": (F, "GET"),
    "cohorts.save_template": (F, "GET"),
    "cohorts.templates": (F, "GET"),
    "cohorts.from_template": (F, "GET"),
    "cohorts.delete_template": (F, "GET"),
    "schedule.replace_session": (F, "GET"),
    "ical.overview": (F, "GET"),
}
