"""What a validated launch leads to: the user, and the place they land."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from learnpath.accounts.models import Role, User
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import Cohort, EnrolmentStatus
from learnpath.lti.models import Registration, ResourceLink
from learnpath.lti.services import (
    CLAIM,
    LtiError,
    PendingLink,
    Person,
    bind,
    cohort_from_custom,
    join_from_launch,
    record_link,
    resolve_user,
)

GENERIC_REFUSAL = _l(
    "This launch could not be accepted. Open learnpath again from your learning platform."
)
#: Messages the user sees for PyLTI1p3's (technical, English) refusals; the rest get GENERIC.
_REFUSALS = (
    ("expired", _l("This launch has expired. Open learnpath again from your learning platform.")),
    (
        "Invalid Nonce",
        _l("This launch was used already. Open learnpath again from your learning platform."),
    ),
    (
        "State not found",
        _l(
            "This launch does not belong to this browser session. Open learnpath again from your learning platform, or in a new window."
        ),
    ),
    (
        "Registration not found",
        _l("learnpath does not know this learning platform (or this tool registration)."),
    ),
    (
        "Client id not registered",
        _l("learnpath does not know this learning platform (or this tool registration)."),
    ),
    (
        "Could not find registration",
        _l("learnpath does not know this learning platform (or this tool registration)."),
    ),
    ("Malformed id_token", GENERIC_REFUSAL),
    ("Key set unavailable", GENERIC_REFUSAL),
    ("deployment", _l("This deployment of learnpath is not registered for your organisation.")),
    ("Signature", _l("The learning platform's signature on this launch is not valid.")),
    ("signature", _l("The learning platform's signature on this launch is not valid.")),
    ("public key", _l("The learning platform's signature on this launch is not valid.")),
)


def refusal_message(technical: str) -> str:
    """A clear message for a refused launch (the technical reason goes to the log only)."""
    for needle, message in _REFUSALS:
        if needle in technical:
            return str(message)
    return str(GENERIC_REFUSAL)


class Place(enum.StrEnum):
    PROGRAMME = "programme"  #: a learner, in (or on the waitlist of) the cohort
    COHORT = "cohort"  #: a facilitator of the bound cohort
    BIND = "bind"  #: an instructor, link not bound yet
    DEEP_LINK = "deep_link"  #: an instructor choosing a cohort to add to the course
    NOT_READY = "not_ready"  #: a learner, link not bound yet
    NOT_FACILITATOR = "not_facilitator"  #: an instructor who does not facilitate the cohort
    CONFIRM_LINK = "confirm_link"  #: an existing account must be confirmed before signing in


@dataclass
class Landing:
    user: User | None  #: None only for CONFIRM_LINK: nobody is signed in yet
    place: Place
    link: ResourceLink | None = None
    cohort: Cohort | None = None
    note: str | None = None  #: a message to flash (e.g. "you are on the waitlist")
    pending: PendingLink | None = None
    #: Where the person goes once the link is confirmed: the roles of the launch, deep linking.
    roles: frozenset[Role] = frozenset()
    deep_linking: bool = False


def platform_origin(registration: Registration) -> str:
    """The platform's web origin (for frame-ancestors), from its authentication URL."""
    parts = urlsplit(registration.auth_login_url)
    return f"{parts.scheme}://{parts.netloc}"


def is_deep_linking(claims: Mapping[str, Any]) -> bool:
    return claims.get(CLAIM + "message_type") == "LtiDeepLinkingRequest"


def land(registration: Registration, claims: Mapping[str, Any]) -> Landing:
    """Resolve the user of a validated launch and decide where they land."""
    person = Person.from_claims(claims, registration.admin_role)
    if not person.roles:
        raise LtiError(_l("Your role in this course gives no access to learnpath."))
    deep_linking = is_deep_linking(claims)
    if deep_linking and Role.FACILITATOR not in person.roles:
        raise LtiError(_l("Only instructors can add learnpath to a course."))
    deployment_id = str(claims.get(CLAIM + "deployment_id") or "")
    identity = resolve_user(registration, deployment_id, person)
    link = None if deep_linking else record_link(registration, claims)
    if link is not None and link.cohort is None:
        bound = cohort_from_custom(registration, claims)
        if bound is not None:
            bind(link, bound[0], bound[1])
    if isinstance(identity, PendingLink):
        return Landing(
            None,
            Place.CONFIRM_LINK,
            link,
            pending=identity,
            roles=person.roles,
            deep_linking=deep_linking,
        )
    return place_for(identity, person.roles, link, deep_linking)


def place_for(
    user: User, roles: frozenset[Role], link: ResourceLink | None, deep_linking: bool
) -> Landing:
    """Where a signed-in launch user lands (right after the launch or after confirming)."""
    if deep_linking:
        return Landing(user, Place.DEEP_LINK)
    assert link is not None
    if link.cohort is None:
        place = Place.BIND if Role.FACILITATOR in roles else Place.NOT_READY
        return Landing(user, place, link)
    if Role.FACILITATOR in roles:
        place = Place.COHORT if cohorts.can_manage(user, link.cohort) else Place.NOT_FACILITATOR
        return Landing(user, place, link, link.cohort)
    return _learner(user, link)


def _learner(user: User, link: ResourceLink) -> Landing:
    assert link.cohort is not None
    try:
        enrolment = join_from_launch(link.cohort, user)
    except LtiError as exc:
        return Landing(user, Place.PROGRAMME, link, link.cohort, note=str(exc))
    note = None
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        note = str(_l("The cohort is full: you are on its waitlist."))
    return Landing(user, Place.PROGRAMME, link, link.cohort, note=note)
