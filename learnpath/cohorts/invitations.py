"""Inviting people to a cohort by address, also those without an account yet.

A facilitator invites addresses (one on the cohort page, or a CSV list). Per address:

- an account exists: an ordinary invitation (``services.invite``: an INVITED enrolment and its
  mail). A department named in the list is set on the account only when it has none (an
  account's department is HR's; a different one stays and the report says so);
- no account, and the address is at an email domain of an organisation the cohort is open to
  (``OrganisationEmailDomain``, the sign-up by work address): a ``CohortInvitation`` is kept and
  the address gets a mail asking to create an account at the sign-up page. When that account
  is made (``accounts.signals.account_created``), every open invitation for the address
  becomes an ordinary invitation, with the department from the list, and the
  ``CohortInvitation`` is deleted (the address then lives in the account only);
- otherwise it is refused with the reason (outside the domains, an organisation that signs in
  with its own work accounts, a track whose members cannot sign up themselves).

The lookups for a whole list are made once (``Lookup``): domains, departments and earlier
invitations in one query each, not per row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import (
    Department,
    Organisation,
    OrganisationEmailDomain,
    Role,
    User,
)
from learnpath.cohorts import services
from learnpath.cohorts.models import Cohort, CohortInvitation
from learnpath.cohorts.tracks import track_of
from learnpath.extensions import db
from learnpath.notifications.services import queue_to_address
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """One address's answer in the report."""

    accepted: bool
    message: str


@dataclass
class Lookup:
    """What inviting a list needs to know, read once per list."""

    cohort: Cohort
    #: Normalised address -> account.
    users: dict[str, User]
    #: Email domain -> organisation (only organisations the cohort is open to).
    domains: dict[str, Organisation] = field(default_factory=dict)
    #: (organisation id, department name in lower case) -> department.
    departments: dict[tuple[int, str], Department] = field(default_factory=dict)
    #: Addresses with an open invitation to create an account for this cohort.
    pending: set[str] = field(default_factory=set)


def lookup(cohort: Cohort, users: dict[str, User], emails: Iterable[str]) -> Lookup:
    """Read domains, departments and open invitations for the addresses (three queries)."""
    open_to = {org.id for org in cohort.open_to} | {cohort.organisation_id}
    wanted = {e.rpartition("@")[2] for e in emails if e not in users}
    found = Lookup(cohort, users)
    if wanted:
        rows = db.session.scalars(
            select(OrganisationEmailDomain)
            .where(
                OrganisationEmailDomain.domain.in_(sorted(wanted)),
                OrganisationEmailDomain.organisation_id.in_(open_to),
            )
            .options(selectinload(OrganisationEmailDomain.organisation))
        )
        found.domains = {row.domain: row.organisation for row in rows}
    found.departments = {
        (d.organisation_id, d.name.casefold()): d
        for d in db.session.scalars(
            select(Department).where(Department.organisation_id.in_(open_to))
        )
    }
    found.pending = set(
        db.session.scalars(
            select(CohortInvitation.email).where(CohortInvitation.cohort_id == cohort.id)
        )
    )
    return found


def invite_address(
    found: Lookup, email: str, department: str, actor: User, shown: str | None = None
) -> Outcome:
    """Invite one normalised address (see the module docstring); ``shown``: the address as
    the report writes it. Each invitation is its own savepoint: one refusal stops nothing."""
    shown = shown or email
    user = found.users.get(email)
    if user is None:
        return _invite_without_account(found, email, department, actor, shown)
    try:
        with db.session.begin_nested():
            services.invite(found.cohort, user, actor)
            note = _department_for_account(found, user, department)
    except services.CohortError as exc:
        return Outcome(False, f"{shown}: {exc}")
    return Outcome(True, _("%(email)s: invited.", email=shown) + (f" {note}" if note else ""))


def _department(found: Lookup, organisation_id: int, name: str) -> Department | None:
    return found.departments.get((organisation_id, name.strip().casefold())) if name else None


