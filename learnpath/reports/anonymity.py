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
the department filter too), not an exhaustive linear-programming audit.
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
) -> Protected:
    """Suppress small cells and their complements in a department × column matrix.

    ``people`` (by key, see ``key_of``) is for counts of things rather than people (goals):
    a value is then also small when fewer than ``threshold`` people are behind it.
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
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            if total not in hidden and _needs_more(members, hidden, values, threshold):
                hidden.add(_next_to_hide(members, total, hidden, values))
                changed = True
    return Protected(values, frozenset(hidden), tuple(columns))


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
