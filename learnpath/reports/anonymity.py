"""Small-cell and complementary suppression for aggregated figures.

Every published count belongs to a matrix *department × column* (the columns of one group
of a table, e.g. the statuses of registrations) with its margins: a total per department
(shown when HR filters on that department), a total per column and a grand total (shown
without a filter). Any of these values can appear on some page, so all of them are
protected together:

1. a value from 1 up to the threshold (exclusive) is hidden (zero is shown: it reveals
   nobody);
2. for every line (a department's row with its total, the all-departments row with the grand
   total, a column across departments with its column total, the department totals with the
   grand total) whose total is visible, the hidden members must be none, or at least two that
   add up to the threshold or more. Otherwise the smallest visible non-zero member is hidden
   too (complementary suppression), or the total when no member is left.

This is repeated until nothing changes. It is the usual rule of thumb of statistical offices
(no hidden cell can be recovered by subtracting the shown cells from a shown total, across
the department filter too).

The rule of thumb is then audited exactly (``_determined``), because the markers say more
than nothing: "< 5" means 1 to 4 and "hidden" means 5 or more. A cell of 1 hidden next to a
complement of exactly 5 passes the rule (1 + 5 >= 5) yet is recovered: the two add up to 6,
and the complement cannot be below 5. The matrix is a circulation (grand total -> department
totals -> cells -> column totals -> grand total) whose hidden arcs carry what the markers
say; a hidden value can be worked out exactly when no cycle of slack arcs runs through it.
While one can, one more value in its lines is hidden.

Figures derived from a count (shares, fill rates, means) are shown only when every count
they derive from is shown (``derived_visible``), and a count of a group that is never
published itself (seats taken by other organisations) may not make a figure recoverable
either (``publishable``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

#: The smallest threshold an organisation may choose (DOMAIN: groups under 5 suppressed).
MIN_THRESHOLD = 5
MAX_THRESHOLD = 20

#: The view without a department filter.
ALL = "all"

Dept = int | None
View = Dept | str
Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class Protected:
    """A protected matrix: values of every cell and margin, and which of them are hidden."""

    values: Mapping[Key, int]
    hidden: frozenset[Key]
    columns: tuple[Hashable, ...]

    def value(self, view: View, column: Hashable | None = None) -> int:
        """Return the true value of a cell (or of the total when ``column`` is None)."""
        return self.values.get(key_of(view, column), 0)

    def cell(self, view: View, column: Hashable) -> int | None:
        """Return the value of ``column`` in ``view`` (a department or ALL); None when hidden."""
        key = key_of(view, column)
        return None if key in self.hidden else self.values.get(key, 0)

    def total(self, view: View) -> int | None:
        """Return the total of the group in ``view``; None when hidden."""
        key = key_of(view)
        return None if key in self.hidden else self.values.get(key, 0)

    def visible(self, view: View) -> bool:
        """Whether the group's total may be shown in ``view``."""
        return self.total(view) is not None


def key_of(view: View, column: Hashable | None = None) -> Key:
    """The key of a cell (or of the group's total) as seen in ``view``."""
    if column is None:
        return ("grand",) if view == ALL else ("row", view)
    return ("col", column) if view == ALL else ("cell", view, column)


def protect(
    counts: Mapping[tuple[Dept, Hashable], int],
    columns: Sequence[Hashable],
    departments: Iterable[Dept],
    threshold: int,
    people: Mapping[Key, int] | None = None,
    forced: Iterable[Key] = (),
) -> Protected:
    """Suppress small cells and their complements in a department × column matrix.

    ``people`` (by key, see ``key_of``) is for counts of things rather than people (goals):
    a value is then also small when fewer than ``threshold`` people are behind it.
    ``forced`` keys are hidden from the start (a figure derived from them cannot be shown).
    """
    depts = sorted(set(departments) | {d for d, _c in counts}, key=lambda d: (d is None, d or 0))
    values: dict[Key, int] = {}
    for d in depts:
        for c in columns:
            values[("cell", d, c)] = counts.get((d, c), 0)
        values[("row", d)] = sum(values[("cell", d, c)] for c in columns)
    for c in columns:
        values[("col", c)] = sum(values[("cell", d, c)] for d in depts)
    values[("grand",)] = sum(values[("row", d)] for d in depts)

    lines: list[tuple[list[Key], Key]] = [
        ([("cell", d, c) for c in columns], ("row", d)) for d in depts
    ]
    lines.append(([("col", c) for c in columns], ("grand",)))
    lines += [([("cell", d, c) for d in depts], ("col", c)) for c in columns]
    lines.append(([("row", d) for d in depts], ("grand",)))

    hidden = {key for key, value in values.items() if 0 < value < threshold}
    if people is not None:
        hidden |= {key for key in values if values[key] > 0 and people.get(key, 0) < threshold}
    hidden |= {key for key in forced if values.get(key, 0) > 0}
    while True:
        changed = True
        while changed:
            changed = False
            for members, total in lines:
                if total not in hidden and _needs_more(members, hidden, values, threshold):
                    hidden.add(_next_to_hide(members, total, hidden, values))
                    changed = True
        exposed = _determined(values, hidden, threshold)
        if exposed is None:
            return Protected(values, frozenset(hidden), tuple(columns))
        extra = _widen(exposed, lines, hidden, values, threshold)
        if extra is None:  # every value is hidden already
            return Protected(values, frozenset(hidden), tuple(columns))
        hidden.add(extra)


