"""Regional networks: organisations that share cohorts, with consent (replaces partnerships).

The platform operator creates a network and invites organisations (``flask networks``); an
organisation is a member only while its administrator consents (``NetworkMembership.consent_at``,
not ended). Either side may end a membership. A network's coordinators (``NetworkCoordinator``,
people of member organisations) run its cohorts and read its network-level figures. Without an
active membership shared with another organisation, a cohort is open to its own organisation only
and no other organisation's name is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from learnpath.accounts.models import (
    Network,
    NetworkCoordinator,
    NetworkMembership,
    Organisation,
    Role,
    User,
)
from learnpath.accounts.services import AccountError
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit

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


def coordinated_network_ids(user: User) -> set[int]:
    """The ids of ``coordinated_networks(user)``, in one query: read them once to check many
    cohorts (``cohorts.services.can_manage(..., coordinated=...)``)."""
    return set(
        db.session.scalars(
            select(NetworkCoordinator.network_id)
            .join(
                NetworkMembership,
                (NetworkMembership.network_id == NetworkCoordinator.network_id)
                & (NetworkMembership.organisation_id == user.organisation_id),
            )
            .where(NetworkCoordinator.user_id == user.id, *ACTIVE)
        )
    )


def is_coordinator(user: User, network_id: int) -> bool:
    return network_id in coordinated_network_ids(user)


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


# --- the operator's side (``flask networks``) -------------------------------------------------

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def find(slug: str) -> Network | None:
    return db.session.scalar(select(Network).where(Network.slug == slug))


def create_network(slug: str, name: str) -> Network:
    """A new network without members (platform operator)."""
    name = " ".join(name.split())
    if not SLUG.match(slug):
        raise AccountError(_l("A slug has lower-case letters, digits and hyphens only."))
    if not name or len(name) > 200:
        raise AccountError(_l("Give the network a name (at most 200 characters)."))
    if find(slug) is not None:
        raise AccountError(_l("A network with this slug exists already."))
    network = Network(slug=slug, name=name)
    db.session.add(network)
    db.session.flush()
    return network


def membership(network: Network, organisation: Organisation) -> NetworkMembership | None:
    return db.session.scalar(
        select(NetworkMembership).where(
            NetworkMembership.network_id == network.id,
            NetworkMembership.organisation_id == organisation.id,
        )
    )


def invite(network: Network, organisation: Organisation) -> NetworkMembership:
    """Invite the organisation (platform operator): a member once its administrator accepts.

    Inviting again changes nothing; an ended membership is invited afresh (its earlier consent
    no longer counts)."""
    row = membership(network, organisation)
    if row is None:
        row = NetworkMembership(network_id=network.id, organisation_id=organisation.id)
        db.session.add(row)
    elif row.ended_at is not None:
        row.ended_at = row.ended_by_id = None
        row.consent_at = row.consent_by_id = None
    db.session.flush()
    return row


def end_by_network(network: Network, organisation: Organisation) -> bool:
    """End the organisation's membership from the network's side (platform operator); False
    when it had none or it had ended already."""
    row = membership(network, organisation)
    if row is None or row.ended_at is not None:
        return False
    row.ended_at = utcnow()
    row.ended_by_id = None
    db.session.flush()
    return True


# --- the organisation's side (its administrator, /beheer/netwerken) ---------------------------


def _check_admin(row: NetworkMembership, admin: User) -> None:
    if Role.ADMIN not in admin.roles:
        raise AccountError(_l("Only an administrator can decide on a network membership."))
    if row.organisation_id != admin.organisation_id:
        raise AccountError(_l("This network membership does not concern your organisation."))


def of_organisation(organisation: Organisation, membership_id: int) -> NetworkMembership:
    """The membership with this id if it is the organisation's own; refused otherwise."""
    row = db.session.get(NetworkMembership, membership_id)
    if row is None or row.organisation_id != organisation.id:
        raise AccountError(_l("This network membership does not concern your organisation."))
    return row


def consent(row: NetworkMembership, admin: User) -> None:
    """Accept the membership for the administrator's organisation."""
    _check_admin(row, admin)
    if row.ended_at is not None:
        raise AccountError(
            _l("This membership has ended; the network can invite your organisation again.")
        )
    if row.consent_at is None:
        row.consent_at = utcnow()
        row.consent_by_id = admin.id
        record_audit(
            admin, admin.id, AuditAction.NETWORK_MEMBERSHIP_ACCEPTED, f"network_membership:{row.id}"
        )
    db.session.flush()


def end_membership(row: NetworkMembership, admin: User) -> None:
    """End the membership for the administrator's organisation: its cohorts are no longer
    open to the other members, and its coordinators coordinate nothing."""
    _check_admin(row, admin)
    if row.ended_at is not None:
        return
    row.ended_at = utcnow()
    row.ended_by_id = admin.id
    record_audit(
        admin, admin.id, AuditAction.NETWORK_MEMBERSHIP_ENDED, f"network_membership:{row.id}"
    )
    db.session.flush()


# --- coordinators ------------------------------------------------------------------------------


