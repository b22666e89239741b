"""LTI rules: platform registrations, who a launch is, what they may do, where they land."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnpath.accounts import services as accounts
from learnpath.accounts.models import Organisation, Role, User
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import ACTIVE_STATUSES, Cohort, Enrolment, EnrolmentStatus
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.lti.models import (
    AdminRoleMapping,
    Deployment,
    Registration,
    ResourceLink,
    UserLink,
)

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
#: Custom parameter a Deep Linking response puts on the link it creates.
COHORT_PARAMETER = "learnpath_cohort"

_PARTICIPANT_ROLES = {"Learner", "Student"}
_FACILITATOR_ROLES = {"Instructor", "ContentDeveloper", "TeachingAssistant"}
_ADMIN_ROLES = {"Administrator", "SysAdmin"}


class LtiError(Exception):
    """A launch or registration was refused; str(exc) is a message for the user."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))


# --- registrations ----------------------------------------------------------------------------


@dataclass
class RegistrationData:
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: list[str] = field(default_factory=list)
    auth_audience: str | None = None
    admin_role: AdminRoleMapping = AdminRoleMapping.NONE


def parse_deployment_ids(text: str) -> list[str]:
    """Deployment ids typed one per line or separated by commas, without repeats."""
    seen: dict[str, None] = {}
    for part in text.replace(",", "\n").splitlines():
        if part.strip():
            seen[part.strip()] = None
    return list(seen)


def _check_unique(data: RegistrationData, exclude_id: int | None) -> None:
    existing = db.session.scalar(
        select(Registration.id).where(
            Registration.issuer == data.issuer.strip(),
            Registration.client_id == data.client_id.strip(),
        )
    )
    if existing is not None and existing != exclude_id:
        raise LtiError(_l("This platform (issuer and client id) is registered already."))


def save_registration(
    organisation: Organisation, data: RegistrationData, registration: Registration | None = None
) -> Registration:
    """Create or update a platform registration of organisation, with its deployment ids."""
    _check_unique(data, registration.id if registration else None)
    if registration is None:
        registration = Registration(organisation=organisation)
        db.session.add(registration)
    registration.name = data.name.strip()
    registration.issuer = data.issuer.strip()
    registration.client_id = data.client_id.strip()
    registration.auth_login_url = data.auth_login_url.strip()
    registration.auth_token_url = data.auth_token_url.strip()
    registration.key_set_url = data.key_set_url.strip()
    registration.auth_audience = (data.auth_audience or "").strip() or None
    registration.admin_role = data.admin_role
    wanted = set(data.deployment_ids)
    for deployment in list(registration.deployments):
        if deployment.deployment_id not in wanted:
            registration.deployments.remove(deployment)
    have = {d.deployment_id for d in registration.deployments}
    for deployment_id in data.deployment_ids:
        if deployment_id not in have:
            registration.deployments.append(Deployment(deployment_id=deployment_id))
    db.session.flush()
    return registration


