"""What a reader of a protected table learns, for the independent searches of the suppression
property tests (test_report_suppression.py, test_report_linked_tables.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from typing import Any

from learnpath.reports.anonymity import Key, Protected

#: "Hidden" (the threshold or more) is unbounded above; this stands for infinity.
INF = 10**9


def cells_of(key: Key, depts: Sequence, cols: Sequence) -> list[Key]:
    """The cells a cell, row, column or grand-total key adds up."""
    kind = key[0]
    if kind == "cell":
        return [key]
    if kind == "row":
        return [("cell", key[1], c) for c in cols]
    if kind == "col":
        return [("cell", d, key[1]) for d in depts]
    return [("cell", d, c) for d in depts for c in cols]


def known_ranges(p: Protected, threshold: int) -> dict[Key, tuple[int, int]]:
    """What a reader learns about each value: exact, "< t" (1..t-1) or "hidden" (t or more)."""
    known = {}
    for key, value in p.values.items():
        if key not in p.hidden or value == 0:
            known[key] = (value, value)
        elif value < threshold:
            known[key] = (1, threshold - 1)
        else:
            known[key] = (threshold, INF)
    return known


def find_change(
    cells: Sequence[Hashable],
    steps: Mapping[Hashable, Sequence[int]],
    delta: dict[Any, int],
    possible: Callable[[bool], bool],
    target: Collection[Hashable],
) -> bool:
    """Backtrack over one step per cell (filling ``delta``, which ``possible`` reads) for a
    change that ``possible(final=True)`` accepts; ``possible(final=False)`` prunes early.
    The cells of ``target`` go first, so that a change of the target is decided early."""
    order = sorted(cells, key=lambda c: c not in target)

    def search(i: int) -> bool:
        if i == len(order):
            return possible(True)
        cell = order[i]
        for step in steps[cell]:
            delta[cell] = step
            if possible(False) and search(i + 1):
                return True
        del delta[cell]
        return False

    return search(0)
