"""Every view declares who may use it; a before_request hook enforces it (fail closed).

``@public`` — anyone, signed in or not; ``@signed_in`` — any signed-in user;
``@roles(Role.X, ...)`` — signed-in users holding one of these roles (any ``StrEnum`` of role
names: the web layer knows no feature, so it only asks ``current_user.has_role``). A view without a
declaration is refused for everyone, and a test checks that none exists.
Object-level checks (own cohort, own organisation) stay in the view or service.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
SIGNED_IN = "signed_in"
#: Endpoints of Flask itself and extensions that need no rule of ours.
_BUILTIN_PUBLIC = {"static"}

Access = str | frozenset[StrEnum]


def _declare(rule: Access) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        view._access = rule  # type: ignore[attr-defined]
        return view

    return decorator


def public(view: F) -> F:
    return _declare(PUBLIC)(view)


def signed_in(view: F) -> F:
    return _declare(SIGNED_IN)(view)


def roles(*allowed: StrEnum) -> Callable[[F], F]:
    return _declare(frozenset(allowed))


def access_rule(endpoint: str) -> Access | None:
    """Return the declared rule of an endpoint, or None when it has none."""
    if endpoint in _BUILTIN_PUBLIC:
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


def user_has_role(*allowed: StrEnum) -> bool:
    return bool(current_user.is_authenticated and current_user.has_role(*allowed))


def _enforce() -> Any:
    if request.endpoint is None:  # 404 / 405 are handled by Flask
        return None
    rule = access_rule(request.endpoint)
    if rule == PUBLIC:
        return None
    if rule is None:
        abort(403)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if rule != SIGNED_IN and not current_user.has_role(*rule):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(_enforce)
    app.jinja_env.globals["has_role"] = user_has_role
