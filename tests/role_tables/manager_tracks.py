from learnpath.accounts.models import Role

FH = frozenset({Role.FACILITATOR, Role.HR})
M = frozenset({Role.MANAGER})

ROUTES = {
    "manager_tracks.index": (FH, "GET"),
    "manager_tracks.create": (FH, "GET"),
    "manager_tracks.mine": (M, "GET"),
    "manager_tracks.sign_up": (M, "POST"),
    "manager_tracks.confirm": (M, "POST"),
    "manager_tracks.withdraw": (M, "GET"),
    "manager_tracks.group": (M, "GET"),
    "manager_tracks.meeting": (M, "GET"),
    "manager_tracks.choose_method": (M, "POST"),
    "manager_tracks.set_roles": (M, "POST"),
    "manager_tracks.waive": (M, "POST"),
    "manager_tracks.save_case": (M, "POST"),
    "manager_tracks.save_notes": (M, "POST"),
}
