"""LTI rules: platform registrations, who a launch is, what they may do, where they land."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from learnpath.accounts import services as accounts
from learnpath.accounts.models import Organisation, Role, User
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import (
    ACTIVE_STATUSES,
    Cohort,
    CohortAction,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.lti import fetching
from learnpath.lti.models import (
    AdminRoleMapping,
    Deployment,
    LinkMethod,
    Registration,
    ResourceLink,
    UserLink,
)
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
#: Custom parameters a Deep Linking response puts on the link it creates: the cohort id (for
#: people reading the platform's link settings) and learnpath's signature over it (what binds).
COHORT_PARAMETER = "learnpath_cohort"
BINDING_PARAMETER = "learnpath_binding"

_PARTICIPANT_ROLES = {"Learner", "Student"}
_FACILITATOR_ROLES = {"Instructor", "ContentDeveloper", "TeachingAssistant"}
_ADMIN_ROLES = {"Administrator", "SysAdmin"}


class LtiError(Refusal):
    """A launch or registration was refused; str(exc) is a message for the user."""


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
    link_by_email: bool = False


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


def _check_urls(data: RegistrationData) -> None:
    """Every URL learnpath will call must be https and public (see ``fetching``)."""
    fields = {
        "auth_login_url": data.auth_login_url,
        "auth_token_url": data.auth_token_url,
        "key_set_url": data.key_set_url,
    }
    errors: dict[str, str] = {}
    for name, url in fields.items():
        try:
            fetching.check_platform_url(url)
        except fetching.UnsafeUrl as exc:
            errors[name] = str(exc)
    if errors:
        raise LtiError(next(iter(errors.values())), errors)


#: Registration fields whose change is written to the audit log with old and new value.
_AUDITED_FIELDS = (
    "issuer",
    "client_id",
    "auth_login_url",
    "auth_token_url",
    "key_set_url",
    "admin_role",
    "link_by_email",
)


def save_registration(
    organisation: Organisation,
    data: RegistrationData,
    registration: Registration | None = None,
    actor: User | None = None,
) -> Registration:
    """Create or update a platform registration of organisation, with its deployment ids.

    Refuses URLs learnpath may not call. With an actor (the admin form), the creation or every
    change of an identity-relevant field is audit-logged; the CLI logs to the server log.
    """
    _check_unique(data, registration.id if registration else None)
    _check_urls(data)
    before = (
        {name: str(getattr(registration, name)) for name in _AUDITED_FIELDS}
        if registration is not None
        else None
    )
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
    registration.link_by_email = data.link_by_email
    wanted = set(data.deployment_ids)
    for deployment in list(registration.deployments):
        if deployment.deployment_id not in wanted:
            registration.deployments.remove(deployment)
    have = {d.deployment_id for d in registration.deployments}
    for deployment_id in data.deployment_ids:
        if deployment_id not in have:
            registration.deployments.append(Deployment(deployment_id=deployment_id))
    db.session.flush()
    _audit_registration(registration, before, data.deployment_ids, actor)
    return registration


def _audit_registration(
    registration: Registration,
    before: Mapping[str, str] | None,
    deployment_ids: list[str],
    actor: User | None,
) -> None:
    after = {name: str(getattr(registration, name)) for name in _AUDITED_FIELDS}
    changed = [n for n in _AUDITED_FIELDS if before is None or before[n] != after[n]]
    if not changed:
        return
    ref = f"lti_registration:{registration.id}"
    action = (
        AuditAction.LTI_REGISTRATION_CREATED
        if before is None
        else AuditAction.LTI_REGISTRATION_CHANGED
    )
    details = ", ".join(
        f"{n}={after[n]}" if before is None else f"{n}: {before[n]} -> {after[n]}" for n in changed
    )
    log.warning(
        "%s %s by %s: %s; deployments %s",
        action,
        ref,
        actor.id if actor else "CLI",
        details,
        deployment_ids,
    )
    if actor is not None:
        record_audit(actor, actor.id, action, f"{ref} {','.join(changed)}")


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


def _placeholder_email(registration: Registration, deployment_id: str, sub: str) -> str:
    """A unique address for a platform user who shared no email (never mailed: .invalid)."""
    key = f"{registration.id}\n{deployment_id}\n{sub}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"lti-{digest}@lti.invalid"


def _link(registration: Registration, deployment_id: str, sub: str) -> UserLink | None:
    return db.session.scalar(
        select(UserLink).where(
            UserLink.registration_id == registration.id,
            UserLink.deployment_id == deployment_id,
            UserLink.sub == sub,
        )
    )


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


@dataclass(frozen=True)
class PendingLink:
    """A launch named an existing account by email; its owner must sign in once to link it.

    Kept in the (launch) session between the launch and the confirmation, as plain values.
    """

    registration_id: int
    deployment_id: str
    sub: str
    user_id: int
    roles: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "registration_id": self.registration_id,
            "deployment_id": self.deployment_id,
            "sub": self.sub,
            "user_id": self.user_id,
            "roles": list(self.roles),
        }

    @classmethod
    def from_dict(cls, data: object) -> PendingLink | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                registration_id=int(data["registration_id"]),
                deployment_id=str(data["deployment_id"]),
                sub=str(data["sub"]),
                user_id=int(data["user_id"]),
                roles=tuple(str(r) for r in data["roles"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


_NO_EMAIL_LINKING = _l(
    "learnpath has an account with your email address already, and this learning platform may "
    "not link to existing accounts. Ask your administrator to switch on account linking for "
    "this platform, or use learnpath outside the learning platform."
)


def _usable(registration: Registration, user: User) -> User:
    if user.organisation_id != registration.organisation_id or not user.is_active_account:
        raise LtiError(_l("Your learnpath account cannot be used from this learning platform."))
    return user


def _grant(user: User, roles: Iterable[Role]) -> None:
    if user.password_hash is None:
        # Flask-Login treats an account without a password as inactive (not signed in). The
        # platform vouches for this person; a random password nobody knows makes the account
        # usable here, and "forgot password" still lets them choose one for standalone use.
        user.password_hash = accounts.hash_password(secrets.token_urlsafe(32))
    accounts.set_roles(user, user.roles | set(roles))


def resolve_user(
    registration: Registration, deployment_id: str, person: Person, *, launch: bool = True
) -> User | PendingLink:
    """The learnpath user of this platform user, or the existing account they must confirm.

    - Linked before (same registration, deployment and sub): that user. The time of a launch
      through a link is shown to the person; the sign-in is audit-logged when it completes
      (``launch_audit``, after a second step if the person has one).
    - Else, an account with the person's email exists: never linked here. With the
      registration's opt-in (``link_by_email``) and in the same organisation, the launch
      returns a PendingLink: the person has to sign in as that account (``confirm_link``).
      Without the opt-in, or in another organisation: refused.
    - Else a new account (and link) is created.
    """
    if not person.sub:
        raise LtiError(_l("The learning platform did not say who you are."))
    link = _link(registration, deployment_id, person.sub)
    if link is not None:
        user = _usable(registration, link.user)
        _grant(user, person.roles)
        if launch:
            link.last_launch_at = utcnow()
        db.session.flush()
        return user
    existing = _user_by_email(person.email) if person.email else None
    if existing is not None:
        if existing.organisation_id != registration.organisation_id:
            raise LtiError(
                _l(
                    "An account with your email address belongs to another organisation in "
                    "learnpath."
                )
            )
        if not launch:
            raise LtiError(
                _l(
                    "Has a learnpath account already: it is linked when they open the course "
                    "link once and sign in to confirm."
                )
                if registration.link_by_email
                else _l("Has a learnpath account already, and this platform may not link to it.")
            )
        if not registration.link_by_email:
            raise LtiError(_NO_EMAIL_LINKING)
        _usable(registration, existing)
        return PendingLink(
            registration_id=registration.id,
            deployment_id=deployment_id,
            sub=person.sub,
            user_id=existing.id,
            roles=tuple(sorted(r.value for r in person.roles)),
        )
    user = accounts.create_user(
        registration.organisation,
        accounts.NewUser(
            email=person.email or _placeholder_email(registration, deployment_id, person.sub),
            name=person.name,
            roles=person.roles,
        ),
    )
    _grant(user, person.roles)
    db.session.add(
        UserLink(
            registration=registration,
            deployment_id=deployment_id,
            sub=person.sub,
            user=user,
            method=LinkMethod.CREATED,
            last_launch_at=utcnow() if launch else None,
        )
    )
    db.session.flush()
    record_audit(user, user.id, AuditAction.LTI_LINK_CREATED, f"lti_registration:{registration.id}")
    return user


def launch_audit(registration: Registration) -> tuple[AuditAction, str]:
    """The audit event of a sign-in from the platform, written when the sign-in completes
    (``accounts.signin.begin(audit=...)``): not before the second step is done."""
    return AuditAction.LTI_LAUNCH_SIGN_IN, f"lti_registration:{registration.id}"


class LinkNotConfirmed(LtiError):
    """The password given to confirm a link was not the account's."""


