from learnpath.accounts.models import Role

P = frozenset({Role.PARTICIPANT})

ROUTES = {
    "home.switch_group": (P, "POST"),
}
