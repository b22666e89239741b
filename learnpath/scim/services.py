"""SCIM 2.0 users (RFC 7643 / RFC 7644) for one organisation's identity provider.

The token decides the organisation; every lookup is limited to it, so a provider never sees
or changes another organisation's people (an id of someone elsewhere answers 404).

What is kept of a SCIM user: ``userName`` and ``externalId`` (ScimIdentity), the name shown
(``displayName``, else ``name.formatted``, else given and family name), the work email (the
primary or "work" entry of ``emails``, else the ``userName`` when it is an address),
``active`` (learnpath.accounts.lifecycle: deactivation signs out everywhere and takes the
person off waitlists and open offers), ``preferredLanguage``, and from the enterprise
extension ``department`` (a Department of the organisation, made when new) and ``manager``
(another user of the organisation: the manager who approves sign-ups and sees shared plans,
and the chain the manager tracks follow). Other attributes Entra ID sends by default (title,
phone numbers, addresses, ...) are accepted and not stored.

PATCH takes the forms Entra ID sends (Microsoft's "Known issues with SCIM 2.0 protocol
compliance" and "Tutorial: Develop a SCIM endpoint"): ``Replace``/``Add``/``Remove`` in any
case, ``active`` as a boolean or the strings "True"/"False", a path or a value object whose
keys are paths, ``emails[type eq "work"].value``, and the enterprise attributes with the
colon notation (``urn:...:enterprise:2.0:User:manager``, with the id as a string or as
``{"value": id}``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from learnpath.accounts import lifecycle
from learnpath.accounts.models import Department, Organisation, Role, User, UserRole
from learnpath.accounts.services import normalise_email
from learnpath.accounts.signals import account_created
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit
from learnpath.scim.models import ScimIdentity, ScimToken
from learnpath.web.forms import single_line_error

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

MAX_RESULTS = 200
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ScimError(Refusal):
    """A SCIM request the server refuses: HTTP ``status`` and RFC 7644 3.12 ``scim_type``."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.scim_type = scim_type


def _bad(detail: str, scim_type: str = "invalidValue") -> ScimError:
    return ScimError(400, detail, scim_type)


# --- tokens ---------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(organisation: Organisation) -> ScimToken | None:
    return db.session.scalar(select(ScimToken).where(ScimToken.organisation_id == organisation.id))


def issue_token(organisation: Organisation, actor: User) -> str:
    """Make (or rotate) the organisation's SCIM token; return it (shown once, stored hashed).

    The previous token stops working at once.
    """
    token = "scim_" + secrets.token_urlsafe(32)
    row = token_of(organisation)
    if row is None:
        row = ScimToken(organisation_id=organisation.id)
        db.session.add(row)
    row.token_hash = _hash(token)
    row.hint = token[-4:]
    row.created_by_id = actor.id
    row.created_at = utcnow()
    row.last_used_at = None
    db.session.flush()
    _audit(actor, AuditAction.SCIM_TOKEN_ROTATED, organisation)
    return token


def revoke_token(organisation: Organisation, actor: User) -> None:
    row = token_of(organisation)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        _audit(actor, AuditAction.SCIM_TOKEN_REVOKED, organisation)


def _audit(actor: User, action: AuditAction, organisation: Organisation) -> None:
    """The audit event of a token change, under the administrator's name (the command line
    requires ``--by``)."""
    record_audit(actor, actor.id, action, f"scim_token:organisation:{organisation.id}")


def token_for(bearer: str) -> ScimToken | None:
    """The token row for a presented bearer token, or None (compared by hash)."""
    if not bearer or len(bearer) > 200:
        return None
    row = db.session.scalar(
        select(ScimToken)
        .where(ScimToken.token_hash == _hash(bearer))
        .options(selectinload(ScimToken.organisation), selectinload(ScimToken.created_by))
    )
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or row.last_used_at < now - timedelta(minutes=1):
        row.last_used_at = now
    return row


# --- the user resource ----------------------------------------------------------------------


@dataclass
class Attributes:
    """The SCIM attributes learnpath keeps, as a request sets them."""

    user_name: str | None = None
    external_id: str | None = None
    display_name: str | None = None
    formatted: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    email_type: str | None = None
    email_primary: bool | None = None
    active: bool = True
    locale: str | None = None
    department: str | None = None
    manager: str | None = None