def _department_for_account(found: Lookup, user: User, name: str) -> str:
    """Set the listed department on an account without one; say what happened (or "")."""
    name = " ".join(name.split())
    if not name:
        return ""
    department = _department(found, user.organisation_id, name)
    if department is None:
        return _("Department “%(name)s” is not known in the organisation: not set.", name=name)
    if user.department_id is None:
        user.department_id = department.id
        db.session.flush()
        return _("Department set: %(name)s.", name=department.name)
    if user.department_id != department.id:
        return _("The account keeps its own department.")
    return ""


def _invite_without_account(
    found: Lookup, email: str, department: str, actor: User, shown: str
) -> Outcome:
    cohort = found.cohort
    organisation = found.domains.get(email.rpartition("@")[2])
    if organisation is None:
        return Outcome(
            False,
            _(
                "%(email)s: no account with this email address, and the address is not at an "
                "email domain of an organisation this cohort is open to.",
                email=shown,
            ),
        )
    if track_of(cohort).member_role != Role.PARTICIPANT:
        return Outcome(False, _("%(email)s: no account with this email address.", email=shown))
    if not organisation.password_sign_in:
        return Outcome(
            False,
            _(
                "%(email)s: no account yet. %(org)s signs in with its own work accounts: invite "
                "the person after their first sign-in.",
                email=shown,
                org=organisation.name,
            ),
        )
    if email in found.pending:
        return Outcome(False, _("%(email)s: already invited to create an account.", email=shown))
    chosen = _department(found, organisation.id, department)
    try:
        with db.session.begin_nested():
            invitation = CohortInvitation(
                cohort_id=cohort.id,
                email=email,
                department_id=chosen.id if chosen else None,
                invited_by_id=actor.id,
            )
            db.session.add(invitation)
            db.session.flush()
    except IntegrityError:  # the same address invited at the same moment
        return Outcome(False, _("%(email)s: already invited to create an account.", email=shown))
    found.pending.add(email)
    queue_to_address(
        "cohort.account_invitation",
        email,
        actor.locale if actor.locale in ("nl", "en") else "nl",
        _l("You are invited to %(cohort)s: create your account", cohort=cohort.name),
        "cohorts/account_invitation",
        organisation_id=cohort.organisation_id,
        idempotency_key=f"cohort.account_invitation:{invitation.id}",
        cohort=cohort,
        inviter=actor.name,
        organisation=organisation,
        link=external_url("accounts.signup_page"),
    )
    message = _("%(email)s: no account yet; an invitation to create one was sent.", email=shown)
    if department.strip() and chosen is None:
        message += " " + _(
            "Department “%(name)s” is not known in the organisation: not set.",
            name=" ".join(department.split()),
        )
    return Outcome(True, message)


def open_invitations(cohort: Cohort) -> list[CohortInvitation]:
    """The cohort's invitations still waiting for an account, by address (one query)."""
    return list(
        db.session.scalars(
            select(CohortInvitation)
            .where(CohortInvitation.cohort_id == cohort.id)
            .order_by(CohortInvitation.email)
        )
    )


def redeem(user: User) -> int:
    """Turn the open invitations for a new account's address into ordinary invitations (each
    in its own savepoint; a cohort that refuses now is skipped) and delete them; return how
    many became invitations."""
    invitations = db.session.scalars(
        select(CohortInvitation)
        .where(CohortInvitation.email == user.email)
        .options(
            selectinload(CohortInvitation.cohort),
            selectinload(CohortInvitation.invited_by),
            selectinload(CohortInvitation.department),
        )
        .order_by(CohortInvitation.id)
        .with_for_update()
    ).all()
    invited = 0
    for invitation in invitations:
        department = invitation.department
        if (
            department is not None
            and user.department_id is None
            and department.organisation_id == user.organisation_id
        ):
            user.department_id = department.id
        try:
            with db.session.begin_nested():
                services.invite(invitation.cohort, user, invitation.invited_by)
        except services.CohortError as exc:
            log.info("invitation %s not redeemed: %s", invitation.id, exc)
        else:
            invited += 1
        # Done with: the address now lives in the account only (erasure finds it there).
        db.session.delete(invitation)
    db.session.flush()
    return invited
