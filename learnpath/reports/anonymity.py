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

**Tables of one report are protected together** (``protect_linked``). Several tables show
the same figure: a department's registrations are the total of its row in the status table
and in the cohorts table; the people who took part are the total of every assignment and
action-plan row; "dropped out" in the status table is the total of the drop-out table;
"action plan finalised" is the total of the results table. Each such figure gets a shared
name (``Matrix.shared``: key -> name), and the rule is:

1. a shared figure hidden in one table is hidden in every table that shows it: each table
   is protected with ``forced`` = the shared figures hidden anywhere, again until no table
   hides a shared figure that is not forced yet;
2. then the tables are audited together (``_jointly_determined``): every hidden value must
   be able to change in a reading of *all* the tables at once. A change of a value in its
   own table (a cycle, as above) may change shared figures; every other table showing them
   must be able to make the same change of them, and no other change of its shared
   figures (a flow problem per table, ``_reading``). When no such joint change is found,
   one more value is hidden in a table that could not follow (cells before totals), and
   1 and 2 run again.

Each round hides at least one more value, so this ends. The joint audit is sufficient,
not exhaustive (it tries the moves of a few shared figures, each by one): it may hide a
little more than strictly needed, never less. ``tests/security/test_report_linked_tables``
checks it against an exhaustive search over generated reports.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Matrix:
    """One table's counts for ``protect_linked``, with the names of its shared figures."""

    counts: Mapping[tuple[Dept, Hashable], int]
    columns: Sequence[Hashable]
    departments: Sequence[Dept]
    people: Mapping[Key, int] | None = None
    #: key -> the name of the figure in the report (the same name in every table showing it).
    shared: Mapping[Key, Hashable] = field(default_factory=dict)


def protect_linked(matrices: Mapping[str, Matrix], threshold: int) -> dict[str, Protected]:
    """Protect the tables of one report together (the rule in the module's docstring)."""
    extra: dict[str, set[Key]] = {name: set() for name in matrices}
    figures: set[Hashable] = set()
    while True:
        result = {
            name: protect(
                m.counts,
                m.columns,
                m.departments,
                threshold,
                m.people,
                forced=extra[name] | {k for k, f in m.shared.items() if f in figures},
            )
            for name, m in matrices.items()
        }
        hidden = {
            figure
            for name, m in matrices.items()
            for key, figure in m.shared.items()
            if key in result[name].hidden
        }
        if not hidden <= figures:
            figures |= hidden
            continue
        _check_links(matrices, result)
        tables = {name: (p.values, set(p.hidden)) for name, p in result.items()}
        shared = {name: m.shared for name, m in matrices.items()}
        exposed = _jointly_determined(tables, shared, threshold)
        if exposed is None:
            return result
        more = _widen_jointly(*exposed, tables, shared, threshold)
        if more is None:  # every value is hidden already
            return result
        table, key = more
        extra[table].add(key)
        if key in shared[table]:
            figures.add(shared[table][key])


def _check_links(matrices: Mapping[str, Matrix], result: Mapping[str, Protected]) -> None:
    """A shared name must stand for one number: a mismatch is a mistake in the report."""
    seen: dict[Hashable, tuple[str, int]] = {}
    for name, m in matrices.items():
        for key, figure in m.shared.items():
            value = result[name].values.get(key, 0)
            first = seen.setdefault(figure, (name, value))
            if first[1] != value:
                raise ValueError(f"{figure!r}: {first[1]} in {first[0]}, {value} in {name}")


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
    values: Mapping[Key, int],
    hidden: set[Key],
    threshold: int,
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


# -- the tables of a report together -------------------------------------------------------

_Tables = Mapping[str, tuple[Mapping[Key, int], set[Key]]]
_Shared = Mapping[str, Mapping[Key, Hashable]]
#: node -> (next node, key, change of the key when moving along)
_Signed = dict[_Node, list[tuple[_Node, Key, int]]]


def _signed(values: Mapping[Key, int], hidden: set[Key], threshold: int) -> _Signed:
    """The residual graph with the change (+1 or -1) that each step makes to its value."""
    graph: _Signed = {}
    for key, tail, head in _arcs(values):
        low, high = _bounds(values[key], key in hidden, threshold)
        if values[key] < high:
            graph.setdefault(tail, []).append((head, key, 1))
        if values[key] > low:
            graph.setdefault(head, []).append((tail, key, -1))
    return graph


