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
the same figure: a department's registrations are the total of its row in the status table;
the organisation's registrations are also the total of the cohorts table; the people who
took part are the total of every assignment and action-plan row; "dropped out" in the status
table is the total of the drop-out table; "action plan finalised" is the total of the
results table. Each such figure gets a shared name (``Matrix.shared``: key -> name), and:

1. a shared figure hidden in one table is hidden in every table that shows it: each table
   is protected with ``forced`` = the shared figures hidden anywhere, again until no table
   hides a shared figure that is not forced yet;
2. then the tables are audited together (``_Reading``): every hidden value must be able to
   change in a reading of *all* the tables at once. Every value is an integer variable (a
   shared figure one variable), every table's margins are equations, a shown value is a
   constant and a hidden one lies where its marker says. Most hidden values can change by
   a cycle inside their own table with every shared figure kept, which is checked as for
   one table; the others by a small integer program over the values that can move with
   them (``scipy.optimize.milp``). When a value cannot change, the cheapest set of shown
   values whose hiding frees it is hidden too (again an integer program: cells before
   totals, a table's own values before shared figures), and 1 and 2 run again.

**Sums of figures are equations too.** Where a figure is the sum of figures of other
tables (the people who took part = taking part now + completed + dropped out; final action
plans = looked back + not looked back yet), the report adds a table that is never shown
(``sum_of``) whose cells and total are those shared figures, so both steps treat the sum
like any total of a table: a reader cannot get a hidden part by subtracting shown ones
from a shown sum, in any view.

Each round hides at least one more value, so this ends. The audit looks for readings in
which each value changes by at most one: it may hide a little more than strictly needed,
never less. ``tests/security/test_report_linked_tables`` checks it against an independent
exhaustive search over generated reports, sums included.

**Fast, with the same answers** (issue 17; ``_protect_linked(..., fast=False)`` is the plain
method, and ``tests/reports/test_anonymity_fast`` checks that both hide the same values).
Whether a value can change is a fact of the equations and bounds, not of the way it is
found, so the audit may find it any way: the variables and equations are built once per
call (``_Links``), not per round; what a round learnt that still holds is kept (the
readings found, each checked against the new bounds; the cycles of a table whose hidden
set did not change; the answers for a component whose values and bounds did not change);
a value's test asks for a reading that also moves the values not known yet. The integer
programs get sparse matrices built from the equations (the same matrix HiGHS was given
from the dense one). Which value to hide next, however, is a choice among equals, so it is
kept exactly: when one shown value next to the exposed one frees it at a cost below any
two (``_Reading._single_opening``: the linear relaxation of the program over its
neighbourhood bounds the cost, often with that value as its whole solution; near-ties and
every other case go to the whole program as before), it is the one the whole program
would choose. The result of ``protect_linked`` is a pure function of its inputs: it is
remembered in-process, by a digest of every input (``linked_key``), for the last 32 calls
(the hidden sets only; the values are counted again from the counts).
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

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
    depts, values = _values(counts, columns, departments)

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


def _values(
    counts: Mapping[tuple[Dept, Hashable], int],
    columns: Sequence[Hashable],
    departments: Iterable[Dept],
) -> tuple[list[Dept], dict[Key, int]]:
    """The departments of a matrix and the value of each of its cells and margins."""
    depts = sorted(set(departments) | {d for d, _c in counts}, key=lambda d: (d is None, d or 0))
    values: dict[Key, int] = {}
    get = counts.get
    column_totals = dict.fromkeys(columns, 0)
    grand = 0
    for d in depts:
        row = 0
        for c in columns:
            value = values[("cell", d, c)] = get((d, c), 0)
            row += value
            column_totals[c] += value
        values[("row", d)] = row
        grand += row
    if len(column_totals) < len(columns):  # a column named twice: each total counted once
        column_totals = {c: sum(values[("cell", d, c)] for d in depts) for c in columns}
    for c in columns:
        values[("col", c)] = column_totals[c]
    values[("grand",)] = grand
    return depts, values


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
    """Protect the tables of one report together (the rule in the module's docstring).

    The result depends on the inputs alone, so it is remembered (``_Memo``): the same
    tables protected again (a department filter, a download, a reload) are not worked out
    again.
    """
    key = linked_key(matrices, threshold)
    hidden = _memo.get(key) if key is not None else None
    if hidden is None:
        result = _protect_linked(matrices, threshold)
        if key is not None:
            _memo.put(key, tuple((name, p.hidden) for name, p in result.items()))
        return result
    out: dict[str, Protected] = {}
    for name, keys in hidden:
        m = matrices[name]
        out[name] = Protected(
            _values(m.counts, m.columns, m.departments)[1], keys, tuple(m.columns)
        )
    return out


def linked_key(matrices: Mapping[str, Matrix], threshold: int) -> bytes | None:
    """The memo's key of a ``protect_linked`` call: a digest of everything the result
    depends on, in the order given (None when some value cannot be serialised)."""
    import pickle

    data = [
        (
            name,
            tuple(m.counts.items()),
            tuple(m.columns),
            tuple(m.departments),
            None if m.people is None else tuple(m.people.items()),
            tuple(m.shared.items()),
        )
        for name, m in matrices.items()
    ]
    try:
        raw = pickle.dumps((_MEMO_VERSION, threshold, data), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(raw, digest_size=32).digest()


#: Part of every memo key: change it when a change of the algorithm changes results.
_MEMO_VERSION = 1


class _Memo:
    """The hidden sets of the last ``size`` linked protections, by ``linked_key``
    (least recently used first out); safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[bytes, tuple[tuple[str, frozenset[Key]], ...]] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: bytes) -> tuple[tuple[str, frozenset[Key]], ...] | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
                self.entries.move_to_end(key)
            return found

    def put(self, key: bytes, hidden: tuple[tuple[str, frozenset[Key]], ...]) -> None:
        with self.lock:
            self.entries[key] = hidden
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.hits = self.misses = 0


_memo = _Memo(32)


def clear_memo() -> None:
    """Forget every remembered protection (tests, benchmarks)."""
    _memo.clear()


def _protect_linked(
    matrices: Mapping[str, Matrix], threshold: int, fast: bool = True
) -> dict[str, Protected]:
    """``protect_linked`` without the memo; ``fast=False`` is the plain method (every round
    from scratch, every opening by the integer program over the whole report), for tests
    that the shortcuts change nothing."""
    extra: dict[str, set[Key]] = {name: set() for name in matrices}
    figures: set[Hashable] = set()
    done: dict[tuple[str, frozenset[Key]], Protected] = {}
    links: _Links | None = None

    def protected(name: str, m: Matrix) -> Protected:
        forced = frozenset(extra[name] | {k for k, f in m.shared.items() if f in figures})
        if (name, forced) not in done:
            done[(name, forced)] = protect(
                m.counts, m.columns, m.departments, threshold, m.people, forced=forced
            )
        return done[(name, forced)]

    while True:
        result = {name: protected(name, m) for name, m in matrices.items()}
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
        if links is None:
            links = _Links(matrices, result, fast)
        reading = _Reading(links, result, threshold)
        exposed = reading.determined()
        if exposed is None:
            return result
        more = reading.widen(exposed)
        if more is None:  # every value is hidden already
            return result
        for table, key in more:
            extra[table].add(key)
            if key in matrices[table].shared:
                figures.add(matrices[table].shared[key])


def figure_keys(
    name: Hashable, departments: Iterable[Dept], column: Hashable | None = None
) -> dict[Key, Hashable]:
    """The keys of one shared figure in every view: a table's total, or one of its columns.

    The figure is named ``(name, department)`` in a department's view and ``(name, ALL)``
    without a filter; tables showing the same figure use the same ``name``.
    """
    names: dict[Key, Hashable] = {key_of(d, column): (name, d) for d in departments}
    names[key_of(ALL, column)] = (name, ALL)
    return names


def sum_of(
    total: Hashable,
    parts: Mapping[Hashable, Hashable],
    counts: Mapping[tuple[Dept, Hashable], int],
    departments: Sequence[Dept],
) -> Matrix:
    """A table that is never shown, saying: figure ``total`` = the sum of the ``parts``.

    ``parts`` maps a column of this table to the name of the figure it stands for (a
    column of some shown table); ``counts`` are those figures per department. Every value
    of this table is a shared figure, so ``protect_linked`` reads it as an equation that
    holds in every view: e.g. the people who took part (the total of every assignment row)
    are those taking part now, completed and dropped out (three columns of the status
    table). A reader who can add up shown figures learns nothing more than it knows.
    """
    shared = figure_keys(total, departments)
    for column, name in parts.items():
        shared |= figure_keys(name, departments, column)
    return Matrix(counts, list(parts), departments, shared=shared)


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

#: The relative gap at which ``scipy.optimize.milp`` (HiGHS) stops by default, and how
#: near two costs are taken to tie (twice that, to be safe of how the gap is measured).
_GAP = 1e-4
_NEAR = 1 + 2 * _GAP

#: A value of the report: the figure it stands for (shared), or one table's own value.
_Var = tuple[Hashable, ...]
#: What the cycles of one table free: its own values, and the moves of its shared figures.
_Cycles = tuple[set[_Var], dict[_Var, dict[int, bool]]]


class _Links:
    """What stays the same in every round of ``protect_linked``: the values of the report
    as variables (a shared figure one variable), the tables' margins as equations, and
    what the rounds learnt that still holds (readings of a table, of a component)."""

    def __init__(
        self, matrices: Mapping[str, Matrix], result: Mapping[str, Protected], fast: bool
    ) -> None:
        self.matrices, self.fast = matrices, fast
        self.names: dict[str, dict[Key, _Var]] = {}
        self.where: dict[_Var, list[tuple[str, Key]]] = {}
        self.value: dict[_Var, int] = {}
        for name, m in matrices.items():
            names = self.names[name] = {}
            shared = m.shared
            for key, value in result[name].values.items():
                figure = shared.get(key)
                var: _Var = ("figure", figure) if figure is not None else ("own", name, key)
                names[key] = var
                self.where.setdefault(var, []).append((name, key))
                self.value[var] = value
        self.equations: list[list[tuple[_Var, int]]] = []
        for name, m in matrices.items():
            names = self.names[name]
            rows = [k for k in result[name].values if k[0] == "row"]
            for row in rows:
                terms = [(names[row], 1)]
                terms += [(names[("cell", row[1], c)], -1) for c in m.columns]
                self.equations.append(terms)
            for column in m.columns:
                terms = [(names[("col", column)], 1)]
                terms += [(names[("cell", r[1], column)], -1) for r in rows]
                self.equations.append(terms)
            self.equations.append([(names[("grand",)], 1), *((names[r], -1) for r in rows)])
        self.of: dict[_Var, list[int]] = {}
        for i, eq in enumerate(self.equations):
            for var, _c in eq:
                self.of.setdefault(var, []).append(i)
        self.order = sorted(self.value, key=repr)
        #: a table's protected values -> what its own cycles free (see ``determined``)
        self.tables: dict[tuple[str, frozenset[Key]], _Cycles] = {}
        #: a component (its values and their bounds) -> the values known free, not free
        self.components: dict[tuple, tuple[set[_Var], set[_Var]]] = {}
        #: readings found so far (the values that change and by how much): one stays a
        #: reading while the values it changes may still change that way
        self.readings: list[dict[_Var, int]] = []
        self._opened: dict[_Var, tuple[int, int]] | None = None

    def opened(self, threshold: int) -> dict[_Var, tuple[int, int]]:
        """The changes each value could make if it were hidden (see ``_Reading._bounds``)."""
        if self._opened is None:
            self._opened = {}
            for var, value in self.value.items():
                low, high = _bounds(value, True, threshold)
                self._opened[var] = (max(-1, int(low) - value), int(min(1, high - value)))
        return self._opened

    def var(self, name: str, key: Key) -> _Var:
        return self.names[name][key]


class _Reading:
    """Everything a reader of all the tables at once knows, as integer equations.

    Each value is a variable (a shared figure is one variable, whichever tables show it);
    each table adds its margins (row = its cells, column = its cells, grand total = the
    rows). A shown value is a constant, a hidden one lies in what its marker says. The
    question is whether a hidden value can differ from the truth in some reading that
    keeps every equation: a small integer program (``scipy.optimize.milp``, HiGHS) over
    the *changes* of the hidden values, each -1, 0 or +1. That restriction only finds
    fewer readings than a reader could, so the audit may hide a little more than needed,
    never less.
    """

    def __init__(self, links: _Links, result: Mapping[str, Protected], threshold: int) -> None:
        self.threshold = threshold
        self.links = links
        self.matrices, self.result = links.matrices, result
        self.where, self.value = links.where, links.value
        self.equations, self.of = links.equations, links.of
        hidden = {
            links.var(name, key)
            for name, p in result.items()
            for key in p.hidden
            if key in p.values
        }
        opened, shut = links.opened(threshold), (0, 0)  # a shown value cannot change
        self.bounds = {var: opened[var] if var in hidden else shut for var in self.value}

    def var(self, m: Matrix, name: str, key: Key) -> _Var:
        return self.links.var(name, key)

    def _bounds(self, var: _Var, hidden: bool) -> tuple[int, int]:
        """The changes of a value that agree with what the page shows (within -1..1)."""
        value = self.value[var]
        low, high = _bounds(value, hidden, self.threshold)
        return max(-1, int(low) - value), int(min(1, high - value))

    def component(self, start: _Var, bounds: Mapping[_Var, tuple[int, int]]) -> _Component:
        """The values that can move together with ``start`` (linked by equations)."""
        seen, todo, equations = {start}, [start], set()
        while todo:
            for e in self.of.get(todo.pop(), []):
                if e in equations:
                    continue
                equations.add(e)
                for var, _c in self.equations[e]:
                    if var not in seen and bounds[var] != (0, 0):
                        seen.add(var)
                        todo.append(var)
        return _Component(
            sorted(seen, key=repr), [self.equations[e] for e in sorted(equations)], bounds
        )

    def determined(self) -> _Var | None:
        """A hidden value that every reading of all the tables gives away, or None.

        Most hidden values can change inside their own table with every shared figure kept
        (a cycle of the table, as in ``_determined``): the other tables then read as they
        are. Only the others need the integer program over all the tables.
        """
        known_free: set[_Var] = set()
        # shared figure -> direction -> whether each table showing it so far can follow
        follows: dict[_Var, dict[int, bool]] = {}
        for name, m in self.matrices.items():
            own, moves_of = self._table_cycles(name, m)
            known_free |= own
            for var, moves in moves_of.items():
                # a shared figure moves when every table showing it can make the same move
                mine = follows.setdefault(var, {1: True, -1: True})
                for direction, ok in moves.items():
                    mine[direction] = mine[direction] and ok
        known_free |= {var for var, ok in follows.items() if ok[1] or ok[-1]}
        bounds = self.bounds
        for reading in self.links.readings if self.links.fast else ():
            if all(bounds[v][0] <= d <= bounds[v][1] for v, d in reading.items()):
                known_free |= reading.keys()
        # what the rounds before learnt of a component with the same values and bounds
        learnt = self.links.components if self.links.fast else {}
        components: dict[_Var, tuple[_Component, set[_Var], set[_Var]]] = {}
        for var in self.links.order:
            if var in known_free or self.bounds[var] == (0, 0):
                continue
            if var not in components:
                component = self.component(var, self.bounds)
                signature = (tuple(component.vars), tuple(map(self.bounds.get, component.vars)))
                if signature not in learnt:
                    free: set[_Var] = set()
                    # two readings that move as much as they can: most values are free in
                    # one (the fast method does without: the readings of earlier rounds and
                    # of each value's own test are cheaper than the two larger programs)
                    for reading in component.spread() if not self.links.fast else ():
                        free |= self._keep(reading)
                    learnt[signature] = (free, set())
                free, stuck = learnt[signature]
                components.update(dict.fromkeys(component.vars, (component, free, stuck)))
            component, free, stuck = components[var]
            if var in free:
                continue
            if var in stuck:
                return var
            towards = [v for v in component.vars if v not in free and v not in known_free]
            changes = component.free(var, towards if self.links.fast else ())
            if changes is None:
                stuck.add(var)
                return var
            free |= self._keep(changes)
        return None

    def _keep(self, reading: Mapping[_Var, int]) -> set[_Var]:
        """Remember a reading for the rounds to come; the values it changes."""
        moved = {v: d for v, d in reading.items() if d}
        if moved:
            self.links.readings.append(moved)
        return set(moved)

    def _table_cycles(self, name: str, m: Matrix) -> _Cycles:
        """What cycles of one table with every shared figure kept can move: its own hidden
        values that can change, and per shared hidden figure the directions it can."""
        p = self.result[name]
        memo = (name, p.hidden)
        if self.links.fast and memo in self.links.tables:
            return self.links.tables[memo]
        own: set[_Var] = set()
        moves_of: dict[_Var, dict[int, bool]] = {}
        arcs, residual, slack = _residual(p.values, set(p.hidden), self.threshold)
        fixed = set(m.shared)
        residual = {
            node: [(nxt, key) for nxt, key in steps if key not in fixed]
            for node, steps in residual.items()
        }
        for key, tail, head in arcs:
            if key not in p.hidden or not p.values[key]:
                continue
            var = self.var(m, name, key)
            up, down = slack[key]
            moves = {
                1: up and _reaches(head, tail, residual, key),
                -1: down and _reaches(tail, head, residual, key),
            }
            if key not in fixed:
                if moves[1] or moves[-1]:
                    own.add(var)
                continue
            moves_of[var] = moves
        self.links.tables[memo] = (own, moves_of)
        return own, moves_of

    def widen(self, exposed: _Var) -> list[tuple[str, Key]] | None:
        """The values to hide next (in every table showing them), so that ``exposed`` is no
        longer given away: the cheapest set that lets it change (an integer program that
        chooses which shown values to open), cells before totals, the grand total last,
        a table's own values before shared figures (a shared one is hidden everywhere)."""
        rank = {"cell": 1, "row": 4, "col": 4, "grand": 16}

        def cost(v: _Var) -> float:
            key = self.where[v][0][1]
            return rank[str(key[0])] * (3 if v[0] == "figure" else 1) + self.value[v] / 1e4

        single = self._single_opening(exposed, cost) if self.links.fast else None
        if single is not None:
            return list(self.where[single])
        opened = {v: self._bounds(v, True) for v in self.value}
        reach = self.component(exposed, opened).vars
        shown = [v for v in reach if self.bounds[v] == (0, 0) and opened[v] != (0, 0)]
        if not shown:
            return None
        chosen = _cheapest_opening(
            reach, shown, self.equations, self.of, self.bounds, opened, exposed, cost
        )
        if not chosen:  # nothing frees it (cannot happen while values are shown): any one
            chosen = [min(shown, key=cost)]
        return [where for v in chosen for where in self.where[v]]

    def _single_opening(self, exposed: _Var, cost: Callable[[_Var], float]) -> _Var | None:
        """The one shown value that ``_cheapest_opening`` would choose, found without its
        integer program over the whole report, or None when that is not certain.

        Every value costs at least 1, so when opening one shown value costing less than 2
        frees ``exposed``, no set of two or more is cheaper. Only a value in an equation of
        the values that move with ``exposed`` can free it alone. The linear relaxation of
        the program over just those values and what moves with them bounds the cost from
        below; when its solution is whole and opens one value (checked exactly), that value
        is the cheapest, otherwise the values from the bound up are tried cheapest first,
        one small integer program each. The answer is certain when no other value that
        frees it costs nearly as much (within the whole program's relative gap, so that its
        choice among near-ties is not guessed; those are tried too): otherwise None, and
        the caller solves the whole program as before.
        """
        here = self.component(exposed, self.bounds)
        near = sorted(
            {
                var
                for e in {e for v in here.vars for e in self.of.get(v, [])}
                for var, _c in self.equations[e]
                if self.bounds[var] == (0, 0) and self._bounds(var, True) != (0, 0)
            },
            key=lambda v: (cost(v), repr(v)),
        )
        if not near:
            return None
        opened = {**self.bounds, **{v: self._bounds(v, True) for v in near}}
        reach = self.component(exposed, opened).vars
        program = _Opening(reach, near, self.equations, self.of, self.bounds, opened, cost)
        relaxed = {d: program.relaxed(exposed, d) for d in (1, -1)}
        floors = {d: r[0] for d, r in relaxed.items() if r is not None}
        two = 2 / _NEAR - 1e-9  # below this, one value is clearly cheaper than any two
        best: dict[int, tuple[_Var, float]] = {}
        at_least: dict[int, float] = {}  # a direction without a choice: its cost is at least
        for direction in sorted(floors, key=floors.__getitem__):
            floor, whole = relaxed[direction] or (0.0, None)
            if best and floor > min(b[1] for b in best.values()) * _NEAR + 1e-9:
                at_least[direction] = floor  # dearer than the choice already made
                continue
            found: tuple[_Var, float] | None = None
            if whole is not None and cost(whole[0]) < two:
                # the relaxation's least cost is reached by opening one value: the cheapest
                found = (whole[0], cost(whole[0]))
                self._keep(whole[1])  # a reading once it is hidden
            at_least[direction] = two
            for v in near:
                price = cost(v)
                if price < floor - 1e-7 or (found is not None and v == found[0]):
                    continue  # the relaxation says it cannot be enough (or it is the one)
                if found is None and price >= two:
                    break
                if found is not None and price > found[1] * _NEAR + 1e-9:
                    break
                moving = self.component(exposed, {**self.bounds, v: opened[v]})
                reading = moving.moves(exposed, direction)
                if reading is None:
                    continue
                self._keep(reading)  # a reading once ``v`` is hidden
                if found is not None:
                    return None  # near-ties: let the whole program choose as before
                found = (v, price)
            if found is not None:
                best[direction] = found
                del at_least[direction]
        if not best:
            return None
        chosen, price = min(best.values(), key=lambda b: b[1])
        if any(v != chosen and c <= price * _NEAR + 1e-9 for v, c in best.values()):
            return None  # the two directions nearly tie with different values
        if any(low <= price * _NEAR + 1e-9 for low in at_least.values()):
            return None
        return chosen


def _cheapest_opening(
    reach: list[_Var],
    shown: list[_Var],
    equations: list[list[tuple[_Var, int]]],
    of: Mapping[_Var, list[int]],
    bounds: Mapping[_Var, tuple[int, int]],
    opened: Mapping[_Var, tuple[int, int]],
    exposed: _Var,
    cost: Callable[[_Var], float],
) -> list[_Var]:
    """The shown values of least total ``cost`` whose hiding lets ``exposed`` change."""
    program = _Opening(reach, shown, equations, of, bounds, opened, cost)
    best: list[_Var] | None = None
    best_cost = float("inf")
    for direction in (1, -1):
        found = program.solve(exposed, direction)
        if found is not None and found[1] < best_cost:
            best, best_cost = found
    return best or []


class _Opening:
    """The integer program of ``_cheapest_opening``: the changes of the values in ``reach``
    and one gate per ``shown`` value (1: it is hidden too, at its ``cost``)."""

    def __init__(
        self,
        reach: list[_Var],
        shown: list[_Var],
        equations: list[list[tuple[_Var, int]]],
        of: Mapping[_Var, list[int]],
        bounds: Mapping[_Var, tuple[int, int]],
        opened: Mapping[_Var, tuple[int, int]],
        cost: Callable[[_Var], float],
    ) -> None:
        import numpy as np

        n = len(reach)
        self.shown = shown
        self.index = index = {v: i for i, v in enumerate(reach)}
        self.gate = gate = {v: n + j for j, v in enumerate(shown)}
        self.size = n + len(shown)
        rows = sorted({e for v in reach for e in of.get(v, [])})
        self.rows = [[(var, c) for var, c in equations[e] if var in index] for e in rows]
        entries: list[tuple[int, int, float]] = []
        for r, e in enumerate(rows):
            entries += [(r, index[var], c) for var, c in equations[e] if var in index]
        r = len(rows)
        count = len(rows) + 2 * len(shown)
        self.lower = np.zeros(count)
        self.upper = np.zeros(count)
        for v in shown:  # the change of a shown value is 0 unless it is opened
            lo, hi = opened[v]
            entries += [(r, index[v], 1), (r, gate[v], -hi), (r + 1, index[v], 1)]
            entries.append((r + 1, gate[v], -lo))
            self.lower[r], self.upper[r] = -np.inf, 0
            self.lower[r + 1], self.upper[r + 1] = 0, np.inf
            r += 2
        self.count = count
        self.matrix = _sparse(entries, count, self.size)
        self.low = np.array([*(min(bounds[v][0], opened[v][0]) for v in reach), *[0] * len(shown)])
        self.high = np.array([*(max(bounds[v][1], opened[v][1]) for v in reach), *[1] * len(shown)])
        self.objective = np.array([*[0.0] * n, *(cost(v) for v in shown)])

    def relaxed(
        self, exposed: _Var, direction: int
    ) -> tuple[float, tuple[_Var, dict[_Var, int]] | None] | None:
        """The least cost with fractional gates and changes (a lower bound), or None when
        even that has no solution; with it, when that solution is whole and opens one
        value, the value and the reading (checked here exactly, equation by equation)."""
        import numpy as np

        run = self._run(exposed, direction, whole=False)
        if run is None:
            return None
        found, lo_, hi_ = run
        if found.status != 0 or found.fun is None or found.x is None:
            return None
        x = np.round(found.x)
        if np.abs(found.x - x).max() > 1e-6:
            return float(found.fun), None
        gates = [v for v in self.shown if x[self.gate[v]] == 1]
        reading = {v: int(x[j]) for v, j in self.index.items() if x[j]}
        if len(gates) != 1 or any(v in self.gate and v not in gates for v in reading):
            return float(found.fun), None
        if any(not lo_[j] <= x[j] <= hi_[j] for j in self.index.values()):
            return float(found.fun), None
        if any(sum(c * reading.get(v, 0) for v, c in eq) for eq in self.rows):
            return float(found.fun), None
        return float(found.fun), (gates[0], reading)

    def _run(self, exposed: _Var, direction: int, *, whole: bool) -> tuple[Any, Any, Any] | None:
        """The program with ``exposed`` changed by ``direction`` (None when its bounds forbid
        that): HiGHS's answer and the bounds it ran with; ``whole``: integers, else relaxed."""
        import numpy as np

        from learnpath.reports.highs import milp

        i = self.index[exposed]
        if not self.low[i] <= direction <= self.high[i]:
            return None
        lo_, hi_ = self.low.copy(), self.high.copy()
        lo_[i] = hi_[i] = direction
        found = milp(
            self.objective,
            self.matrix,
            self.count,
            self.lower,
            self.upper,
            lo_,
            hi_,
            np.ones(self.size) if whole else np.zeros(self.size),
        )
        return found, lo_, hi_

    def solve(self, exposed: _Var, direction: int) -> tuple[list[_Var], float] | None:
        """The cheapest gates letting ``exposed`` change by ``direction`` and their cost
        (as HiGHS finds them, within its default gap), or None when there are none."""
        run = self._run(exposed, direction, whole=True)
        if run is None:
            return None
        found = run[0]
        if found.status == 0 and found.x is not None:
            return [v for v in self.shown if found.x[self.gate[v]] > 0.5], float(found.fun)
        return None


def _sparse(entries: list[tuple[int, int, float]], rows: int, columns: int) -> tuple[Any, Any, Any]:
    """The matrix with these (row, column, coefficient) entries, repeated ones added up, in
    the canonical sparse form (sorted, no explicit zeros): exactly what a dense matrix of
    the same values becomes in ``milp``, built without the dense one (and without
    scipy.sparse: ``highs.csc``)."""
    from learnpath.reports.highs import csc

    return csc(entries, rows, columns)


class _Component:
    """Values that move together, their equations as a matrix, and readings of them."""

    def __init__(
        self,
        variables: list[_Var],
        equations: list[list[tuple[_Var, int]]],
        bounds: Mapping[_Var, tuple[int, int]],
    ) -> None:
        import numpy as np

        self.vars = variables
        self.index = {v: i for i, v in enumerate(variables)}
        self.equations = equations
        self.low = np.array([bounds[v][0] for v in variables], dtype=float)
        self.high = np.array([bounds[v][1] for v in variables], dtype=float)

    @cached_property
    def matrix(self) -> tuple[Any, Any, Any]:
        """The equations as a sparse matrix (built when a reading is first asked for)."""
        index = self.index
        return _sparse(
            [(r, index[v], c) for r, eq in enumerate(self.equations) for v, c in eq if v in index],
            len(self.equations),
            len(self.vars),
        )

    def spread(self) -> list[dict[_Var, int]]:
        """Two readings that push the values one way and the other (a fixed pseudo-random
        weight each, so that the result is repeatable)."""
        from learnpath.reports.highs import milp

        weights = [1.0 + zlib.crc32(repr(v).encode()) % 997 / 997 for v in self.vars]
        readings = []
        for sign in (1.0, -1.0):
            found = milp(
                [sign * w for w in weights],
                self.matrix,
                len(self.equations),
                0,
                0,
                self.low,
                self.high,
                [1] * len(self.vars),
            )
            if found.status == 0 and found.x is not None:
                readings.append({v: int(round(found.x[j])) for v, j in self.index.items()})
        return readings

    def free(self, var: _Var, towards: Iterable[_Var] = ()) -> dict[_Var, int] | None:
        """A reading in which ``var`` changes (the change of each value), or None; one that
        also moves as many of ``towards`` as it can (each pushed one fixed way), so that
        one program answers for many values."""
        for direction in (1, -1):
            reading = self.moves(var, direction, towards)
            if reading is not None:
                return reading
        return None

    def moves(
        self, var: _Var, direction: int, towards: Iterable[_Var] = ()
    ) -> dict[_Var, int] | None:
        """A reading in which ``var`` changes by ``direction`` (+1 or -1), or None."""
        from learnpath.reports.highs import milp

        i = self.index[var]
        if not self.low[i] <= direction <= self.high[i]:
            return None
        objective = [0.0] * len(self.vars)
        for v in towards:  # a fixed pseudo-random way and weight each (repeatable)
            crc = zlib.crc32(repr(v).encode())
            objective[self.index[v]] = (1.0 + crc % 997 / 997) * (1 if crc & 1024 else -1)
        low, high = self.low.copy(), self.high.copy()
        low[i] = high[i] = direction
        found = milp(
            objective,
            self.matrix,
            len(self.equations),
            0,
            0,
            low,
            high,
            [1] * len(self.vars),
        )
        if found.status == 0 and found.x is not None:
            return {v: int(round(found.x[j])) for v, j in self.index.items()}
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
    arcs, residual, slack = _residual(values, hidden, threshold)
    ends = {key: (tail, head) for key, tail, head in arcs}
    for key in candidates:
        # the residual graph with ``key`` hidden too: its arcs added for the test
        tail, head = ends[key]
        low, high = _bounds(values[key], True, threshold)
        added = []
        if values[key] < high:
            added.append((tail, (head, key)))
        if values[key] > low:
            added.append((head, (tail, key)))
        for node, step in added:
            residual.setdefault(node, []).append(step)
        movable = _movable(exposed, residual, slack)
        for node, _step in added:
            residual[node].pop()
        if movable:
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