def confirm_link(pending: PendingLink, password: str, ip: str) -> User:
    """Link the platform user to the existing account once its owner signed in as it.

    The caller commits also on refusal (failed attempts are recorded and throttled).
    """
    registration = db.session.get(Registration, pending.registration_id)
    user = db.session.get(User, pending.user_id)
    if registration is None or user is None:
        raise LtiError(
            _l("This launch has expired. Open learnpath again from your learning platform.")
        )
    if not user.organisation.password_sign_in:  # no password may open the account
        raise LtiError(
            _l(
                "Your organisation signs in with its own account, not with a password, so this "
                "link cannot be confirmed here. Ask your administrator."
            )
        )
    try:
        signed_in = accounts.authenticate(user.email, password, ip)
    except accounts.LoginThrottled as exc:
        raise LinkNotConfirmed(str(exc)) from exc
    if signed_in is None or signed_in.id != user.id:
        raise LinkNotConfirmed(_l("The password is not correct."))
    _usable(registration, user)
    if _link(registration, pending.deployment_id, pending.sub) is not None:
        raise LtiError(_l("This learning platform account is linked already."))
    db.session.add(
        UserLink(
            registration=registration,
            deployment_id=pending.deployment_id,
            sub=pending.sub,
            user=user,
            method=LinkMethod.CONFIRMED,
            last_launch_at=utcnow(),
        )
    )
    _grant(user, (Role(r) for r in pending.roles))
    db.session.flush()
    record_audit(
        user, user.id, AuditAction.LTI_LINK_CONFIRMED, f"lti_registration:{registration.id}"
    )
    return user


