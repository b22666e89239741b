from learnpath.accounts.models import Role

HA = frozenset({Role.HR, Role.ADMIN})

ROUTES = {
    "reports.evaluation_page": (HA, "GET"),
    "reports.evaluation_xlsx": (HA, "GET"),
    "reports.evaluation_pdf": (HA, "GET"),
    "reports.evaluation_csv": (HA, "GET"),
}