def registrations_of(organisation: Organisation) -> list[Registration]:
    """The organisation's platform registrations with their deployments."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.organisation_id == organisation.id)
            .order_by(Registration.name, Registration.id)
        )
    )


# --- roles --------------------------------------------------------------------------------------


def _role_names(uris: Iterable[str]) -> set[str]:
    """Short names of LIS role URIs: ".../membership#Instructor" -> "Instructor"."""
    return {uri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for uri in uris if isinstance(uri, str)}


def map_roles(uris: Iterable[str], admin_role: AdminRoleMapping) -> set[Role]:
    """The learnpath roles a launch with these platform roles gives."""
    names = _role_names(uris)
    roles: set[Role] = set()
    if names & _PARTICIPANT_ROLES:
        roles.add(Role.PARTICIPANT)
    if names & _FACILITATOR_ROLES:
        roles.add(Role.FACILITATOR)
    if names & _ADMIN_ROLES and admin_role != AdminRoleMapping.NONE:
        roles.add(Role(admin_role.value))
    return roles


# --- who is launching -------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """The platform user as the launch (or the roster) describes them."""

    sub: str
    email: str | None
    name: str
    roles: frozenset[Role]

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], admin_role: AdminRoleMapping) -> Person:
        return cls.from_member(claims, claims.get(CLAIM + "roles") or [], admin_role)

    @classmethod
    def from_member(
        cls, data: Mapping[str, Any], role_uris: Iterable[str], admin_role: AdminRoleMapping
    ) -> Person:
        sub = str(data.get("sub") or data.get("user_id") or "")
        name = data.get("name") or " ".join(
            str(p) for p in (data.get("given_name"), data.get("family_name")) if p
        )
        email = data.get("email")
        return cls(
            sub=sub,
            email=accounts.normalise_email(email) if isinstance(email, str) and email else None,
            name=str(name).strip()[:200] or str(_l("Participant")),
            roles=frozenset(map_roles(role_uris, admin_role)),
        )


def _placeholder_email(issuer: str, sub: str) -> str:
    """A unique address for a platform user who shared no email (never mailed: .invalid)."""
    digest = hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:24]
    return f"lti-{digest}@lti.invalid"


def _link(registration: Registration, sub: str) -> UserLink | None:
    return db.session.scalar(
        select(UserLink).where(UserLink.issuer == registration.issuer, UserLink.sub == sub)
    )


def _user_by_email(registration: Registration, email: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and user.organisation_id != registration.organisation_id:
        raise LtiError(
            _l("An account with your email address belongs to another organisation in learnpath.")
        )
    return user


def resolve_user(registration: Registration, person: Person) -> User:
    """The learnpath user of this platform user: linked before, matched by email, or new."""
    if not person.sub:
        raise LtiError(_l("The learning platform did not say who you are."))
    link = _link(registration, person.sub)
    user = link.user if link is not None else None
    if user is None and person.email:
        user = _user_by_email(registration, person.email)
    if user is None:
        user = accounts.create_user(
            registration.organisation,
            accounts.NewUser(
                email=person.email or _placeholder_email(registration.issuer, person.sub),
                name=person.name,
                roles=person.roles,
            ),
        )
    if user.organisation_id != registration.organisation_id or not user.is_active_account:
        raise LtiError(_l("Your learnpath account cannot be used from this learning platform."))
    if link is None:
        db.session.add(
            UserLink(
                registration=registration, issuer=registration.issuer, sub=person.sub, user=user
            )
        )
    if user.password_hash is None:
        # Flask-Login treats an account without a password as inactive (not signed in). The
        # platform vouches for this person; a random password nobody knows makes the account
        # usable here, and "forgot password" still lets them choose one for standalone use.
        user.password_hash = accounts.hash_password(secrets.token_urlsafe(32))
    accounts.set_roles(user, user.roles | person.roles)
    db.session.flush()
    return user


# --- resource links ---------------------------------------------------------------------------


def record_link(registration: Registration, claims: Mapping[str, Any]) -> ResourceLink:
    """Create or refresh the resource link of a launch, with the service URLs it carries."""
    resource = claims.get(CLAIM + "resource_link") or {}
    link_id = str(resource.get("id") or "")
    if not link_id:
        raise LtiError(_l("The learning platform sent no link to open."))
    link = db.session.scalar(
        select(ResourceLink).where(
            ResourceLink.registration_id == registration.id,
            ResourceLink.resource_link_id == link_id,
        )
    )
    if link is None:
        link = ResourceLink(registration=registration, resource_link_id=link_id, ags_scopes=[])
        db.session.add(link)
    context = claims.get(CLAIM + "context") or {}
    link.deployment_id = str(claims.get(CLAIM + "deployment_id") or "")
    link.title = _short(resource.get("title"))
    link.context_id = _short(context.get("id"))
    link.context_title = _short(context.get("title"))
    nrps = claims.get(NRPS_CLAIM) or {}
    ags = claims.get(AGS_CLAIM) or {}
    link.memberships_url = nrps.get("context_memberships_url") or link.memberships_url
    link.lineitems_url = ags.get("lineitems") or link.lineitems_url
    link.ags_scopes = list(ags.get("scope") or link.ags_scopes or [])
    db.session.flush()
    return link


def _short(value: object) -> str | None:
    return str(value)[:255] if value else None


def cohort_from_custom(registration: Registration, claims: Mapping[str, Any]) -> Cohort | None:
    """The cohort a Deep Linking response named in the link's custom parameters."""
    raw = str((claims.get(CLAIM + "custom") or {}).get(COHORT_PARAMETER) or "")
    if not raw.isdigit():
        return None
    cohort = db.session.get(Cohort, int(raw))
    if cohort is None or cohort.organisation_id != registration.organisation_id:
        return None
    return cohort


def bindable_cohorts(user: User) -> list[Cohort]:
    """Cohorts this facilitator may bind a link to: the active ones they facilitate."""
    return [
        c
        for c in db.session.scalars(
            select(Cohort)
            .where(Cohort.organisation_id == user.organisation_id)
            .order_by(Cohort.name, Cohort.id)
        )
        if cohorts.can_manage(user, c) and not c.is_cancelled
    ]


def bind(link: ResourceLink, cohort: Cohort, actor: User) -> None:
    """Bind an unbound link to a cohort the actor facilitates."""
    if link.cohort_id is not None:
        raise LtiError(_l("This link is already bound to a cohort."))
    if cohort.organisation_id != link.registration.organisation_id or not cohorts.can_manage(
        actor, cohort
    ):
        raise LtiError(_l("You can only bind a link to a cohort you facilitate."))
    link.cohort = cohort
    link.bound_by_id = actor.id
    cohorts.record_change(cohort, actor, "lti_bound", link=link.resource_link_id)
    db.session.flush()


def join_from_launch(cohort: Cohort, user: User) -> Enrolment:
    """Give a learner who launched the cohort's link a place (or a waitlist place)."""
    existing = db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    )
    if existing is not None and existing.status in ACTIVE_STATUSES:
        return existing
    return place(cohort, user, actor=None)


def place(cohort: Cohort, user: User, actor: User | None) -> Enrolment:
    """Invite (when needed) and sign up, so capacity, waitlist and the one-programme rule hold."""
    try:
        with db.session.begin_nested():
            existing = db.session.scalar(
                select(Enrolment).where(
                    Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id
                )
            )
            if existing is None or existing.status != EnrolmentStatus.INVITED:
                cohorts.invite(cohort, user, actor or user)
            return cohorts.sign_up(cohort, user, utcnow())
    except cohorts.CohortError as exc:
        raise LtiError(str(exc)) from exc
