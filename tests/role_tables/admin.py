"""User administration: search, edit, deactivate, departments, import (issue 18 point 4)."""

from learnpath.accounts.models import Role

A = frozenset({Role.ADMIN})

ROUTES = {
    "admin.export_users": (A, "GET"),
    "admin.edit_user_details": (A, "POST"),
    "admin.deactivate_user": (A, "GET"),
    "admin.reactivate_user": (A, "POST"),
    "admin.departments_page": (A, "GET"),
    "admin.rename_department": (A, "GET"),
    "admin.remove_department": (A, "GET"),
    "admin.import_users": (A, "GET"),
    "admin.import_users_apply": (A, "POST"),
}

ROUTES["admin.invite_user"] = (A, "GET")
