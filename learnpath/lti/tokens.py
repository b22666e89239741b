"""The shape of an id_token, checked before PyLTI1p3 (or the database) sees any of it.

PyLTI1p3 trusts the JSON it decodes: a header that is a list, an ``aud`` that is an object or a
``custom`` claim that is a string ends in a TypeError (a 500) or, worse, a dict bound as an SQL
parameter. ``check_shape`` refuses every such token with :class:`MalformedToken`, before the
signature is even looked at, and also enforces what PyLTI1p3 leaves out: a size limit, ``exp``
present, and ``azp`` (OpenID Connect Core 3.1.3.7, required by LTI 1.3 Security §5.1.3).
No Flask, no database: a pure function of the token text and the client ids we know.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"

#: Largest id_token accepted (characters). Real launches are a few KiB; Canvas with many
#: custom parameters stays well under this.
MAX_TOKEN_LENGTH = 64 * 1024
#: Longest value of any string claim we read.
MAX_STRING = 2048
#: Longest identifier (iss, sub, aud, deployment, link and context ids): what our columns hold.
MAX_ID = 255
_ID_CLAIMS = frozenset({"iss", "sub", "aud", "azp", "email", "deployment_id", "resource_link.id"})

_STRING_CLAIMS = ("iss", "sub", "nonce", "azp", "name", "given_name", "family_name", "email")
_REQUIRED_STRINGS = ("iss", "nonce")
_LTI_STRINGS = ("message_type", "version", "deployment_id", "target_link_uri")
_OBJECT_CLAIMS = (
    CLAIM + "resource_link",
    CLAIM + "context",
    CLAIM + "custom",
    CLAIM + "tool_platform",
    CLAIM + "launch_presentation",
    CLAIM + "lis",
    DL_CLAIM + "deep_linking_settings",
    NRPS_CLAIM,
    AGS_CLAIM,
)


class MalformedToken(ValueError):
    """The id_token is not a JWT of the shape LTI 1.3 prescribes (the text is for the log)."""


def _decode_part(part: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedToken(f"undecodable part: {exc}") from exc


def _string(value: object, name: str, *, required: bool = False) -> None:
    if value is None and not required:
        return
    limit = 254 if name == "email" else MAX_ID if name in _ID_CLAIMS else MAX_STRING
    if not isinstance(value, str) or (required and not value) or len(value) > limit:
        raise MalformedToken(f"{name} must be a string of at most {limit} characters")


def _number(value: object, name: str, *, required: bool) -> None:
    if value is None and not required:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedToken(f"{name} must be a number")


def audiences(body: Mapping[str, Any]) -> list[str]:
    """The token's audiences as a list (``aud`` may be one string or a list of them)."""
    aud = body.get("aud")
    return [aud] if isinstance(aud, str) else list(aud or [])


def _check_header(header: object) -> None:
    if not isinstance(header, dict):
        raise MalformedToken("header is not a JSON object")
    _string(header.get("alg"), "alg", required=True)
    _string(header.get("kid"), "kid", required=True)
    for forbidden in ("jku", "jwk", "x5u", "x5c", "crit"):
        if forbidden in header:
            raise MalformedToken(f"header parameter {forbidden} is not accepted")


def _check_audience(body: Mapping[str, Any], client_ids: frozenset[str] | None) -> None:
    aud = body.get("aud")
    if isinstance(aud, list):
        if not aud or not all(isinstance(a, str) and a and len(a) <= MAX_ID for a in aud):
            raise MalformedToken("aud must be a string or a non-empty list of strings")
    else:
        _string(aud, "aud", required=True)
    auds = audiences(body)
    client_id = auds[0]
    azp = body.get("azp")
    _string(azp, "azp")
    if len(auds) > 1 and azp is None:
        raise MalformedToken("several audiences but no azp")
    if azp is not None and azp != client_id:
        raise MalformedToken("azp names another client")
    if client_ids is not None and client_id not in client_ids:
        raise MalformedToken("aud does not name a registered client")


def _check_lti(body: Mapping[str, Any]) -> None:
    for name in _LTI_STRINGS:
        _string(body.get(CLAIM + name), name, required=name in ("message_type", "deployment_id"))
    roles = body.get(CLAIM + "roles", [])
    if not isinstance(roles, list) or not all(
        isinstance(r, str) and len(r) <= MAX_STRING for r in roles
    ):
        raise MalformedToken("roles must be a list of strings")
    for name in _OBJECT_CLAIMS:
        value = body.get(name)
        if value is not None and not isinstance(value, dict):
            raise MalformedToken(f"{name} must be an object")
    resource = body.get(CLAIM + "resource_link") or {}
    _string(resource.get("id"), "resource_link.id")
    for key in ("title", "description"):
        if resource.get(key) is not None and not isinstance(resource[key], str):
            raise MalformedToken(f"resource_link.{key} must be a string")
    context = body.get(CLAIM + "context") or {}
    _string(context.get("id"), "context.id")
    for key in ("title", "label"):
        if context.get(key) is not None and not isinstance(context[key], str):
            raise MalformedToken(f"context.{key} must be a string")
    custom = body.get(CLAIM + "custom") or {}
    if not all(isinstance(v, str | int | float | bool) for v in custom.values()):
        raise MalformedToken("custom parameters must be plain values")
    nrps = body.get(NRPS_CLAIM) or {}
    _string(nrps.get("context_memberships_url"), "context_memberships_url")
    ags = body.get(AGS_CLAIM) or {}
    _string(ags.get("lineitems"), "lineitems")
    _string(ags.get("lineitem"), "lineitem")
    scope = ags.get("scope", [])
    if not isinstance(scope, list) or not all(isinstance(s, str) for s in scope):
        raise MalformedToken("AGS scope must be a list of strings")
    settings = body.get(DL_CLAIM + "deep_linking_settings") or {}
    _string(settings.get("deep_link_return_url"), "deep_link_return_url")
    _string(settings.get("data"), "deep_linking_settings.data")


def check_shape(
    token: object, client_ids: frozenset[str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (header, body) of a well-formed LTI id_token, or raise MalformedToken.

    ``client_ids``: the client ids registered for the token's issuer (None: not checked here).
    """
    if not isinstance(token, str) or not token:
        raise MalformedToken("no id_token")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken(f"id_token of {len(token)} characters is too large")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise MalformedToken("a JWT has three non-empty parts")
    header, body = _decode_part(parts[0]), _decode_part(parts[1])
    _check_header(header)
    if not isinstance(body, dict):
        raise MalformedToken("body is not a JSON object")
    for name in _STRING_CLAIMS:
        _string(body.get(name), name, required=name in _REQUIRED_STRINGS)
    _number(body.get("exp"), "exp", required=True)
    _number(body.get("iat"), "iat", required=True)
    _number(body.get("nbf"), "nbf", required=False)
    _check_audience(body, client_ids)
    _check_lti(body)
    return header, body


def issuer_of(token: object) -> str | None:
    """The unverified ``iss`` of a token, to find the client ids registered for it."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        return None
    try:
        body = _decode_part(token.split(".")[1])
    except MalformedToken:
        return None
    iss = body.get("iss") if isinstance(body, dict) else None
    return iss if isinstance(iss, str) and len(iss) <= MAX_STRING else None