def publishable(*groups: int, threshold: int) -> bool:
    """Whether a figure built from these groups of people may be shown (each 0 or large)."""
    return all(group == 0 or group >= threshold for group in groups)


def derived_visible(*bases: int | None) -> bool:
    """Whether a figure derived from these shown counts may be shown (none of them hidden)."""
    return all(base is not None for base in bases)


# -- the exact audit ------------------------------------------------------------------------

_Node = tuple[Hashable, ...]
_Arc = tuple[Key, _Node, _Node]


def _arcs(values: Mapping[Key, int]) -> list[_Arc]:
    """Every value as an arc of the circulation S -> department -> column -> T -> S."""
    arcs: list[_Arc] = []
    for key in values:
        kind = key[0]
        if kind == "grand":
            arcs.append((key, ("T",), ("S",)))
        elif kind == "row":
            arcs.append((key, ("S",), ("d", key[1])))
        elif kind == "cell":
            arcs.append((key, ("d", key[1]), ("c", key[2])))
        else:
            arcs.append((key, ("c", key[1]), ("T",)))
    return arcs


def _bounds(value: int, hidden: bool, threshold: int) -> tuple[int, float]:
    """What someone reading the page knows about a value: exact, "< t" or "hidden" (>= t)."""
    if not hidden or value == 0:
        return value, value
    if value < threshold:
        return 1, threshold - 1
    return threshold, float("inf")


def _reaches(
    start: _Node, goal: _Node, residual: Mapping[_Node, list[tuple[_Node, Key]]], skip: Key
) -> bool:
    seen = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt, key in residual.get(node, []):
            if key != skip and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def _residual(
    values: Mapping[Key, int], hidden: set[Key], threshold: int
) -> tuple[list[_Arc], dict[_Node, list[tuple[_Node, Key]]], dict[Key, tuple[bool, bool]]]:
    arcs = _arcs(values)
    residual: dict[_Node, list[tuple[_Node, Key]]] = {}
    slack: dict[Key, tuple[bool, bool]] = {}
    for key, tail, head in arcs:
        low, high = _bounds(values[key], key in hidden, threshold)
        up, down = values[key] < high, values[key] > low
        slack[key] = (up, down)
        if up:
            residual.setdefault(tail, []).append((head, key))
        if down:
            residual.setdefault(head, []).append((tail, key))
    return arcs, residual, slack


def _movable(
    arc: _Arc,
    residual: Mapping[_Node, list[tuple[_Node, Key]]],
    slack: Mapping[Key, tuple[bool, bool]],
) -> bool:
    key, tail, head = arc
    up, down = slack[key]
    return (up and _reaches(head, tail, residual, key)) or (
        down and _reaches(tail, head, residual, key)
    )


def _determined(values: Mapping[Key, int], hidden: set[Key], threshold: int) -> _Arc | None:
    """A hidden value that can be worked out exactly from what is shown, or None.

    Exact for integers: two readings of the page differ by cycles of the circulation, so a
    hidden value can change iff a cycle of arcs with slack (in the right direction) runs
    through it.
    """
    arcs, residual, slack = _residual(values, hidden, threshold)
    for arc in sorted(arcs, key=lambda a: repr(a[0])):
        if arc[0] in hidden and values[arc[0]] > 0 and not _movable(arc, residual, slack):
            return arc
    return None


def _widen(
    exposed: _Arc,
    lines: list[tuple[list[Key], Key]],
    hidden: set[Key],
    values: Mapping[Key, int],
    threshold: int,
) -> Key | None:
    """The next value to hide so that ``exposed`` is no longer determined.

    The first visible value that frees it when hidden, in this order: members of its own
    lines before other cells, cells before totals, the grand total last (totals are what
    readers need most); values above the threshold first (a "hidden" value of exactly the
    threshold cannot go down), small ones first. When none frees it alone, the first one.
    """
    mine = {key for members, total in lines if exposed[0] in (*members, total) for key in members}
    rank = {"cell": 0, "row": 1, "col": 1, "grand": 2}
    candidates = sorted(
        (key for key in values if key not in hidden and values[key] > 0),
        key=lambda k: (rank[str(k[0])], k not in mine, values[k] <= threshold, values[k], repr(k)),
    )
    for key in candidates:
        _arcs_, residual, slack = _residual(values, hidden | {key}, threshold)
        if _movable(exposed, residual, slack):
            return key
    return candidates[0] if candidates else None


def _needs_more(
    members: list[Key], hidden: set[Key], values: Mapping[Key, int], threshold: int
) -> bool:
    hidden_values = [values[m] for m in members if m in hidden and values[m] > 0]
    if not hidden_values:
        return False
    return len(hidden_values) < 2 or sum(hidden_values) < threshold


def _next_to_hide(
    members: list[Key], total: Key, hidden: set[Key], values: Mapping[Key, int]
) -> Key:
    candidates = [m for m in members if m not in hidden and values[m] > 0]
    if not candidates:
        return total
    return min(candidates, key=lambda m: (values[m], repr(m)))


def clamp_threshold(value: int | None) -> int:
    """Return an organisation's threshold within the allowed range (5 when unset)."""
    if value is None:
        return MIN_THRESHOLD
    return max(MIN_THRESHOLD, min(MAX_THRESHOLD, value))
