from learnpath.accounts.models import Role

A = frozenset({Role.ADMIN})
F = frozenset({Role.FACILITATOR})
PF = frozenset({Role.PARTICIPANT, Role.FACILITATOR})

ROUTES = {
    # session materials (learnpath.materials)
    "materials.session_materials": (PF, "GET"),
    "materials.remove_material": (F, "GET"),
    "materials.download": (PF, "GET"),
    # meeting rooms made for you (learnpath.rooms)
    "rooms.settings": (A, "GET"),
    "rooms.retry": (F, "POST"),
}
