"""Read-only queries of the kansenbank that other code may share (reports, plans, assignments)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased, joinedload

from learnpath.accounts.models import NetworkMembership, Organisation, User
from learnpath.extensions import db
from learnpath.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityResponse,
    OpportunityStatus,
    ResponseStatus,
    TimeUnit,
)


def _active(membership: type[NetworkMembership]) -> ColumnElement[bool]:
    return and_(membership.consent_at.is_not(None), membership.ended_at.is_(None))


def visible_filter(organisation_id: int) -> ColumnElement[bool]:
    """Opportunities a person of this organisation may see: their own organisation's, and those
    visible to a network in which both this organisation and the offering one are active
    members; only while the offerer's account is active."""
    ours = aliased(NetworkMembership)
    theirs = aliased(NetworkMembership)
    shared = (
        select(ours.id)
        .join(theirs, theirs.network_id == ours.network_id)
        .where(
            ours.network_id == Opportunity.network_id,
            ours.organisation_id == organisation_id,
            theirs.organisation_id == Opportunity.organisation_id,
            _active(ours),
            _active(theirs),
        )
        .exists()
    )
    # An offerer who left (a deactivated account) can no longer answer: their offers go.
    active_offerer = (
        select(User.id)
        .where(User.id == Opportunity.offered_by_id, User.is_active_account.is_(True))
        .exists()
    )
    return and_(
        active_offerer,
        or_(
            Opportunity.organisation_id == organisation_id,
            and_(Opportunity.network_id.is_not(None), shared),
        ),
    )


def accepted_for(user_id: int, *, shared_only: bool = False) -> list[Opportunity]:
    """The opportunities this person was accepted for, newest first (with the offering
    organisation loaded); ``shared_only``: only those the person shows in their shared plan."""
    conditions: list[ColumnElement[bool]] = [
        OpportunityResponse.user_id == user_id,
        OpportunityResponse.status == ResponseStatus.ACCEPTED,
    ]
    if shared_only:
        conditions.append(OpportunityResponse.show_in_plan.is_(True))
    return list(
        db.session.scalars(
            select(Opportunity)
            .join(OpportunityResponse, OpportunityResponse.opportunity_id == Opportunity.id)
            .where(*conditions)
            .options(joinedload(Opportunity.organisation))
            .order_by(OpportunityResponse.decided_at.desc(), Opportunity.id.desc())
        )
    )


@dataclass(frozen=True)
class Filters:
    competency: str = ""
    organisation_id: int | None = None
    kind: str = ""
    #: "hours", "days" (the time needed) or "agreed" (dates to be agreed); "" any.
    duration: str = ""


def find(organisation_id: int, filters: Filters) -> list[Opportunity]:
    """Open opportunities a person of this organisation may see, newest first, filtered; with
    their organisation loaded (one query)."""
    conditions: list[ColumnElement[bool]] = [
        visible_filter(organisation_id),
        Opportunity.status == OpportunityStatus.OPEN,
    ]
    if filters.competency:
        conditions.append(Opportunity.competency == filters.competency)
    if filters.organisation_id is not None:
        conditions.append(Opportunity.organisation_id == filters.organisation_id)
    if filters.kind in {k.value for k in OpportunityKind}:
        conditions.append(Opportunity.kind == OpportunityKind(filters.kind))
    if filters.duration in {u.value for u in TimeUnit}:
        conditions.append(Opportunity.time_unit == TimeUnit(filters.duration))
    elif filters.duration == "agreed":
        conditions.append(Opportunity.starts_on.is_(None))
    return list(
        db.session.scalars(
            select(Opportunity)
            .where(*conditions)
            .options(joinedload(Opportunity.organisation))
            .order_by(Opportunity.created_at.desc(), Opportunity.id.desc())
        )
    )


def visible_organisations(organisation_id: int) -> list[Organisation]:
    """The organisations whose open opportunities this organisation sees (for the filter)."""
    ids = select(Opportunity.organisation_id).where(
        visible_filter(organisation_id), Opportunity.status == OpportunityStatus.OPEN
    )
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)
        )
    )