def _cycle(
    arc: _Arc, direction: int, graph: _Signed, shared: Mapping[Key, Hashable]
) -> dict[Key, int] | None:
    """A cycle changing ``arc`` by ``direction`` through as few shared values as can be."""
    key, tail, head = arc
    start, goal = (head, tail) if direction > 0 else (tail, head)
    if not any(k == key and d == direction for _n, k, d in graph.get(goal, [])):
        return None
    cost = {start: 0}
    back: dict[_Node, tuple[_Node, Key, int]] = {}
    todo = [start]
    while todo:  # Dijkstra with costs 0 and 1 (a shared value costs 1)
        todo.sort(key=lambda n: -cost[n])
        node = todo.pop()
        for nxt, k, d in graph.get(node, []):
            if k == key:
                continue
            c = cost[node] + (k in shared)
            if c < cost.get(nxt, 1 << 30):
                cost[nxt] = c
                back[nxt] = (node, k, d)
                todo.append(nxt)
    if goal not in cost:
        return None
    changes = {key: direction}
    node = goal
    while node != start:
        node, k, d = back[node]
        changes[k] = d
    return changes


def _reading(
    values: Mapping[Key, int],
    hidden: set[Key],
    shared: Mapping[Key, Hashable],
    moves: Mapping[Hashable, int],
    threshold: int,
    fixed: Mapping[Key, int] | None = None,
    loose: bool = False,
) -> dict[Hashable, int] | None:
    """A reading of this table that changes its shared figures by ``moves``, or None.

    ``fixed`` values of the table change by the given amount too; the others by -1, 0 or 1
    within what the page says. With ``loose``, shared figures outside ``moves`` may change
    as well, and the result says how; otherwise it is empty.
    """
    excess: dict[_Node, int] = {}
    capacity: dict[tuple[_Node, _Node], int] = {}
    free: dict[tuple[_Node, _Node], tuple[Key, int]] = {}
    for key, tail, head in _arcs(values):
        low, high = _bounds(values[key], key in hidden, threshold)
        figure = shared.get(key)
        if (fixed and key in fixed) or (figure is not None and (figure in moves or not loose)):
            change = fixed[key] if fixed and key in fixed else moves.get(figure, 0)
            if not low <= values[key] + change <= high:
                return None
            excess[head] = excess.get(head, 0) + change
            excess[tail] = excess.get(tail, 0) - change
            continue
        free[(tail, head)] = (key, values[key] < high)
        capacity[(tail, head)] = int(values[key] < high)
        capacity[(head, tail)] = int(values[key] > low)
    # route every surplus to a deficit along the other values (unit changes, max flow)
    while True:
        sources = [n for n, e in excess.items() if e > 0]
        if not sources:
            break
        back: dict[_Node, _Node] = {n: n for n in sources}
        todo = list(sources)
        end = None
        while todo and end is None:
            node = todo.pop()
            for (a, b), cap in capacity.items():
                if a == node and cap > 0 and b not in back:
                    back[b] = node
                    if excess.get(b, 0) < 0:
                        end = b
                        break
                    todo.append(b)
        if end is None:
            return None
        node = end
        excess[end] += 1
        while back[node] != node:
            prev = back[node]
            capacity[(prev, node)] -= 1
            capacity[(node, prev)] = capacity.get((node, prev), 0) + 1
            node = prev
        excess[node] -= 1
    changes: dict[Hashable, int] = {}
    for pair, (key, up) in free.items():
        delta = int(up) - capacity[pair]
        if delta and key in shared:
            changes[shared[key]] = delta
    return changes


def _realisable(
    values: Mapping[Key, int],
    hidden: set[Key],
    shared: Mapping[Key, Hashable],
    moves: Mapping[Hashable, int],
    threshold: int,
    fixed: Mapping[Key, int] | None = None,
) -> bool:
    """Whether a reading of this table changes its shared figures by ``moves`` exactly."""
    return _reading(values, hidden, shared, moves, threshold, fixed) is not None


_Cache = dict[tuple[str, frozenset[tuple[Hashable, int]]], bool]
#: A move of shared figures, the direction of the value, and the tables that cannot make it.
_Blocked = tuple[dict[Hashable, int], int, list[str]]


