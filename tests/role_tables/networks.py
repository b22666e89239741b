from learnpath.accounts.models import Role
from learnpath.web.access import SIGNED_IN

A = frozenset({Role.ADMIN})

ROUTES = {
    "admin.networks_page": (A, "GET"),
    "admin.accept_network": (A, "POST"),
    "admin.end_network": (A, "GET"),
    "networks.index": (SIGNED_IN, "GET"),
    "networks.detail": (SIGNED_IN, "GET"),
    "networks.new_cohort": (SIGNED_IN, "GET"),
    "networks.edit_cohort": (SIGNED_IN, "GET"),
}
