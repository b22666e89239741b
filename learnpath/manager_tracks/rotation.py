"""Fair rotation of the intervision roles (pure functions, no database).

The case-bringer is the present member who has brought a case least often (ties: whose turn
was longest ago, never first; then the lowest id, so the result is deterministic), leaving
out those who waive this time. So no one brings a case twice before everyone present has had
a turn, unless they waive. The other roles rotate the same way among the remaining present
members; one person never holds two roles in a meeting.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from learnpath.content.schema import IntervisionRole

#: Roles when the group has not chosen a method yet.
DEFAULT_ROLES = (IntervisionRole.CASE_BRINGER, IntervisionRole.CHAIR, IntervisionRole.TIMEKEEPER)

#: One past meeting: role -> the user who actually held it.
Past = Mapping[str, int]


def _turns(history: Sequence[Past], role: str) -> tuple[dict[int, int], dict[int, int]]:
    """(how often each user held ``role``, the index of their last turn)."""
    counts: dict[int, int] = {}
    last: dict[int, int] = {}
    for index, meeting in enumerate(history):
        user = meeting.get(role)
        if user is not None:
            counts[user] = counts.get(user, 0) + 1
            last[user] = index
    return counts, last


def _pick(candidates: Collection[int], history: Sequence[Past], role: str) -> int | None:
    counts, last = _turns(history, role)
    return min(candidates, key=lambda u: (counts.get(u, 0), last.get(u, -1), u), default=None)


def propose_roles(
    present: Collection[int],
    waivers: Collection[int],
    history: Sequence[Past],
    roles: Sequence[str] = DEFAULT_ROLES,
) -> dict[str, int]:
    """Roles for the next meeting; roles that nobody is left for stay empty.

    The case-bringer is chosen first (the role the rotation must be fair about), the other
    roles in the order given.
    """
    ordered = (
        [IntervisionRole.CASE_BRINGER] + [r for r in roles if r != IntervisionRole.CASE_BRINGER]
        if IntervisionRole.CASE_BRINGER in roles
        else list(roles)
    )
    taken: dict[str, int] = {}
    for role in ordered:
        excluded = set(taken.values()) | (
            set(waivers) if role == IntervisionRole.CASE_BRINGER else set()
        )
        chosen = _pick([u for u in present if u not in excluded], history, role)
        if chosen is not None:
            taken[role] = chosen
    return taken


def validate_roles(assignment: Mapping[str, int | None], members: Collection[int]) -> str | None:
    """A reason the chair's choice is impossible (a non-member, one person twice), or None."""
    chosen = [u for u in assignment.values() if u is not None]
    if any(u not in members for u in chosen):
        return "not_member"
    if len(chosen) != len(set(chosen)):
        return "collision"
    return None
