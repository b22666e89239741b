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
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
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
    done: dict[tuple[str, frozenset[Key]], Protected] = {}

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
        reading = _Reading(matrices, result, threshold)
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

#: A value of the report: the figure it stands for (shared), or one table's own value.
_Var = tuple[Hashable, ...]


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

    def __init__(
        self, matrices: Mapping[str, Matrix], result: Mapping[str, Protected], threshold: int
    ) -> None:
        self.threshold = threshold
        self.matrices, self.result = matrices, result
        self.where: dict[_Var, list[tuple[str, Key]]] = {}
        self.value: dict[_Var, int] = {}
        hidden: set[_Var] = set()
        for name, m in matrices.items():
            p = result[name]
            for key, value in p.values.items():
                var = self.var(m, name, key)
                self.where.setdefault(var, []).append((name, key))
                self.value[var] = value
                if key in p.hidden:
                    hidden.add(var)
        self.equations: list[list[tuple[_Var, int]]] = []
        for name, m in matrices.items():
            values = result[name].values
            rows = [k for k in values if k[0] == "row"]
            for row in rows:
                cells = [("cell", row[1], c) for c in m.columns]
                self.equations.append(self._sum(m, name, row, cells))
            for column in m.columns:
                cells = [("cell", r[1], column) for r in rows]
                self.equations.append(self._sum(m, name, ("col", column), cells))
            self.equations.append(self._sum(m, name, ("grand",), rows))
        self.bounds = {var: self._bounds(var, var in hidden) for var in self.value}
        self.of: dict[_Var, list[int]] = {}
        for i, eq in enumerate(self.equations):
            for var, _c in eq:
                self.of.setdefault(var, []).append(i)

    @staticmethod
    def var(m: Matrix, name: str, key: Key) -> _Var:
        figure = m.shared.get(key)
        return ("figure", figure) if figure is not None else ("own", name, key)

    def _sum(
        self, m: Matrix, name: str, total: Key, parts: Sequence[Key]
    ) -> list[tuple[_Var, int]]:
        terms = [(self.var(m, name, total), 1)]
        return terms + [(self.var(m, name, part), -1) for part in parts]

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
            p = self.result[name]
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
                        known_free.add(var)
                    continue
                # a shared figure moves when every table showing it can make the same move
                mine = follows.setdefault(var, {1: True, -1: True})
                for direction, ok in moves.items():
                    mine[direction] = mine[direction] and ok
        known_free |= {var for var, ok in follows.items() if ok[1] or ok[-1]}
        components: dict[_Var, _Component] = {}
        for var in sorted(self.value, key=repr):
            if var in known_free or self.bounds[var] == (0, 0):
                continue
            if var not in components:
                component = self.component(var, self.bounds)
                components.update(dict.fromkeys(component.vars, component))
                # two readings that move as much as they can: most values are free in one
                for reading in component.spread():
                    known_free |= {v for v, d in reading.items() if d}
                if var in known_free:
                    continue
            changes = components[var].free(var)
            if changes is None:
                return var
            known_free |= {v for v, d in changes.items() if d}
        return None

    def widen(self, exposed: _Var) -> list[tuple[str, Key]] | None:
        """The values to hide next (in every table showing them), so that ``exposed`` is no
        longer given away: the cheapest set that lets it change (an integer program that
        chooses which shown values to open), cells before totals, the grand total last,
        a table's own values before shared figures (a shared one is hidden everywhere)."""
        opened = {v: self._bounds(v, True) for v in self.value}
        reach = self.component(exposed, opened).vars
        shown = [v for v in reach if self.bounds[v] == (0, 0) and opened[v] != (0, 0)]
        if not shown:
            return None
        rank = {"cell": 1, "row": 4, "col": 4, "grand": 16}

        def cost(v: _Var) -> float:
            key = self.where[v][0][1]
            return rank[str(key[0])] * (3 if v[0] == "figure" else 1) + self.value[v] / 1e4

        chosen = _cheapest_opening(
            reach, shown, self.equations, self.of, self.bounds, opened, exposed, cost
        )
        if not chosen:  # nothing frees it (cannot happen while values are shown): any one
            chosen = [min(shown, key=cost)]
        return [where for v in chosen for where in self.where[v]]


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
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(reach)
    index = {v: i for i, v in enumerate(reach)}
    gate = {v: n + j for j, v in enumerate(shown)}
    size = n + len(shown)
    rows = sorted({e for v in reach for e in of.get(v, [])})
    a = np.zeros((len(rows) + 2 * len(shown), size))
    lower = np.zeros(len(rows) + 2 * len(shown))
    upper = np.zeros(len(rows) + 2 * len(shown))
    for r, e in enumerate(rows):
        for var, c in equations[e]:
            if var in index:
                a[r, index[var]] += c
    r = len(rows)
    for v in shown:  # the change of a shown value is 0 unless it is opened
        lo, hi = opened[v]
        a[r, index[v]], a[r, gate[v]], lower[r], upper[r] = 1, -hi, -np.inf, 0
        a[r + 1, index[v]], a[r + 1, gate[v]], lower[r + 1], upper[r + 1] = 1, -lo, 0, np.inf
        r += 2
    low = np.array([*(min(bounds[v][0], opened[v][0]) for v in reach), *[0] * len(shown)])
    high = np.array([*(max(bounds[v][1], opened[v][1]) for v in reach), *[1] * len(shown)])
    objective = np.array([*[0.0] * n, *(cost(v) for v in shown)])
    best: list[_Var] | None = None
    best_cost = np.inf
    for direction in (1, -1):
        i = index[exposed]
        if not low[i] <= direction <= high[i]:
            continue
        lo_, hi_ = low.copy(), high.copy()
        lo_[i] = hi_[i] = direction
        found = milp(
            objective,
            constraints=LinearConstraint(a, lower, upper),
            integrality=np.ones(size),
            bounds=Bounds(lo_, hi_),
        )
        if found.status == 0 and found.x is not None and found.fun < best_cost:
            best_cost = found.fun
            best = [v for v in shown if found.x[gate[v]] > 0.5]
    return best or []


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
        self.matrix = np.zeros((len(equations), len(variables)))
        for r, eq in enumerate(equations):
            for var, c in eq:
                if var in self.index:
                    self.matrix[r, self.index[var]] += c
        self.low = np.array([bounds[v][0] for v in variables], dtype=float)
        self.high = np.array([bounds[v][1] for v in variables], dtype=float)

    def spread(self) -> list[dict[_Var, int]]:
        """Two readings that push the values one way and the other (a fixed pseudo-random
        weight each, so that the result is repeatable)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        weights = [1.0 + zlib.crc32(repr(v).encode()) % 997 / 997 for v in self.vars]
        readings = []
        for sign in (1.0, -1.0):
            found = milp(
                [sign * w for w in weights],
                constraints=LinearConstraint(self.matrix, 0, 0),
                integrality=[1] * len(self.vars),
                bounds=Bounds(self.low, self.high),
            )
            if found.status == 0 and found.x is not None:
                readings.append({v: int(round(found.x[j])) for v, j in self.index.items()})
        return readings

    def free(self, var: _Var) -> dict[_Var, int] | None:
        """A reading in which ``var`` changes (the change of each value), or None."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        i = self.index[var]
        for direction in (1, -1):
            if not self.low[i] <= direction <= self.high[i]:
                continue
            low, high = self.low.copy(), self.high.copy()
            low[i] = high[i] = direction
            found = milp(
                [0.0] * len(self.vars),
                constraints=LinearConstraint(self.matrix, 0, 0),
                integrality=[1] * len(self.vars),
                bounds=Bounds(low, high),
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