def _identity(user: User) -> ScimIdentity | None:
    return db.session.get(ScimIdentity, user.id)


def current_attributes(user: User, identity: ScimIdentity | None) -> Attributes:
    if identity is None:  # not provisioned yet: what learnpath knows
        return Attributes(
            user_name=user.email,
            display_name=user.name,
            email=user.email,
            email_type="work",
            email_primary=True,
            active=user.is_active_account,
            department=user.department.name if user.department else None,
            manager=str(user.manager_id) if user.manager_id else None,
        )
    return Attributes(
        user_name=identity.user_name,
        external_id=identity.external_id,
        display_name=identity.display_name,
        formatted=identity.formatted_name,
        given_name=identity.given_name,
        family_name=identity.family_name,
        email=user.email,
        email_type=identity.email_type,
        email_primary=identity.email_primary,
        active=user.is_active_account,
        locale=user.locale,
        department=user.department.name if user.department else None,
        manager=str(user.manager_id) if user.manager_id else None,
    )


def resource(user: User, identity: ScimIdentity | None, location: str) -> dict[str, Any]:
    """The SCIM representation of ``user`` (``location``: its URL)."""
    attrs = current_attributes(user, identity)
    name = {
        key: value
        for key, value in (
            ("formatted", attrs.formatted),
            ("familyName", attrs.family_name),
            ("givenName", attrs.given_name),
        )
        if value
    }
    email: dict[str, Any] = {"value": user.email}
    if attrs.email_type:
        email["type"] = attrs.email_type
    if attrs.email_primary is not None:
        email["primary"] = attrs.email_primary
    enterprise: dict[str, Any] = {}
    if user.department is not None:
        enterprise["department"] = user.department.name
    if user.manager_id is not None:
        enterprise["manager"] = {
            "value": str(user.manager_id),
            "$ref": location.rsplit("/", 1)[0] + f"/{user.manager_id}",
        }
    modified = max(user.updated_at, identity.updated_at) if identity else user.updated_at
    body: dict[str, Any] = {
        "schemas": [CORE, ENTERPRISE] if enterprise else [CORE],
        "id": str(user.id),
        "userName": attrs.user_name,
        "active": user.is_active_account,
        "emails": [email],
        "meta": {
            "resourceType": "User",
            "created": _instant(user.created_at),
            "lastModified": _instant(modified),
            "location": location,
        },
    }
    if name:
        body["name"] = name
    if attrs.display_name:
        body["displayName"] = attrs.display_name
    if attrs.external_id:
        body["externalId"] = attrs.external_id
    if enterprise:
        body[ENTERPRISE] = enterprise
    return body


def _instant(moment: Any) -> str:
    return str(moment.isoformat()).replace("+00:00", "Z")


def _path_parts(path: str) -> tuple[str, str | None]:
    """(attribute, sub-attribute) of an attribute path, lower-cased; extension attributes are
    (ENTERPRISE, name)."""
    text = path.strip().lower()
    if text.startswith(ENTERPRISE.lower()):
        rest = text[len(ENTERPRISE) :].lstrip(":")
        return ENTERPRISE.lower(), (rest.split(".")[0] or None) if rest else None
    text = text.removeprefix(CORE.lower() + ":")
    top, _dot, sub = text.partition(".")
    return top, sub or None


_ALWAYS = {"schemas", "id", "meta"}


def project(body: dict[str, Any], attributes: str | None, excluded: str | None) -> dict[str, Any]:
    """The resource with only ``attributes``, or without ``excludedAttributes`` (RFC 7644
    3.9); ``schemas``, ``id`` and ``meta`` are always returned."""
    if attributes:
        wanted = [_path_parts(p) for p in attributes.split(",") if p.strip()]
        result = {k: v for k, v in body.items() if k in _ALWAYS}
        for top, sub in wanted:
            key = next((k for k in body if k.lower() == top), None)
            if key is None or key in _ALWAYS:
                continue
            value = body[key]
            if sub is None:
                result[key] = value
            elif isinstance(value, dict):
                picked = {k: v for k, v in value.items() if k.lower() == sub}
                if picked:
                    result.setdefault(key, {}).update(picked)
            elif isinstance(value, list):
                result[key] = [
                    {k: v for k, v in item.items() if k.lower() == sub}
                    for item in value
                    if isinstance(item, dict)
                ]
        return result
    if excluded:
        result = dict(body)
        for top, sub in (_path_parts(p) for p in excluded.split(",") if p.strip()):
            key = next((k for k in result if k.lower() == top), None)
            if key is None or key in _ALWAYS:
                continue
            if sub is None:
                del result[key]
            elif isinstance(result[key], dict):
                result[key] = {k: v for k, v in result[key].items() if k.lower() != sub}
        return result
    return body


