"""The SCIM 2.0 API at /scim/v2 (RFC 7644), for an organisation's identity provider.

Every request carries the organisation's bearer token (``Authorization: Bearer <token>``);
there is no session and no cookie, so the API is exempt from CSRF (the token is the proof).
Answers are ``application/scim+json``; refusals use the SCIM error format.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from learnpath.accounts.models import User
from learnpath.errors import Refusal
from learnpath.extensions import csrf
from learnpath.scim import discovery, services
from learnpath.scim.blueprint import bp
from learnpath.scim.models import ScimToken
from learnpath.scim.services import ERROR, LIST_RESPONSE, ScimError
from learnpath.web.access import public
from learnpath.web.actions import unit_of_work

MEDIA_TYPE = "application/scim+json"
DEFAULT_COUNT = 100


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _error(status: int, detail: str, scim_type: str | None = None) -> Response:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else None
    return _json(body, status, headers)


def _base() -> str:
    return url_for("scim.service_provider_config", _external=True).rsplit("/", 1)[0]


def _location(user_id: int) -> str:
    return url_for("scim.user", user_id=str(user_id), _external=True)


def _token() -> ScimToken | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return services.token_for(value.strip())


def _actor(token: ScimToken) -> User | None:
    """Who the audit log names for SCIM changes: the administrator who made the token."""
    maker = token.created_by
    return maker if maker is not None and maker.is_active_account else None


def _body() -> Any:
    body = request.get_json(force=True, silent=True)
    if body is None:
        raise ScimError(400, _("The request body is not valid JSON."), "invalidSyntax")
    return body


def _api(work: Callable[[ScimToken], Response]) -> Response:
    """Check the token, run ``work`` as one unit of work, answer refusals as SCIM errors."""
    with unit_of_work((Refusal,)) as unit:
        token = _token()
        if token is None:
            raise ScimError(401, _("A valid bearer token is required."))
        response = work(token)
    refusal = unit.refusal
    if refusal is None:
        return response
    if isinstance(refusal, ScimError):
        return _error(refusal.status, str(refusal), refusal.scim_type)
    return _error(400, str(refusal), "invalidValue")


def _shown(body: dict[str, Any], params: Any = None) -> dict[str, Any]:
    """The resource with the attributes the request asks for (``attributes`` or
    ``excludedAttributes``, from the query or a .search body)."""
    params = params if params is not None else request.args
    attributes, excluded = params.get("attributes"), params.get("excludedAttributes")
    if isinstance(attributes, list):
        attributes = ",".join(str(a) for a in attributes)
    if isinstance(excluded, list):
        excluded = ",".join(str(a) for a in excluded)
    return services.project(
        body,
        attributes if isinstance(attributes, str) else None,
        excluded if isinstance(excluded, str) else None,
    )


def _user_response(user: User, status: int = 200) -> Response:
    identity = services.identities_of([user]).get(user.id)
    location = _location(user.id)
    headers = {"Location": location} if status == 201 else None
    return _json(_shown(services.resource(user, identity, location)), status, headers)


def _list_response(organisation: Any, params: Any) -> Response:
    """A page of the organisation's users (filter, startIndex, count) as a ListResponse."""
    start = max(_number(params, "startIndex", 1), 1)
    count = max(_number(params, "count", DEFAULT_COUNT), 0)
    filter_text = params.get("filter")
    if filter_text is not None and not isinstance(filter_text, str):
        raise ScimError(400, _("filter must be a string."), "invalidFilter")
    total, page = services.list_users(organisation, filter_text, start, count)
    identities = services.identities_of(page)
    resources = [
        _shown(services.resource(u, identities.get(u.id), _location(u.id)), params) for u in page
    ]
    return _json(
        {
            "schemas": [LIST_RESPONSE],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


def _number(params: Any, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        if isinstance(raw, bool | float):
            raise ValueError(raw)
        number = int(raw)
    except (TypeError, ValueError) as exc:
        raise ScimError(400, _("%(name)s must be a number.", name=name), "invalidValue") from exc
    return max(min(number, 2**31), -(2**31))


@bp.route("/scim/v2/Users", methods=["GET", "POST"])
@csrf.exempt
@public
def users() -> ResponseReturnValue:
    """List users (filter ``userName eq "..."``, paging by startIndex/count) or create one."""

    def work(token: ScimToken) -> Response:
        organisation = token.organisation
        if request.method == "POST":
            user, _identity = services.create_user(organisation, _body(), _actor(token))
            return _user_response(user, 201)
        return _list_response(organisation, request.args)

    return _api(work)


@bp.route("/scim/v2/.search", methods=["POST"])
@bp.route("/scim/v2/Users/.search", methods=["POST"])
@csrf.exempt
@public
def search() -> ResponseReturnValue:
    """Query users with a SearchRequest body (RFC 7644 3.4.3; users are the only resources,
    so a search from the root finds the same)."""

    def work(token: ScimToken) -> Response:
        body = _body()
        if not isinstance(body, dict):
            raise ScimError(400, _("The request body must be a JSON object."), "invalidSyntax")
        return _list_response(token.organisation, body)

    return _api(work)


@bp.route("/scim/v2/Users/<user_id>", methods=["GET", "PUT", "PATCH", "DELETE"])
@csrf.exempt
@public
def user(user_id: str) -> ResponseReturnValue:
    """Read, replace, change or delete (deactivate) one user of the token's organisation."""

    def work(token: ScimToken) -> Response:
        organisation = token.organisation
        target = services.get_user(organisation, user_id)
        if request.method == "PUT":
            services.replace_user(organisation, target, _body(), _actor(token))
        elif request.method == "PATCH":
            services.patch_user(organisation, target, _body(), _actor(token))
        elif request.method == "DELETE":
            services.delete_user(organisation, target, _actor(token))
            return Response(status=204)
        return _user_response(target)

    return _api(work)


@bp.route("/scim/v2/ServiceProviderConfig")
@csrf.exempt
@public
def service_provider_config() -> ResponseReturnValue:
    """What this SCIM server supports (RFC 7643 section 5)."""
    return _api(lambda token: _json(discovery.service_provider_config(_base())))


def _list(resources: list[dict[str, Any]]) -> Response:
    return _json(
        {
            "schemas": [LIST_RESPONSE],
            "totalResults": len(resources),
            "startIndex": 1,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


@bp.route("/scim/v2/ResourceTypes")
@bp.route("/scim/v2/ResourceTypes/<name>")
@csrf.exempt
@public
def resource_types(name: str | None = None) -> ResponseReturnValue:
    """The one resource type, User (RFC 7643 section 6)."""

    def work(token: ScimToken) -> Response:
        found = discovery.user_resource_type(_base())
        if name is None:
            return _list([found])
        if name != "User":
            raise ScimError(404, _("Resource %(id)s not found", id=name[:40]))
        return _json(found)

    return _api(work)


@bp.route("/scim/v2/Schemas")
@bp.route("/scim/v2/Schemas/<schema_id>")
@csrf.exempt
@public
def schemas(schema_id: str | None = None) -> ResponseReturnValue:
    """The schemas of what learnpath keeps of a user (RFC 7643 section 7)."""

    def work(token: ScimToken) -> Response:
        found = discovery.schemas(_base())
        if schema_id is None:
            return _list(found)
        for schema in found:
            if schema["id"] == schema_id:
                return _json(schema)
        raise ScimError(404, _("Resource %(id)s not found", id=schema_id[:80]))

    return _api(work)


@bp.route("/scim/v2/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@csrf.exempt
@public
def unknown(rest: str) -> ResponseReturnValue:
    """Any other address under /scim/v2: a SCIM 404 (after the token check)."""

    def work(token: ScimToken) -> Response:
        first = rest.split("/", 1)[0]
        if first in ("ServiceProviderConfig", "ResourceTypes", "Schemas", "Users"):
            raise ScimError(405, _("This method is not allowed here."))
        raise ScimError(404, _("Resource %(id)s not found", id=rest[:80]))

    return _api(work)
