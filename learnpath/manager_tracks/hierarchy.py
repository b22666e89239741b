"""The hierarchy rule of intervision: no reporting line inside a group.

Decision: not only a manager and their direct manager are kept apart, but any two people in
the same reporting line (a manager and their manager's manager, and so on up the chain), since
peer consultation needs peers. Chains are followed through ``User.manager_id`` with a guard
against cycles in bad data.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import select

from learnpath.accounts.models import User
from learnpath.extensions import db

#: Longer chains than this are cut off (and a cycle ends the walk anyway).
MAX_DEPTH = 50


def reporting_lines(organisation_ids: Iterable[int]) -> dict[int, int | None]:
    """user id -> manager id for everyone in these organisations, in one query."""
    rows = db.session.execute(
        select(User.id, User.manager_id).where(User.organisation_id.in_(list(organisation_ids)))
    )
    return {user_id: manager_id for user_id, manager_id in rows}


def chain_above(user_id: int, manager_of: Mapping[int, int | None]) -> list[int]:
    """The user's manager, that manager's manager, ... (nearest first)."""
    chain: list[int] = []
    current = manager_of.get(user_id)
    while current is not None and current not in chain and current != user_id:
        chain.append(current)
        if len(chain) >= MAX_DEPTH:
            break
        current = manager_of.get(current)
    return chain


def in_line(a: int, b: int, manager_of: Mapping[int, int | None]) -> bool:
    """Whether one of the two is above the other in the reporting line."""
    return b in chain_above(a, manager_of) or a in chain_above(b, manager_of)


def first_conflict(
    candidate: int, members: Collection[int], manager_of: Mapping[int, int | None]
) -> int | None:
    """A member in the candidate's reporting line, or None."""
    return next(
        (m for m in sorted(members) if m != candidate and in_line(candidate, m, manager_of)),
        None,
    )


def conflicting_pairs(
    user_ids: Collection[int], manager_of: Mapping[int, int | None]
) -> list[tuple[int, int]]:
    """Every pair of the given people that share a reporting line (for group creation)."""
    ordered = sorted(set(user_ids))
    return [
        (a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :] if in_line(a, b, manager_of)
    ]
