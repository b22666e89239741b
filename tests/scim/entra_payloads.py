"""Request bodies as Microsoft Entra ID sends them, from Microsoft's documentation:

- "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
  (use-scim-to-provision-users-and-groups.md: Create User, Update User [Multi-valued
  properties], Update User [Single-valued properties], Disable User);
- "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra
  provisioning service" (application-provisioning-config-problem-scim-compatibility.md:
  disabling a user with and without the aadOptscim062020 flag, replacing multiple attributes).

The enterprise-extension operations use the colon notation and value forms Entra ID sends for
its default mappings (department <- department, manager <- manager).
"""

from __future__ import annotations

import copy
from typing import Any

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

CREATE_USER: dict[str, Any] = {
    "schemas": [CORE, ENTERPRISE],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testdorp.nl",
    "active": True,
    "emails": [
        {
            "primary": True,
            "type": "work",
            "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testdorp.nl",
        }
    ],
    "meta": {"resourceType": "User"},
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName",
    },
    "roles": [],
}

#: Update User [Multi-valued properties]
UPDATE_MULTI_VALUED: dict[str, Any] = {
    "schemas": [PATCH_OP],
    "Operations": [
        {
            "op": "Replace",
            "path": 'emails[type eq "work"].value',
            "value": "updatedEmail@testdorp.nl",
        },
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
    ],
}

#: Update User [Single-valued properties]
UPDATE_USER_NAME: dict[str, Any] = {
    "schemas": [PATCH_OP],
    "Operations": [
        {
            "op": "Replace",
            "path": "userName",
            "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testdorp.nl",
        }
    ],
}

#: Disable User, as the SCIM job sends it without the aadOptscim062020 flag ("False" a string).
DISABLE_USER_STRING: dict[str, Any] = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
}

#: Disable User, with the aadOptscim062020 flag (and in the tutorial).
DISABLE_USER: dict[str, Any] = {
    "Operations": [{"op": "Replace", "path": "active", "value": False}],
    "schemas": [PATCH_OP],
}

ENABLE_USER: dict[str, Any] = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "replace", "path": "active", "value": True}],
}

#: Requests to replace multiple attributes, with the flag (a value object with path keys).
REPLACE_MULTIPLE: dict[str, Any] = {
    "schemas": [PATCH_OP],
    "Operations": [
        {
            "op": "replace",
            "path": 'emails[type eq "work"].value',
            "value": "TestMhvaes@testdorp.nl",
        },
        {
            "op": "replace",
            "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                f"{ENTERPRISE}:employeeNumber": "Aklq",
            },
        },
    ],
}


def department(name: str) -> dict[str, Any]:
    return {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Add", "path": f"{ENTERPRISE}:department", "value": name}],
    }


def manager(manager_id: str) -> dict[str, Any]:
    """Entra ID sends the manager's id (the id this server gave it) as the value."""
    return {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager_id}],
    }


REMOVE_MANAGER: dict[str, Any] = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "Remove", "path": f"{ENTERPRISE}:manager"}],
}


def create_user(user_name: str, email: str | None = None, **extra: Any) -> dict[str, Any]:
    body = copy.deepcopy(CREATE_USER)
    body["userName"] = user_name
    body["externalId"] = extra.pop("externalId", user_name.split("@")[0])
    body["emails"][0]["value"] = email or user_name
    body.update(extra)
    return body