def add_coordinator(network: Network, user: User, by: User | None = None) -> bool:
    """Make the person a coordinator of the network; False when they were one already.

    Only an active account of an active member organisation. ``by``: who did it; None for the
    command line (the audit event names the person and says "system")."""
    if not user.is_active_account:
        raise AccountError(_l("Only an active account can coordinate a network."))
    if not is_active_member(network.id, user.organisation_id):
        raise AccountError(
            _l("Only someone of an organisation that is an active member can coordinate.")
        )
    if Role.FACILITATOR not in user.roles:
        # A coordinator runs the network's cohorts on the cohort pages, which are a
        # facilitator's: without the role they could make a cohort but not open it.
        raise AccountError(
            _l("A coordinator runs cohorts: give this person the facilitator role first.")
        )
    if db.session.get(NetworkCoordinator, (network.id, user.id)) is not None:
        return False
    db.session.add(NetworkCoordinator(network_id=network.id, user_id=user.id))
    ref = f"network:{network.id}" + ("" if by is not None else " system")
    record_audit(by or user, user.id, AuditAction.NETWORK_COORDINATOR_ADDED, ref)
    db.session.flush()
    return True


def remove_coordinator(network: Network, user: User, by: User | None = None) -> bool:
    """The person no longer coordinates the network; False when they did not."""
    row = db.session.get(NetworkCoordinator, (network.id, user.id))
    if row is None:
        return False
    db.session.delete(row)
    ref = f"network:{network.id}" + ("" if by is not None else " system")
    record_audit(by or user, user.id, AuditAction.NETWORK_COORDINATOR_REMOVED, ref)
    db.session.flush()
    return True


# --- what pages show ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipView:
    """One membership of an organisation as its administrator sees it: the other members are
    named only while both memberships are active."""

    membership: NetworkMembership
    network: Network
    others: list[str]
    coordinators: list[User]

    @property
    def state(self) -> str:
        if self.membership.ended_at is not None:
            return "ended"
        return "active" if self.membership.consent_at is not None else "invited"


def memberships_of(organisation: Organisation) -> list[MembershipView]:
    """The organisation's memberships by network name, in three queries."""
    rows = list(
        db.session.scalars(
            select(NetworkMembership)
            .join(Network, Network.id == NetworkMembership.network_id)
            .where(NetworkMembership.organisation_id == organisation.id)
            .options(contains_eager(NetworkMembership.network))
            .order_by(Network.name)
        )
    )
    active_ids = [r.network_id for r in rows if r.is_active]
    others: dict[int, list[str]] = {}
    coordinators: dict[int, list[User]] = {}
    if active_ids:
        for network_id, name in db.session.execute(
            select(NetworkMembership.network_id, Organisation.name)
            .join(Organisation, Organisation.id == NetworkMembership.organisation_id)
            .where(
                NetworkMembership.network_id.in_(active_ids),
                NetworkMembership.organisation_id != organisation.id,
                *ACTIVE,
            )
            .order_by(Organisation.name)
        ):
            others.setdefault(network_id, []).append(name)
        for network_id, user in db.session.execute(
            select(NetworkCoordinator.network_id, User)
            .join(User, User.id == NetworkCoordinator.user_id)
            .where(
                NetworkCoordinator.network_id.in_(active_ids),
                User.organisation_id == organisation.id,
            )
            .order_by(User.name)
        ):
            coordinators.setdefault(network_id, []).append(user)
    return [
        MembershipView(
            membership=r,
            network=r.network,
            others=others.get(r.network_id, []),
            coordinators=coordinators.get(r.network_id, []),
        )
        for r in rows
    ]


def active_members(network_id: int) -> list[Organisation]:
    """The network's active member organisations, by name."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(NetworkMembership, NetworkMembership.organisation_id == Organisation.id)
            .where(NetworkMembership.network_id == network_id, *ACTIVE)
            .order_by(Organisation.name)
        )
    )


def coordinators_of(network_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(NetworkCoordinator, NetworkCoordinator.user_id == User.id)
            .where(NetworkCoordinator.network_id == network_id)
            .order_by(User.name)
        )
    )


def all_networks() -> list[tuple[Network, list[NetworkMembership], list[User]]]:
    """Every network with its memberships and coordinators (the operator's list), in three
    queries."""
    networks = list(db.session.scalars(select(Network).order_by(Network.slug)))
    rows: dict[int, list[NetworkMembership]] = {}
    for row in db.session.scalars(
        select(NetworkMembership)
        .join(Organisation, Organisation.id == NetworkMembership.organisation_id)
        .options(contains_eager(NetworkMembership.organisation))
        .order_by(Organisation.slug)
    ):
        rows.setdefault(row.network_id, []).append(row)
    people: dict[int, list[User]] = {}
    for network_id, user in db.session.execute(
        select(NetworkCoordinator.network_id, User)
        .join(User, User.id == NetworkCoordinator.user_id)
        .order_by(User.email)
    ):
        people.setdefault(network_id, []).append(user)
    return [(n, rows.get(n.id, []), people.get(n.id, [])) for n in networks]


def coordinator_ids(network_id: int) -> set[int]:
    """Ids of the network's coordinators whose organisation is an active member (the others
    coordinate nothing)."""
    return set(
        db.session.scalars(
            select(NetworkCoordinator.user_id)
            .join(User, User.id == NetworkCoordinator.user_id)
            .join(
                NetworkMembership,
                (NetworkMembership.network_id == NetworkCoordinator.network_id)
                & (NetworkMembership.organisation_id == User.organisation_id),
            )
            .where(NetworkCoordinator.network_id == network_id, *ACTIVE)
        )
    )
