"""Sign-up by work address (public) and the administrator's list of email domains."""

from learnpath.accounts.models import Role
from learnpath.web.access import PUBLIC

A = frozenset({Role.ADMIN})

ROUTES = {
    "accounts.signup_page": (PUBLIC, "GET"),
    "accounts.signup_sent": (PUBLIC, "GET"),
    "accounts.confirm_signup": (PUBLIC, "GET"),
    "accounts.email_domains": (A, "GET"),
    "accounts.remove_email_domain": (A, "GET"),
}
