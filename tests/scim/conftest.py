from __future__ import annotations

from collections.abc import Callable

import pytest

from learnpath.accounts.models import Organisation, Role, User
from learnpath.extensions import db
from learnpath.scim import services


@pytest.fixture
def scim_token(make_user) -> Callable[[Organisation], str]:
    """A fresh SCIM token for an organisation (made by an administrator of it)."""

    def make(organisation: Organisation) -> str:
        admin: User = make_user(Role.ADMIN, organisation=organisation)
        token = services.issue_token(organisation, admin)
        db.session.commit()
        return token

    return make


@pytest.fixture
def scim(client, org, scim_token):
    """A small SCIM client for ``org``: scim("GET", "/Users", json=...)."""
    token = scim_token(org)

    def call(method: str, path: str, json=None, token_override: str | None = None):
        return client.open(
            "/scim/v2" + path,
            method=method,
            json=json,
            headers={
                "Authorization": f"Bearer {token_override or token}",
                "Accept": "application/scim+json",
            },
        )

    call.token = token
    return call