def _jointly_free(
    name: str,
    arc: _Arc,
    tables: _Tables,
    shared: _Shared,
    threshold: int,
    cache: _Cache | None = None,
) -> _Blocked | None:
    """None when ``arc`` of table ``name`` can change in a reading of all tables at once.

    Sufficient, not exhaustive: the shared figures that change are those of the cheapest
    cycle through ``arc`` in its own table, or the figure of ``arc`` alone or with one or
    two more hidden figures of its table, each by one (e.g. a department and the grand
    total, or two departments); or, from the cycle's figures, a table that cannot make the
    move may change more of its shared figures, which the others then follow (``_agree``).
    Otherwise: the move that the fewest tables cannot make, and those tables.
    """
    cache = {} if cache is None else cache
    values, hidden = tables[name]
    mine = shared[name]
    key = arc[0]

    def blockers(moves: Mapping[Hashable, int], direction: int, first: bool) -> list[str]:
        found: list[str] = []
        fixed = None if key in mine else {key: direction}
        if not _realisable(values, hidden, mine, moves, threshold, fixed):
            found.append(name)
            if first:
                return found
        for other in tables:
            if other == name or not moves.keys() & set(shared[other].values()):
                continue
            memo = (other, frozenset(moves.items()))
            if memo not in cache:
                cache[memo] = _realisable(*tables[other], shared[other], moves, threshold)
            if not cache[memo]:
                found.append(other)
                if first:
                    return found
        return found

    graph = _signed(values, hidden, threshold)
    starts: list[tuple[dict[Hashable, int], int]] = []
    for direction in (1, -1):
        changes = _cycle(arc, direction, graph, mine)
        if changes is not None:
            moves = {mine[k]: d for k, d in changes.items() if k in mine}
            if not moves:
                return None
            starts.append((moves, direction))
    candidates = list(starts)
    others = sorted((k for k in mine if k != key and k in hidden), key=repr)
    extra: list[dict[Key, int]] = [{}]
    extra += [{k: d} for k in others for d in (1, -1)]
    extra += [
        {a: da, b: db}
        for i, a in enumerate(others)
        for b in others[i + 1 :]
        for da in (1, -1)
        for db in (1, -1)
    ]
    for direction in (1, -1):
        for more in extra:
            moves = {mine[key]: direction} if key in mine else {}
            moves.update({mine[k]: d for k, d in more.items()})
            if (moves, direction) not in candidates:
                candidates.append((moves, direction))
    for moves, direction in candidates:
        if not blockers(moves, direction, first=True):
            return None
    for moves, direction in starts:
        if _agree(name, key, moves, direction, tables, shared, threshold, cache) is None:
            return None
    if not candidates:
        return {}, 1, [name]
    blocked = [(m, d, blockers(m, d, first=False)) for m, d in candidates]
    return min(blocked, key=lambda b: len(b[2]))


def _agree(
    name: str,
    key: Key,
    moves: dict[Hashable, int],
    direction: int,
    tables: _Tables,
    shared: _Shared,
    threshold: int,
    cache: _Cache,
) -> _Blocked | None:
    """Grow ``moves`` until every table can make it (None), or say which table cannot."""
    moves = dict(moves)
    for _round in range(2 * len(tables) + 2):
        grown = False
        for table, (values, hidden) in tables.items():
            mine = shared[table]
            fixed = {key: direction} if table == name and key not in mine else None
            if fixed is None and not moves.keys() & set(mine.values()):
                continue
            memo = (table, frozenset(moves.items()))
            if fixed is None and cache.get(memo):
                continue
            if _reading(values, hidden, mine, moves, threshold, fixed) is not None:
                if fixed is None:
                    cache[memo] = True
                continue
            more = _reading(values, hidden, mine, moves, threshold, fixed, loose=True)
            if not more:
                return moves, direction, [table]
            moves.update(more)
            grown = True
        if not grown:
            return None
    return moves, direction, [name]


def _jointly_determined(
    tables: _Tables, shared: _Shared, threshold: int
) -> tuple[str, _Arc, _Blocked] | None:
    """A hidden value of some table that all the tables together give away, or None."""
    cache: _Cache = {}
    for name, (values, hidden) in tables.items():
        for arc in sorted(_arcs(values), key=lambda a: repr(a[0])):
            if arc[0] not in hidden or not values[arc[0]]:
                continue
            blocked = _jointly_free(name, arc, tables, shared, threshold, cache)
            if blocked is not None:
                return name, arc, blocked
    return None


def _widen_jointly(
    name: str,
    exposed: _Arc,
    blocked: _Blocked,
    tables: _Tables,
    shared: _Shared,
    threshold: int,
) -> tuple[str, Key] | None:
    """The next value to hide, in a table that cannot follow the move (cf. ``_widen``)."""
    moves, direction, blockers = blocked
    rank = {"cell": 0, "row": 1, "col": 1, "grand": 2}
    # the tables that cannot follow; when they have nothing left to hide, the value's own
    # table, then any table (each step hides one more value, so this ends)
    for table in dict.fromkeys([*blockers, name, *tables]):
        values, hidden = tables[table]
        mine = shared[table]
        fixed = {exposed[0]: direction} if table == name and exposed[0] not in mine else None
        candidates = sorted(
            (key for key in values if key not in hidden and values[key] > 0),
            key=lambda k: (
                rank[str(k[0])],
                k in mine,
                values[k] <= threshold,
                values[k],
                repr(k),
            ),
        )
        for key in candidates:
            if _realisable(values, hidden | {key}, mine, moves, threshold, fixed):
                return table, key
        if candidates:
            return table, candidates[0]
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
