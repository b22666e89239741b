from learnpath.web.access import SIGNED_IN

ROUTES = {
    "accounts.visibility_page": (SIGNED_IN, "GET"),
}
