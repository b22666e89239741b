from learnpath.accounts.models import Role
from learnpath.web.access import SIGNED_IN

F = frozenset({Role.FACILITATOR})
HA = frozenset({Role.HR, Role.ADMIN})
FHA = frozenset({Role.FACILITATOR, Role.HR, Role.ADMIN})
A = frozenset({Role.ADMIN})

ROUTES = {
    "reports.index": (FHA, "GET"),
    "reports.dashboard": (HA, "GET"),
    "reports.threshold": (HA, "POST"),
    "reports.dashboard_csv": (HA, "GET"),
    "reports.cohort": (F, "GET"),
    "reports.cohort_csv": (F, "GET"),
    "privacy.my_data": (SIGNED_IN, "GET"),
    "privacy.mine": (SIGNED_IN, "GET"),
    "privacy.my_data_zip": (SIGNED_IN, "GET"),
    "privacy.request_erasure": (SIGNED_IN, "POST"),
    "privacy.withdraw_erasure": (SIGNED_IN, "POST"),
    "privacy.users": (A, "GET"),
    "privacy.export_user": (A, "GET"),
    "privacy.erase_user": (A, "POST"),
    "privacy.audit_log": (A, "GET"),
}