# --- reading --------------------------------------------------------------------------------


def _visible(organisation: Organisation) -> Any:
    """Users of the organisation that SCIM shows (not deleted through SCIM)."""
    deleted = select(ScimIdentity.user_id).where(
        ScimIdentity.organisation_id == organisation.id, ScimIdentity.deleted_at.is_not(None)
    )
    return select(User).where(User.organisation_id == organisation.id, User.id.not_in(deleted))


def get_user(organisation: Organisation, user_id: str) -> User:
    """The organisation's user with this SCIM id; 404 for anyone else."""
    if not user_id.isdigit() or len(user_id) > 18:
        raise ScimError(404, str(_l("Resource %(id)s not found", id=user_id[:40])))
    user = db.session.scalar(_visible(organisation).where(User.id == int(user_id)))
    if user is None:
        raise ScimError(404, str(_l("Resource %(id)s not found", id=user_id)))
    return user


_FILTER = re.compile(
    r'^\s*(?P<attr>[A-Za-z0-9:._\[\]" ]+?)\s+eq\s+"(?P<value>(?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE
)
_FILTERABLE = {
    "username": "userName",
    "externalid": "externalId",
    'emails[type eq "work"].value': "email",
    "emails.value": "email",
    "emails": "email",
    "id": "id",
}


def parse_filter(text: str) -> tuple[str, str]:
    """(attribute, value) of a ``<attr> eq "<value>"`` filter; invalidFilter otherwise."""
    match = _FILTER.match(text or "")
    attr = match.group("attr").strip().lower() if match else ""
    attr = attr.removeprefix(CORE.lower() + ":")
    if match is None or attr not in _FILTERABLE:
        raise _bad(
            str(_l('Only filters of the form userName eq "value" (or externalId, emails) work.')),
            "invalidFilter",
        )
    value = match.group("value").replace('\\"', '"').replace("\\\\", "\\")
    return _FILTERABLE[attr], value


def list_users(
    organisation: Organisation, filter_text: str | None, start_index: int, count: int
) -> tuple[int, list[User]]:
    """(totalResults, the page of users) in id order; ``start_index`` counts from 1."""
    query = _visible(organisation)
    if filter_text:
        attr, value = parse_filter(filter_text)
        key = value.strip().lower()
        if attr == "userName":
            named = select(ScimIdentity.user_id).where(
                ScimIdentity.organisation_id == organisation.id,
                ScimIdentity.user_name_key == key,
            )
            unnamed = select(ScimIdentity.user_id).where(
                ScimIdentity.organisation_id == organisation.id
            )
            query = query.where(
                or_(User.id.in_(named), (User.email == key) & User.id.not_in(unnamed))
            )
        elif attr == "externalId":
            query = query.where(
                User.id.in_(
                    select(ScimIdentity.user_id).where(
                        ScimIdentity.organisation_id == organisation.id,
                        ScimIdentity.external_id == value,
                    )
                )
            )
        elif attr == "email":
            query = query.where(User.email == key)
        else:
            query = query.where(User.id == (int(key) if key.isdigit() else -1))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if count <= 0:
        return total, []
    users = db.session.scalars(
        query.order_by(User.id)
        .offset(max(start_index, 1) - 1)
        .limit(min(count, MAX_RESULTS))
        .options(selectinload(User.department), selectinload(User.manager))
    ).all()
    return total, list(users)


def identities_of(users: list[User]) -> dict[int, ScimIdentity]:
    if not users:
        return {}
    rows = db.session.scalars(
        select(ScimIdentity).where(ScimIdentity.user_id.in_([u.id for u in users]))
    )
    return {row.user_id: row for row in rows}


