from learnpath.accounts.models import Role
from learnpath.web.access import PUBLIC

P = frozenset({Role.PARTICIPANT})
F = frozenset({Role.FACILITATOR})
M = frozenset({Role.MANAGER})

ROUTES = {
    "assignments.workspace": (P, "GET"),
    "assignments.assignment": (P, "GET"),
    "assignments.share_request": (P, "POST"),
    "assignments.self_assessment": (P, "GET"),
    "assignments.take_self_assessment": (P, "GET"),
    "assignments.colleague_answer": (PUBLIC, "GET"),
    "assignments.reflections": (M, "GET"),
    "assignments.reflection": (M, "GET"),
    "assignments.matrix": (F, "GET"),
    "assignments.submission": (F, "GET"),
    "assignments.participant": (F, "GET"),
    "assignments.add_note": (F, "POST"),
    "assignments.extend": (F, "POST"),
    "assignments.group_deadline": (F, "POST"),
    "assignments.cohort_self_assessment": (F, "GET"),
}

ROUTES["assignments.share_self_assessment"] = (frozenset({Role.PARTICIPANT}), "POST")
