from learnpath.accounts.models import Role
from learnpath.web.access import SIGNED_IN

P = frozenset({Role.PARTICIPANT})

ROUTES = {
    "opportunities.index": (SIGNED_IN, "GET"),
    "opportunities.detail": (SIGNED_IN, "GET"),
    "opportunities.respond": (P, "POST"),
    "opportunities.my_responses": (P, "GET"),
    "opportunities.withdraw": (P, "POST"),
    "opportunities.show_in_plan": (P, "POST"),
    "opportunities.offers": (SIGNED_IN, "GET"),
    "opportunities.new": (SIGNED_IN, "GET"),
    "opportunities.edit": (SIGNED_IN, "GET"),
    "opportunities.responses": (SIGNED_IN, "GET"),
    "opportunities.decide": (SIGNED_IN, "POST"),
}
