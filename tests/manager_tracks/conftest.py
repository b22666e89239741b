from __future__ import annotations

import pytest

from learnpath.accounts.models import Role


@pytest.fixture
def coach(make_user):
    return make_user(Role.FACILITATOR, name="Coach Carla")


@pytest.fixture
def managers(make_user):
    """Six managers without reporting lines between them."""
    return [make_user(Role.MANAGER, name=f"Leidinggevende {i}") for i in range(1, 7)]
