from learnpath.accounts.models import Role

MF = frozenset({Role.MANAGER, Role.FACILITATOR})

ROUTES = {
    "manager_tracks.materials": (MF, "GET"),
    "manager_tracks.material": (MF, "GET"),
}
