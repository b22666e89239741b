"""How a person's name is shown to a viewer (issue 23): one rule for every page.

People of other organisations meet in network cohorts. A person who chose
``User.first_name_only_elsewhere`` is shown by their first name to people of other
organisations; their own organisation, the facilitators (who see the cohort's work as today)
and the coordinators of a network their organisation is an active member of see the full name.
"""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts import networks
from learnpath.accounts.models import NetworkCoordinator, NetworkMembership, Role, User
from learnpath.extensions import db


def first_name(name: str) -> str:
    """The first word of a name ("Zoë de Vries" -> "Zoë")."""
    parts = name.split()
    return parts[0] if parts else name


def coordinated_organisation_ids(viewer: User) -> set[int]:
    """Ids of the organisations that are active members of a network the viewer coordinates
    (while the viewer's own organisation is an active member); one query."""
    ours = (
        select(NetworkMembership.network_id)
        .join(NetworkCoordinator, NetworkCoordinator.network_id == NetworkMembership.network_id)
        .where(
            NetworkCoordinator.user_id == viewer.id,
            NetworkMembership.organisation_id == viewer.organisation_id,
            *networks.ACTIVE,
        )
        .scalar_subquery()
    )
    return set(
        db.session.scalars(
            select(NetworkMembership.organisation_id).where(
                NetworkMembership.network_id.in_(ours), *networks.ACTIVE
            )
        )
    )


class NameRule:
    """``shown_name(person)`` for one viewer; the viewer's coordinated organisations are read
    once, and only when a person of another organisation chose to show their first name."""

    def __init__(self, viewer: User | None) -> None:
        self.viewer = viewer
        self._coordinated: set[int] | None = None

    def full_name_visible(self, person: User) -> bool:
        viewer = self.viewer
        if not person.first_name_only_elsewhere:
            return True
        if viewer is None:
            return False
        if viewer.id == person.id or viewer.organisation_id == person.organisation_id:
            return True
        if Role.FACILITATOR in viewer.roles:
            return True
        if self._coordinated is None:
            self._coordinated = coordinated_organisation_ids(viewer)
        return person.organisation_id in self._coordinated

    def __call__(self, person: User) -> str:
        return person.name if self.full_name_visible(person) else first_name(person.name)


def shown_name(person: User, viewer: User | None) -> str:
    """The name of ``person`` as ``viewer`` sees it (None: a viewer not known, e.g. an
    anonymous page: the first name when the person chose it)."""
    return NameRule(viewer)(person)