def offered_by(user_id: int) -> list[tuple[Opportunity, int, int]]:
    """The person's own opportunities with (pending, accepted) response counts, newest first."""
    pending = func.count(OpportunityResponse.id).filter(
        OpportunityResponse.status == ResponseStatus.PENDING
    )
    accepted = func.count(OpportunityResponse.id).filter(
        OpportunityResponse.status == ResponseStatus.ACCEPTED
    )
    rows = db.session.execute(
        select(Opportunity, pending, accepted)
        .outerjoin(OpportunityResponse, OpportunityResponse.opportunity_id == Opportunity.id)
        .where(Opportunity.offered_by_id == user_id)
        .group_by(Opportunity.id)
        .order_by(Opportunity.created_at.desc(), Opportunity.id.desc())
    )
    return [(o, int(p), int(a)) for o, p, a in rows]


def responses_to(opportunity_id: int) -> list[OpportunityResponse]:
    """The responses to one opportunity (withdrawn ones left out), with each person and their
    organisation loaded, oldest first."""
    return list(
        db.session.scalars(
            select(OpportunityResponse)
            .where(
                OpportunityResponse.opportunity_id == opportunity_id,
                OpportunityResponse.status != ResponseStatus.WITHDRAWN,
            )
            .options(joinedload(OpportunityResponse.user).joinedload(User.organisation))
            .order_by(OpportunityResponse.created_at, OpportunityResponse.id)
        )
    )


def responses_of(user_id: int) -> list[OpportunityResponse]:
    """A participant's own responses, newest first, with the opportunity and its organisation."""
    return list(
        db.session.scalars(
            select(OpportunityResponse)
            .where(OpportunityResponse.user_id == user_id)
            .options(
                joinedload(OpportunityResponse.opportunity).joinedload(Opportunity.organisation)
            )
            .order_by(OpportunityResponse.created_at.desc(), OpportunityResponse.id.desc())
        )
    )


@dataclass(frozen=True)
class TakenFact:
    """One accepted response of a person of the organisation (for the HR report)."""

    dept: int | None
    elsewhere: bool
    user_id: int


def _taken(
    group: ColumnElement[int | None]
    | InstrumentedAttribute[int | None]
    | InstrumentedAttribute[int],
    organisation_ids: Collection[int],
    start: datetime | None,
    end: datetime | None,
) -> list[TakenFact]:
    """The accepted responses of people of these organisations decided in the period
    (``start <= decided_at < end``, either bound None: open), grouped by ``group`` (one query)."""
    ids = set(organisation_ids)
    if not ids:
        return []
    conditions: list[ColumnElement[bool]] = [
        OpportunityResponse.status == ResponseStatus.ACCEPTED,
        User.organisation_id.in_(ids),
    ]
    if start is not None:
        conditions.append(OpportunityResponse.decided_at >= start)
    if end is not None:
        conditions.append(OpportunityResponse.decided_at < end)
    rows = db.session.execute(
        select(group, Opportunity.organisation_id != User.organisation_id, User.id)
        .select_from(OpportunityResponse)
        .join(User, User.id == OpportunityResponse.user_id)
        .join(Opportunity, Opportunity.id == OpportunityResponse.opportunity_id)
        .where(*conditions)
    )
    return [TakenFact(key, bool(elsewhere), user_id) for key, elsewhere, user_id in rows]


def taken_by_organisation(
    organisation_ids: Collection[int], start: datetime | None, end: datetime | None
) -> list[TakenFact]:
    """Every opportunity a person of these organisations was accepted for in the period, with
    the person's organisation in place of the department (the network report's "departments")
    and whether another organisation offered it; counts only, no titles."""
    return _taken(User.organisation_id, organisation_ids, start, end)


def taken_facts(
    organisation_id: int, start: datetime | None, end: datetime | None
) -> list[TakenFact]:
    """Every opportunity a person of the organisation was accepted for in the period, with
    their department and whether another organisation offered it; counts only, no titles."""
    return _taken(User.department_id, [organisation_id], start, end)
