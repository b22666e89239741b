from learnpath.accounts.models import Role
from learnpath.web.access import PUBLIC, SIGNED_IN

A = frozenset({Role.ADMIN})

ROUTES = {
    "static": (PUBLIC, "GET"),
    "home.index": (SIGNED_IN, "GET"),
    "accounts.login": (PUBLIC, "GET"),
    "accounts.logout": (PUBLIC, "POST"),
    "accounts.forgot_password": (PUBLIC, "GET"),
    "accounts.accept_invite": (PUBLIC, "GET"),
    "accounts.reset_password": (PUBLIC, "GET"),
    "accounts.switch_language": (PUBLIC, "POST"),
    "accounts.account": (SIGNED_IN, "GET"),
    "accounts.sign_out_everywhere": (SIGNED_IN, "GET"),
    "admin.users": (A, "GET"),
    "admin.edit_user": (A, "GET"),
    "admin.resend_invitation": (A, "POST"),
    "admin.dev_outbox": (A, "GET"),
    "admin.dev_outbox_message": (A, "GET"),
}

ROUTES.update(
    {
        "accounts.preferences_page": (SIGNED_IN, "GET"),
        "accounts.mail_preferences": (PUBLIC, "GET"),
        "admin.failed_messages": (A, "GET"),
    }
)
