"""The role table, one module per feature: endpoint -> (access rule, HTTP method to probe)."""

from __future__ import annotations

import importlib
import pkgutil

from learnpath.accounts.models import Role

ALL_ROLES = tuple(Role)

ROUTES: dict[str, tuple[object, str]] = {}
for _info in pkgutil.iter_modules(__path__):
    ROUTES.update(importlib.import_module(f"{__name__}.{_info.name}").ROUTES)