# --- parsing a request body -----------------------------------------------------------------


def _text(value: Any, name: str, length: int = 200) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(str(_l("%(name)s must be a string.", name=name)))
    value = str(value).strip()
    if single_line_error(value) is not None:
        raise _bad(str(_l("%(name)s must be one line of text.", name=name)))
    if len(value) > length:
        raise _bad(str(_l("%(name)s is too long.", name=name)))
    return value or None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"  # Entra ID without aadOptscim062020
    raise _bad(str(_l("active must be true or false.")))


def _set_emails(attrs: Attributes, emails: Any) -> None:
    """Keep the primary entry of ``emails`` (else the "work" one, else the first)."""
    if emails is None:
        attrs.email = attrs.email_type = attrs.email_primary = None
        return
    if isinstance(emails, dict):
        emails = [emails]
    if not isinstance(emails, list):
        raise _bad(str(_l("emails must be a list.")))
    entries = [e for e in emails if isinstance(e, dict) and e.get("value")]
    chosen = (
        next((e for e in entries if e.get("primary") in (True, "true", "True")), None)
        or next((e for e in entries if e.get("type") == "work"), None)
        or (entries[0] if entries else None)
    )
    if chosen is None:
        attrs.email = attrs.email_type = attrs.email_primary = None
        return
    attrs.email = _text(chosen.get("value"), "emails.value", 254)
    attrs.email_type = _text(chosen.get("type"), "emails.type", 100)
    primary = chosen.get("primary")
    attrs.email_primary = None if primary is None else _boolean(primary)


