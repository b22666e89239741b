from learnpath.accounts.models import Role

ROUTES = {
    "privacy.retention_setting": (frozenset({Role.ADMIN}), "POST"),
}
