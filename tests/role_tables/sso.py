from learnpath.accounts.models import Role
from learnpath.web.access import PUBLIC, SIGNED_IN

A = frozenset({Role.ADMIN})

ROUTES = {
    # OpenID Connect sign-in (learnpath.sso)
    "sso.find_provider": (PUBLIC, "POST"),
    "sso.organisation_page": (PUBLIC, "GET"),
    "sso.start": (PUBLIC, "GET"),
    "sso.callback": (PUBLIC, "GET"),
    "sso.signed_out": (PUBLIC, "GET"),
    "sso.settings": (A, "GET"),
    "sso.security_settings": (A, "POST"),
    # two-step verification (learnpath.accounts.mfa_views)
    "accounts.mfa_challenge": (PUBLIC, "GET"),
    "accounts.mfa_setup_at_sign_in": (PUBLIC, "GET"),
    "accounts.mfa_settings": (SIGNED_IN, "GET"),
    "accounts.mfa_setup": (SIGNED_IN, "GET"),
    "accounts.mfa_new_recovery_codes": (SIGNED_IN, "GET"),
    "accounts.mfa_disable": (SIGNED_IN, "GET"),
}
