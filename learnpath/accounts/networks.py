"""Regional networks: organisations that share cohorts, with consent (replaces partnerships).

The platform operator creates a network and invites organisations (``flask networks``); an
organisation is a member only while its administrator consents (``NetworkMembership.consent_at``,
not ended). Either side may end a membership. A network's coordinators (``NetworkCoordinator``,
people of member organisations) run its cohorts and read its network-level figures. Without an
active membership shared with another organisation, a cohort is open to its own organisation only
and no other organisation's name is shown.
"""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import (
    Network,
    NetworkCoordinator,
    NetworkMembership,
    Organisation,
    User,
)
from learnpath.extensions import db

ACTIVE = (NetworkMembership.consent_at.is_not(None), NetworkMembership.ended_at.is_(None))


def active_member_ids(network_id: int) -> set[int]:
    """Ids of the organisations that are active members of the network."""
    return set(
        db.session.scalars(
            select(NetworkMembership.organisation_id).where(
                NetworkMembership.network_id == network_id, *ACTIVE
            )
        )
    )


def is_active_member(network_id: int, organisation_id: int) -> bool:
    return organisation_id in active_member_ids(network_id)


def fellow_member_ids(organisation_id: int) -> set[int]:
    """Ids of the other organisations that share an active network with this one (both
    memberships active)."""
    ours = (
        select(NetworkMembership.network_id)
        .where(NetworkMembership.organisation_id == organisation_id, *ACTIVE)
        .scalar_subquery()
    )
    return set(
        db.session.scalars(
            select(NetworkMembership.organisation_id).where(
                NetworkMembership.network_id.in_(ours),
                NetworkMembership.organisation_id != organisation_id,
                *ACTIVE,
            )
        )
    )


def coordinated_networks(user: User) -> list[Network]:
    """The networks this person coordinates, by name, while their organisation is an active
    member (a coordinator whose organisation left coordinates nothing)."""
    return list(
        db.session.scalars(
            select(Network)
            .join(NetworkCoordinator, NetworkCoordinator.network_id == Network.id)
            .join(
                NetworkMembership,
                (NetworkMembership.network_id == Network.id)
                & (NetworkMembership.organisation_id == user.organisation_id),
            )
            .where(NetworkCoordinator.user_id == user.id, *ACTIVE)
            .order_by(Network.name)
        )
    )


def is_coordinator(user: User, network_id: int) -> bool:
    return any(n.id == network_id for n in coordinated_networks(user))


def open_to_choices(organisation: Organisation) -> list[Organisation]:
    """What an ordinary cohort of the organisation may be opened to: itself first, then the
    organisations it shares an active network with, by name. No other organisation is listed."""
    ids = fellow_member_ids(organisation.id)
    others = (
        list(
            db.session.scalars(
                select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)
            )
        )
        if ids
        else []
    )
    return [organisation, *others]