def _manager_ref(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("value")
    return _text(value, "manager", 40)


def _set(attrs: Attributes, path: str, value: Any) -> None:
    """Set one attribute by its SCIM path (core names, ``name.x``, enterprise with ':')."""
    key = path.strip()
    lowered = key.lower()
    if lowered.startswith(ENTERPRISE.lower()):
        rest = key[len(ENTERPRISE) :].lstrip(":.")
        if not rest:  # the whole extension as an object
            if value is None:
                attrs.department = attrs.manager = None
                return
            if not isinstance(value, dict):
                raise _bad(str(_l("The enterprise extension must be an object.")))
            for sub, sub_value in value.items():
                _set(attrs, f"{ENTERPRISE}:{sub}", sub_value)
            return
        lowered = "enterprise:" + rest.lower()
    elif lowered.startswith(CORE.lower() + ":"):
        lowered = lowered[len(CORE) + 1 :]
    if lowered == "name" and isinstance(value, dict):
        for sub, sub_value in value.items():
            _set(attrs, f"name.{sub}", sub_value)
        return
    if lowered == "name" and value is None:
        for sub in ("givenName", "familyName", "formatted"):
            _set(attrs, f"name.{sub}", None)
        return
    target = {
        "username": "user_name",
        "externalid": "external_id",
        "displayname": "display_name",
        "name.formatted": "formatted",
        "name.givenname": "given_name",
        "name.familyname": "family_name",
        "active": "active",
        "preferredlanguage": "locale",
        "locale": "locale",
        "emails": "email",
        'emails[type eq "work"].value': "email",
        "emails.value": "email",
        "enterprise:department": "department",
        "enterprise:manager": "manager",
        "enterprise:manager.value": "manager",
    }.get(lowered)
    if target is None:
        return  # an attribute learnpath does not keep (title, phoneNumbers, ...)
    if target == "active":
        attrs.active = True if value is None else _boolean(value)
    elif target == "email" and lowered == "emails":
        _set_emails(attrs, value)
    elif target == "email":
        attrs.email = _text(value, "email", 254)
        if lowered.startswith("emails[type"):
            attrs.email_type = attrs.email_type or "work"
    elif target == "manager":
        attrs.manager = _manager_ref(value)
    elif target in ("user_name", "external_id"):
        setattr(attrs, target, _text(value, path, 254))
    else:
        setattr(attrs, target, _text(value, path))


def attributes_from(body: Any) -> Attributes:
    """The attributes of a full User resource (POST, PUT)."""
    if not isinstance(body, dict):
        raise _bad(str(_l("The request body must be a JSON object.")), "invalidSyntax")
    attrs = Attributes()
    for key, value in body.items():
        if key in ("schemas", "id", "meta", "groups", "password"):
            continue
        _set(attrs, key, value)
    if not attrs.user_name:
        raise _bad(str(_l("userName is required.")))
    return attrs


def apply_patch(attrs: Attributes, body: Any) -> Attributes:
    """The attributes after the operations of a PatchOp request (RFC 7644 3.5.2)."""
    if not isinstance(body, dict) or not isinstance(body.get("Operations"), list):
        raise _bad(str(_l("A PATCH request needs a list of Operations.")), "invalidSyntax")
    attrs = replace(attrs)
    for operation in body["Operations"]:
        if not isinstance(operation, dict):
            raise _bad(str(_l("Each operation must be an object.")), "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        path = operation.get("path")
        value = operation.get("value")
        if op not in ("add", "replace", "remove"):
            raise _bad(str(_l("Unknown operation %(op)s.", op=op[:20])), "invalidSyntax")
        if path is not None and not isinstance(path, str):
            raise _bad(str(_l("path must be a string.")), "invalidPath")
        if op == "remove":
            if not path:
                raise _bad(str(_l("A remove operation needs a path.")), "noTarget")
            if path.strip().lower() in ("username", "active"):
                raise _bad(str(_l("%(path)s cannot be removed.", path=path)), "mutability")
            _set(attrs, path, None)
        elif path:
            _set(attrs, path, value)
        elif isinstance(value, dict):
            for key, sub_value in value.items():
                _set(attrs, key, sub_value)
        else:
            raise _bad(str(_l("An operation without a path needs an object value.")))
    if not attrs.user_name:
        raise _bad(str(_l("userName is required.")))
    return attrs


# --- writing --------------------------------------------------------------------------------


def _display_name(attrs: Attributes) -> str:
    parts = " ".join(p for p in (attrs.given_name, attrs.family_name) if p)
    return attrs.display_name or attrs.formatted or parts or attrs.user_name or ""


def _email(attrs: Attributes) -> str:
    email = attrs.email or (attrs.user_name if attrs.user_name and "@" in attrs.user_name else None)
    if email is None or not EMAIL.match(email):
        raise _bad(str(_l("The user needs a work email address (emails or userName).")))
    return normalise_email(email)


def _department(organisation: Organisation, name: str | None) -> Department | None:
    if not name:
        return None
    found = db.session.scalar(
        select(Department).where(
            Department.organisation_id == organisation.id,
            func.lower(Department.name) == name.lower(),
        )
    )
    if found is not None:
        return found
    department = Department(organisation_id=organisation.id, name=name)
    try:
        with db.session.begin_nested():
            db.session.add(department)
    except IntegrityError:  # made by a concurrent request
        return db.session.scalar(
            select(Department).where(
                Department.organisation_id == organisation.id, Department.name == name
            )
        )
    return department


def _manager(organisation: Organisation, user: User | None, ref: str | None) -> User | None:
    if not ref:
        return None
    manager = (
        db.session.scalar(_visible(organisation).where(User.id == int(ref)))
        if ref.isdigit() and len(ref) < 18
        else None
    )
    if manager is None:
        raise _bad(str(_l("The manager %(ref)s is not a user of this organisation.", ref=ref)))
    if user is not None:
        seen, current = {user.id}, manager
        while current is not None:  # a manager may not report to the person, however far up
            if current.id in seen:
                raise _bad(str(_l("This manager would make a circle of managers.")))
            seen.add(current.id)
            current = current.manager
    return manager


def _taken_by(email: str, organisation: Organisation, user: User | None) -> None:
    other = db.session.scalar(select(User).where(User.email == email))
    if other is not None and (user is None or other.id != user.id):
        raise ScimError(
            409, str(_l("Another account has the address %(email)s.", email=email)), "uniqueness"
        )


def _name_taken(organisation: Organisation, key: str, user: User | None) -> None:
    other = db.session.scalar(
        select(ScimIdentity).where(
            ScimIdentity.organisation_id == organisation.id, ScimIdentity.user_name_key == key
        )
    )
    if other is not None and (user is None or other.user_id != user.id):
        raise ScimError(409, str(_l("A user with this userName exists already.")), "uniqueness")


def _flush_unique() -> None:
    """Flush; a userName or address taken by a request at the same moment is a 409."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise ScimError(
            409, str(_l("A user with this userName exists already.")), "uniqueness"
        ) from exc


def _write(
    organisation: Organisation,
    user: User,
    identity: ScimIdentity | None,
    attrs: Attributes,
    *,
    actor: User | None,
) -> ScimIdentity:
    assert attrs.user_name
    key = attrs.user_name.lower()
    _name_taken(organisation, key, user)
    email = _email(attrs)
    _taken_by(email, organisation, user)
    user.email = email
    user.name = _display_name(attrs)[:200]
    if attrs.locale:
        user.locale = "en" if attrs.locale.lower().startswith("en") else "nl"
    user.department = _department(organisation, attrs.department)
    user.manager = _manager(organisation, user, attrs.manager)
    if identity is None:
        identity = ScimIdentity(user_id=user.id, organisation_id=organisation.id)
        db.session.add(identity)
    identity.user_name = attrs.user_name
    identity.user_name_key = key
    identity.external_id = attrs.external_id
    identity.display_name = attrs.display_name
    identity.formatted_name = attrs.formatted
    identity.given_name = attrs.given_name
    identity.family_name = attrs.family_name
    identity.email_type = attrs.email_type
    identity.email_primary = attrs.email_primary
    identity.deleted_at = None
    identity.updated_at = utcnow()
    _flush_unique()
    if attrs.active:
        lifecycle.reactivate(user, by=actor, reason="scim")
    else:
        lifecycle.deactivate(user, by=actor, reason="scim")
    return identity


def create_user(
    organisation: Organisation, body: Any, actor: User | None
) -> tuple[User, ScimIdentity]:
    """POST /Users: a new participant (signs in through the organisation's SSO; no mail).

    A user of the organisation with the same address that SCIM has not named yet (invited
    before provisioning started) is taken over instead of refused.
    """
    attrs = attributes_from(body)
    assert attrs.user_name
    key = attrs.user_name.lower()
    _name_taken(organisation, key, None)
    email = _email(attrs)
    user = db.session.scalar(
        select(User).where(User.email == email, User.organisation_id == organisation.id)
    )
    identity = _identity(user) if user is not None else None
    if identity is not None and identity.deleted_at is None:
        _taken_by(email, organisation, None)  # named by SCIM under another userName: 409
    if user is None:
        _taken_by(email, organisation, None)
        user = User(
            organisation_id=organisation.id,
            email=email,
            name=_display_name(attrs)[:200] or email,
            locale="nl",
        )
        user.role_rows.append(UserRole(role=Role.PARTICIPANT))
        db.session.add(user)
        _flush_unique()
        created = True
    else:
        created = False
    identity = _write(organisation, user, identity, attrs, actor=actor)
    if created:  # cohort invitations waiting for this address become ordinary ones
        account_created.send(None, user=user)
    return user, identity


def replace_user(
    organisation: Organisation, user: User, body: Any, actor: User | None
) -> ScimIdentity:
    """PUT /Users/<id>: the resource as sent (what it leaves out is cleared)."""
    attrs = attributes_from(body)
    return _write(organisation, user, _identity(user), attrs, actor=actor)


def patch_user(
    organisation: Organisation, user: User, body: Any, actor: User | None
) -> ScimIdentity:
    """PATCH /Users/<id>: apply the operations to the current attributes."""
    identity = _identity(user)
    attrs = apply_patch(current_attributes(user, identity), body)
    return _write(organisation, user, identity, attrs, actor=actor)


def delete_user(organisation: Organisation, user: User, actor: User | None) -> None:
    """DELETE /Users/<id>: deactivate the account and hide it from SCIM; its data stays under
    the retention rules (nothing is erased here)."""
    identity = _identity(user)
    if identity is None:
        identity = ScimIdentity(
            user_id=user.id,
            organisation_id=organisation.id,
            user_name=user.email,
            user_name_key=user.email,
        )
        db.session.add(identity)
    lifecycle.deactivate(user, by=actor, reason="scim")
    identity.deleted_at = utcnow()
    # The userName is free again for a new account of the same name.
    identity.user_name_key = f"deleted:{user.id}:{identity.user_name_key}"[:254]
    db.session.flush()
