"""The rules of the kansenbank: offering, finding, responding, accepting and declining.

Who sees an opportunity is ``queries.visible_filter`` (own organisation, or a network both
organisations are active members of). Only the offerer decides on responses, and accepting
takes a lock on the opportunity row first, so two offerers' tabs or two requests never accept
more people than it has places. The participant hears of a decision by mail; with a discreet
calendar the subject and body name nothing of the programme.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from learnpath.accounts.models import Network, NetworkMembership, Organisation, User
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.notifications.services import queue_message
from learnpath.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityResponse,
    OpportunityStatus,
    ResponseStatus,
    TimeUnit,
)
from learnpath.opportunities.queries import visible_filter
from learnpath.web.urls import external_url

#: The longest motivation a participant can send (characters).
MOTIVATION_MAX = 1500
#: The most places one opportunity can have.
PLACES_MAX = 50
#: The most hours or days an opportunity may ask.
TIME_MAX = 500


class OpportunityError(Refusal):
    """A rule of the kansenbank refused the change."""


@dataclass(frozen=True)
class OfferData:
    kind: OpportunityKind
    title: str
    team: str
    time_amount: int
    time_unit: TimeUnit
    starts_on: date | None
    ends_on: date | None
    learns: str
    competency: str
    network_id: int | None
    status: OpportunityStatus
    places: int


def offer_networks(organisation_id: int) -> list[Network]:
    """The networks an opportunity of this organisation may be shown to: those it is an
    active member of, by name."""
    return list(
        db.session.scalars(
            select(Network)
            .join(NetworkMembership, NetworkMembership.network_id == Network.id)
            .where(
                NetworkMembership.organisation_id == organisation_id,
                NetworkMembership.consent_at.is_not(None),
                NetworkMembership.ended_at.is_(None),
            )
            .order_by(Network.name)
        )
    )


def _validate(organisation_id: int, data: OfferData, competencies: Collection[str]) -> None:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = str(_l("Give the opportunity a title."))
    if not data.team.strip():
        errors["team"] = str(_l("Say which team it is in."))
    if not data.learns.strip():
        errors["learns"] = str(_l("Say what someone learns."))
    if data.competency not in competencies:
        errors["competency"] = str(_l("Choose one of the competencies."))
    if not 1 <= data.time_amount <= TIME_MAX:
        errors["time_amount"] = str(_l("Give a number from 1 to %(n)s.", n=TIME_MAX))
    if not 1 <= data.places <= PLACES_MAX:
        errors["places"] = str(_l("Give a number from 1 to %(n)s.", n=PLACES_MAX))
    if (data.starts_on is None) != (data.ends_on is None):
        errors["ends_on"] = str(_l("Give both dates, or neither (to be agreed)."))
    elif data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = str(_l("The last day cannot be before the first."))
    if data.network_id is not None and data.network_id not in {
        n.id for n in offer_networks(organisation_id)
    }:
        errors["visibility"] = str(_l("Your organisation is not a member of that network."))
    if errors:
        raise OpportunityError(_l("Not everything is filled in correctly."), errors)


def _apply(opportunity: Opportunity, data: OfferData) -> None:
    opportunity.kind = data.kind
    opportunity.title = data.title.strip()
    opportunity.team = data.team.strip()
    opportunity.time_amount = data.time_amount
    opportunity.time_unit = data.time_unit
    opportunity.starts_on = data.starts_on
    opportunity.ends_on = data.ends_on
    opportunity.learns = data.learns.strip()
    opportunity.competency = data.competency
    opportunity.network_id = data.network_id
    opportunity.status = data.status
    opportunity.places = data.places


def offer(user: User, data: OfferData, competencies: Collection[str]) -> Opportunity:
    """A person offers an opportunity of their own organisation."""
    _validate(user.organisation_id, data, competencies)
    opportunity = Opportunity(organisation_id=user.organisation_id, offered_by_id=user.id)
    _apply(opportunity, data)
    db.session.add(opportunity)
    db.session.flush()
    return opportunity


def update(
    opportunity: Opportunity, user: User, data: OfferData, competencies: Collection[str]
) -> Opportunity:
    """The offerer changes the opportunity (also closes or reopens it)."""
    if not may_manage(user, opportunity):
        raise OpportunityError(_l("Only the person who offered it can change it."))
    _validate(opportunity.organisation_id, data, competencies)
    if data.places < accepted_count(opportunity.id):
        raise OpportunityError(
            _l("More people have been accepted than that."),
            {"places": str(_l("More people have been accepted than that."))},
        )
    _apply(opportunity, data)
    db.session.flush()
    return opportunity


def may_manage(user: User, opportunity: Opportunity) -> bool:
    return opportunity.offered_by_id == user.id


def is_visible(user: User, opportunity_id: int) -> bool:
    return (
        db.session.scalar(
            select(Opportunity.id).where(
                Opportunity.id == opportunity_id, visible_filter(user.organisation_id)
            )
        )
        is not None
    )


def accepted_count(opportunity_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(OpportunityResponse)
            .where(
                OpportunityResponse.opportunity_id == opportunity_id,
                OpportunityResponse.status == ResponseStatus.ACCEPTED,
            )
        )
        or 0
    )


def own_response(user: User, opportunity_id: int) -> OpportunityResponse | None:
    return db.session.scalar(
        select(OpportunityResponse).where(
            OpportunityResponse.opportunity_id == opportunity_id,
            OpportunityResponse.user_id == user.id,
        )
    )


def respond(opportunity: Opportunity, user: User, motivation: str) -> OpportunityResponse:
    """A participant responds with a short motivation (again after withdrawing)."""
    if not is_visible(user, opportunity.id):
        raise OpportunityError(_l("This opportunity is not available to you."))
    if opportunity.offered_by_id == user.id:
        raise OpportunityError(_l("You cannot respond to your own opportunity."))
    if opportunity.status != OpportunityStatus.OPEN:
        raise OpportunityError(_l("This opportunity is closed."))
    text = motivation.strip()
    if not text:
        raise OpportunityError(
            _l("Write a short motivation."), {"motivation": str(_l("Write a short motivation."))}
        )
    if len(text) > MOTIVATION_MAX:
        message = _l("Keep it to %(n)s characters.", n=MOTIVATION_MAX)
        raise OpportunityError(message, {"motivation": str(message)})
    response = own_response(user, opportunity.id)
    if response is not None and response.status != ResponseStatus.WITHDRAWN:
        raise OpportunityError(_l("You have already responded to this opportunity."))
    if response is None:
        response = OpportunityResponse(opportunity_id=opportunity.id, user_id=user.id)
        db.session.add(response)
    response.motivation = text
    response.status = ResponseStatus.PENDING
    response.decided_at = None
    response.decided_by_id = None
    response.show_in_plan = False
    db.session.flush()
    return response


def withdraw(response: OpportunityResponse, user: User) -> None:
    """The participant withdraws their response (also after being accepted: the place frees)."""
    if response.user_id != user.id:
        raise OpportunityError(_l("This is not your response."))
    if response.status in (ResponseStatus.WITHDRAWN, ResponseStatus.DECLINED):
        raise OpportunityError(_l("This response is no longer open."))
    response.status = ResponseStatus.WITHDRAWN
    response.show_in_plan = False
    db.session.flush()


def set_show_in_plan(response: OpportunityResponse, user: User, show: bool) -> None:
    """The participant shows (or hides) an accepted opportunity in the plan they share."""
    if response.user_id != user.id:
        raise OpportunityError(_l("This is not your response."))
    if show and response.status != ResponseStatus.ACCEPTED:
        raise OpportunityError(_l("Only an accepted opportunity can be shown in your plan."))
    response.show_in_plan = show
    db.session.flush()


def lock_opportunity(opportunity_id: int) -> Opportunity | None:
    """Lock the opportunity row (SELECT ... FOR UPDATE; SQLite's writer lock is taken at BEGIN)
    so that accepting counts places no other transaction is changing."""
    return db.session.scalar(
        select(Opportunity)
        .where(Opportunity.id == opportunity_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def decide(response: OpportunityResponse, actor: User, accept: bool, now: datetime) -> None:
    """The offerer accepts or declines a pending response; accepting beyond the places is
    refused, counted under the opportunity's row lock. The participant is told by mail."""
    opportunity = lock_opportunity(response.opportunity_id)
    if opportunity is None or not may_manage(actor, opportunity):
        raise OpportunityError(_l("Only the person who offered it can decide."))
    db.session.refresh(response)
    if response.status != ResponseStatus.PENDING:
        raise OpportunityError(_l("This response has already been answered or withdrawn."))
    if accept and accepted_count(opportunity.id) >= opportunity.places:
        raise OpportunityError(_l("All places of this opportunity are taken."))
    response.status = ResponseStatus.ACCEPTED if accept else ResponseStatus.DECLINED
    response.decided_at = now
    response.decided_by_id = actor.id
    db.session.flush()
    _tell_participant(response, opportunity)


def _tell_participant(response: OpportunityResponse, opportunity: Opportunity) -> None:
    participant = db.session.get(User, response.user_id)
    if participant is None or not participant.is_active_account:
        return
    link = external_url("opportunities.my_responses")
    accepted = response.status == ResponseStatus.ACCEPTED
    if participant.discreet_calendar:
        # Nothing of the programme: not its words, not the page's address.
        subject = _l("A message from learnpath")
        template = "opportunities/neutral"
        link = external_url("home.index")
    elif accepted:
        subject = _l("Your response has been accepted: %(title)s", title=opportunity.title)
        template = "opportunities/decided"
    else:
        subject = _l("Your response has been declined: %(title)s", title=opportunity.title)
        template = "opportunities/decided"
    queue_message(
        "opportunities.decided",
        participant,
        subject,
        template,
        idempotency_key=f"opportunities:decided:{response.id}:{response.status.value}:"
        f"{response.decided_at.isoformat() if response.decided_at else ''}",
        opportunity=opportunity,
        organisation=db.session.get(Organisation, opportunity.organisation_id),
        accepted=accepted,
        link=link,
    )
