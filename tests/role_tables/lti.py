from learnpath.accounts.models import Role
from learnpath.web.access import PUBLIC, SIGNED_IN

A = frozenset({Role.ADMIN})
F = frozenset({Role.FACILITATOR})

ROUTES = {
    "lti.jwks": (PUBLIC, "GET"),
    "lti.login": (PUBLIC, "GET"),
    "lti.launch": (PUBLIC, "POST"),
    "lti.confirm_link": (PUBLIC, "GET"),
    "lti.my_links": (SIGNED_IN, "GET"),
    "lti.bind": (F, "GET"),
    "lti.deep_link": (F, "GET"),
    "lti.cohort_links": (F, "GET"),
    "lti.import_roster": (F, "POST"),
    "lti.registrations": (A, "GET"),
    "lti.new_registration": (A, "GET"),
    "lti.edit_registration": (A, "GET"),
}
