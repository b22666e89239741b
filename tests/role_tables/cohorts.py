from learnpath.accounts.models import Role

P = frozenset({Role.PARTICIPANT})
F = frozenset({Role.FACILITATOR})
FH = frozenset({Role.FACILITATOR, Role.HR})
M = frozenset({Role.MANAGER})

ROUTES = {
    "cohorts.open_list": (P, "GET"),
    "cohorts.sign_up": (P, "POST"),
    "cohorts.my_programme": (P, "GET"),
    "cohorts.withdraw": (P, "POST"),
    "cohorts.confirm": (P, "POST"),
    "cohorts.index": (FH, "GET"),
    "cohorts.create": (FH, "GET"),
    "cohorts.detail": (F, "GET"),
    "cohorts.edit": (F, "GET"),
    "cohorts.invite": (F, "POST"),
    "cohorts.invite_csv": (F, "POST"),
    "cohorts.remove": (F, "GET"),
    "cohorts.move": (F, "POST"),
    "cohorts.waitlist_move": (F, "POST"),
    "cohorts.complete": (F, "POST"),
    "cohorts.approvals": (M, "GET"),
    "cohorts.decide": (M, "POST"),
    "schedule.plan": (F, "GET"),
    "schedule.edit_session": (F, "GET"),
    "schedule.cancel_session": (F, "GET"),
    "schedule.cancel_cohort": (F, "GET"),
    "schedule.attendance": (F, "GET"),
}
