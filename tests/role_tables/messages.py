"""Messages to a cohort or group, the roster and attendance export, certificates (issue 20)."""

from learnpath.accounts.models import Role

P = frozenset({Role.PARTICIPANT})
F = frozenset({Role.FACILITATOR})

ROUTES = {
    "messages.compose": (F, "GET"),
    "cohorts.roster_export": (F, "GET"),
    "cohorts.attendance_sheet": (F, "GET"),
    "certificates.mine": (P, "GET"),
    "certificates.for_facilitator": (F, "GET"),
}
