"""What the SCIM server tells a client about itself (RFC 7644 section 4, RFC 7643 sections 5-7):
the ServiceProviderConfig, the User resource type and the schemas of what it keeps."""

from __future__ import annotations

from typing import Any

from learnpath.scim.services import CORE, ENTERPRISE, MAX_RESULTS

SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def _meta(resource_type: str, location: str) -> dict[str, str]:
    return {"resourceType": resource_type, "location": location}


def service_provider_config(base: str) -> dict[str, Any]:
    return {
        "schemas": [SPC],
        "documentationUri": base.rsplit("/scim/", 1)[0] + "/",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "The organisation's SCIM token, made by an administrator "
                "at /beheer/scim.",
                "primary": True,
            }
        ],
        "meta": _meta("ServiceProviderConfig", f"{base}/ServiceProviderConfig"),
    }


def user_resource_type(base: str) -> dict[str, Any]:
    return {
        "schemas": [RESOURCE_TYPE],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A person of the organisation",
        "schema": CORE,
        "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
        "meta": _meta("ResourceType", f"{base}/ResourceTypes/User"),
    }


def _attr(
    name: str,
    kind: str = "string",
    *,
    required: bool = False,
    unique: str = "none",
    multi: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    sub: list[dict[str, Any]] | None = None,
    references: list[str] | None = None,
    case_exact: bool = False,
) -> dict[str, Any]:
    attr: dict[str, Any] = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "description": name,
        "required": required,
        "mutability": mutability,
        "returned": returned,
    }
    if kind in ("string", "reference"):
        attr["caseExact"] = case_exact
        attr["uniqueness"] = unique
    if sub is not None:
        attr["subAttributes"] = sub
    if references is not None:
        attr["referenceTypes"] = references
    return attr


def user_schema(base: str) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA],
        "id": CORE,
        "name": "User",
        "description": "User Account",
        "attributes": [
            _attr("userName", required=True, unique="server"),
            _attr(
                "name",
                "complex",
                sub=[_attr("formatted"), _attr("familyName"), _attr("givenName")],
            ),
            _attr("displayName"),
            # Always there: an account is active or deactivated (it cannot be removed).
            _attr("active", "boolean", required=True),
            # Required here: learnpath signs people in and writes to them by their work
            # address (the userName counts when it is an address).
            _attr(
                "emails",
                "complex",
                required=True,
                multi=True,
                sub=[_attr("value", required=True), _attr("type"), _attr("primary", "boolean")],
            ),
        ],
        "meta": _meta("Schema", f"{base}/Schemas/{CORE}"),
    }


def enterprise_schema(base: str) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA],
        "id": ENTERPRISE,
        "name": "EnterpriseUser",
        "description": "Enterprise User",
        "attributes": [
            _attr("department"),
            _attr(
                "manager",
                "complex",
                sub=[_attr("value"), _attr("$ref", "reference", references=["User"])],
            ),
        ],
        "meta": _meta("Schema", f"{base}/Schemas/{ENTERPRISE}"),
    }


def schemas(base: str) -> list[dict[str, Any]]:
    return [user_schema(base), enterprise_schema(base)]