def links_of(user: User) -> list[UserLink]:
    """The learning-platform accounts linked to user (shown on their account page)."""
    return list(
        db.session.scalars(
            select(UserLink).where(UserLink.user_id == user.id).order_by(UserLink.created_at)
        )
    )


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
    link.memberships_url = _service_url(nrps.get("context_memberships_url")) or link.memberships_url
    link.lineitems_url = _service_url(ags.get("lineitems")) or link.lineitems_url
    link.ags_scopes = [str(s)[:200] for s in (ags.get("scope") or link.ags_scopes or [])][:10]
    db.session.flush()
    return link


def _service_url(value: object) -> str | None:
    """A roster or grade-book URL from a launch, if learnpath may call it (else None)."""
    if not isinstance(value, str) or len(value) > 500:
        return None
    try:
        return fetching.check_platform_url(value)
    except fetching.UnsafeUrl:
        log.info("LTI launch named a service URL learnpath does not call: %s", value[:100])
        return None


def _short(value: object) -> str | None:
    return str(value)[:255] if value else None


def _binding_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lti-deep-link-binding")


def binding_parameters(
    registration: Registration,
    deployment_id: str,
    context_id: str | None,
    cohort: Cohort,
    facilitator: User,
) -> dict[str, str]:
    """Custom parameters of a Deep Linking content item: the cohort, signed by learnpath.

    The signature covers registration, deployment, course (context) and the facilitator who
    chose it, so a value typed into (or copied to) another link binds nothing.
    """
    token = _binding_serializer().dumps(
        {
            "r": registration.id,
            "d": deployment_id,
            "x": context_id or "",
            "c": cohort.id,
            "f": facilitator.id,
        }
    )
    return {COHORT_PARAMETER: str(cohort.id), BINDING_PARAMETER: token}


def cohort_from_custom(
    registration: Registration, claims: Mapping[str, Any]
) -> tuple[Cohort, User] | None:
    """The cohort (and the facilitator who chose it) a Deep Linking response of ours put on
    this link, or None. A ``learnpath_cohort`` value without our signature binds nothing."""
    custom = claims.get(CLAIM + "custom") or {}
    token = custom.get(BINDING_PARAMETER)
    if not isinstance(token, str) or not token:
        return None
    try:
        data = _binding_serializer().loads(token)
    except BadData:
        log.info("LTI launch with an invalid cohort binding on registration %s", registration.id)
        return None
    context = claims.get(CLAIM + "context") or {}
    if not isinstance(data, dict) or (
        data.get("r"),
        data.get("d"),
        data.get("x"),
    ) != (
        registration.id,
        str(claims.get(CLAIM + "deployment_id") or ""),
        str(context.get("id") or ""),
    ):
        return None
    cohort = db.session.get(Cohort, data.get("c") if isinstance(data.get("c"), int) else 0)
    facilitator = db.session.get(User, data.get("f") if isinstance(data.get("f"), int) else 0)
    if (
        cohort is None
        or facilitator is None
        or cohort.organisation_id != registration.organisation_id
        or cohort.is_cancelled
        or not cohorts.can_manage(facilitator, cohort)
    ):
        return None
    return cohort, facilitator


def bindable_cohorts(user: User) -> list[Cohort]:
    """Cohorts this facilitator may bind a link to: the active ones of their organisation they
    manage (``cohorts.can_manage``), in two queries however many there are."""
    return list(
        db.session.scalars(
            select(Cohort)
            .where(
                Cohort.organisation_id == user.organisation_id,
                Cohort.status != CohortStatus.CANCELLED,
                cohorts.managed_by(user),
            )
            .order_by(Cohort.name, Cohort.id)
        )
    )


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
    cohorts.record_change(cohort, actor, CohortAction.LTI_BOUND, link=link.resource_link_id)
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
