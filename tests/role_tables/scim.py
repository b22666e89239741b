"""SCIM provisioning: the API answers to an organisation's bearer token (checked in the view,
so the access rule is public); the token page is for administrators."""

from learnpath.accounts.models import Role
from learnpath.web.access import PUBLIC

ROUTES = {
    "scim.users": (PUBLIC, "GET"),
    "scim.user": (PUBLIC, "GET"),
    "scim.search": (PUBLIC, "POST"),
    "scim.service_provider_config": (PUBLIC, "GET"),
    "scim.resource_types": (PUBLIC, "GET"),
    "scim.schemas": (PUBLIC, "GET"),
    "scim.unknown": (PUBLIC, "GET"),
    "scim.token_page": (frozenset({Role.ADMIN}), "GET"),
}
