"""Sign-in hardening (issue 18): the admin's reset of someone's authenticator, and the notice a
launch shows after the second step. The reset is for the own organisation only
(tests/accounts_mfa/test_mfa_reset_and_audit.py: another organisation's admin gets 404)."""

from learnpath.accounts.models import Role
from learnpath.web.access import SIGNED_IN

ROUTES = {
    "admin.reset_mfa": (frozenset({Role.ADMIN}), "GET"),
    "lti.notice": (SIGNED_IN, "GET"),
}
