"""A person's own manager: the one manager who may receive what the person shares (action plan,
sign-up approvals, kansenbank interest) or see their team pages (issue 23).

Only a manager of the person's own organisation counts. ``User.manager_id`` pointing to someone
of another organisation (an import error, a network cohort mixing employers) makes nobody the
person's manager: such a manager is refused everywhere, as if no manager were on record.
"""

from __future__ import annotations

from learnpath.accounts.models import User


def is_own_manager(manager: User, person: User) -> bool:
    """True when ``manager`` is ``person``'s manager on record and of the same organisation."""
    return (
        person.manager_id == manager.id
        and manager.id != person.id
        and manager.organisation_id == person.organisation_id
    )


def own_manager(person: User) -> User | None:
    """The person's manager on record if of the same organisation; None otherwise."""
    manager = person.manager
    return manager if manager is not None and is_own_manager(manager, person) else None
