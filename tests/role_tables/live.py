from learnpath.accounts.models import Role
from learnpath.web.access import PUBLIC, SIGNED_IN

F = frozenset({Role.FACILITATOR})

ROUTES = {
    "live.join": (SIGNED_IN, "GET"),
    "live.cannot_come": (SIGNED_IN, "GET"),
    "live.cannot_come_link": (PUBLIC, "GET"),
    "live.evaluate": (SIGNED_IN, "GET"),
    "live.results": (F, "GET"),
}
