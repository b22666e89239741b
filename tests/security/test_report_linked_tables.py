"""The tables of one report are protected together (issue 16 point 7, linked tables).

Several tables show the same figure (a department's registrations in the status table and
in the cohorts table, "dropped out" and the total of the drop-out table, ...). The property
test generates small reports of three linked tables and proves, by an independent
exhaustive search over all the tables at once, that no hidden value of any table can be
worked out from every value shown in every table and every department view.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.reports.anonymity import (
    ALL,
    Key,
    Matrix,
    Protected,
    figure_keys,
    key_of,
    protect,
    protect_linked,
    sum_of,
)
from tests.security.suppression_search import cells_of, find_change, known_ranges

STATUS = ("waitlisted", "dropped_out", "other")
COHORTS = ("g1", "g2")
REASONS = ("r1", "r2")


def _figure(name: str, depts: list, column: Hashable | None = None) -> dict[Key, Hashable]:
    names: dict[Key, Hashable] = {key_of(d, column): (name, d) for d in depts}
    names[key_of(ALL, column)] = (name, ALL)
    return names


def _matrices(
    status: Mapping[tuple, int], cohorts: Mapping[tuple, int], reasons: Mapping[tuple, int], depts
) -> dict[str, Matrix]:
    """The status, cohorts and drop-out tables of a report, as the Builder links them."""
    return {
        "status": Matrix(
            status,
            STATUS,
            depts,
            shared=_figure("registrations", depts) | _figure("dropped_out", depts, "dropped_out"),
        ),
        "cohorts": Matrix(cohorts, COHORTS, depts, shared=_figure("registrations", depts)),
        "dropout": Matrix(reasons, REASONS, depts, shared=_figure("dropped_out", depts)),
    }


# -- the independent search -----------------------------------------------------------------


#: An equation between shown values: (table, key) = the sum of [(table, key), ...].
Sum = tuple[tuple[str, Key], list[tuple[str, Key]]]


def _can_change(
    table: str,
    key: Key,
    result: Mapping[str, Protected],
    matrices: Mapping[str, Matrix],
    depts: list,
    threshold: int,
    sums: list[Sum] = (),  # type: ignore[assignment]
) -> bool:
    """Whether another set of tables agrees with everything shown and differs in ``key``.

    Every cell of every table may change by -1, 0 or +1; each shown value (and each marker)
    must still hold, values that stand for the same figure must stay equal, and each sum
    must still add up.
    """
    cells = [
        (name, ("cell", d, c)) for name, m in matrices.items() for d in depts for c in m.columns
    ]
    truth = {(name, k): v for name, p in result.items() for k, v in p.values.items()}
    known = {
        (name, k): r for name, p in result.items() for k, r in known_ranges(p, threshold).items()
    }
    members = {
        (name, k): [(name, c) for c in cells_of(k, depts, tuple(m.columns))]
        for name, m in matrices.items()
        for k in result[name].values
    }
    figures: dict[Hashable, list[tuple[str, Key]]] = {}
    for name, m in matrices.items():
        for k, figure in m.shared.items():
            figures.setdefault(figure, []).append((name, k))
    links = [group for group in figures.values() if len(group) > 1]
    steps = {
        cell: [s for s in (0, 1, -1) if known[cell][0] <= truth[cell] + s <= known[cell][1]]
        for cell in cells
    }
    target = members[(table, key)]
    delta: dict[tuple[str, Key], int] = {}

    def bounds(of: tuple[str, Key]) -> tuple[int, int]:
        parts = members[of]
        return (
            sum(delta.get(m, min(steps[m])) for m in parts),
            sum(delta.get(m, max(steps[m])) for m in parts),
        )

    def possible(final: bool) -> bool:
        for of, (low, high) in known.items():
            least, most = bounds(of)
            if truth[of] + least > high or truth[of] + most < low:
                return False
        for group in links:
            ranges = [bounds(of) for of in group]
            if max(r[0] for r in ranges) > min(r[1] for r in ranges):
                return False
        for total, parts in sums:
            # the change of the total must be one the parts can make together
            least, most = bounds(total)
            ranges = [bounds(part) for part in parts]
            change = sum(truth[p] for p in parts) - truth[total]
            if least > change + sum(r[1] for r in ranges) or most < change + sum(
                r[0] for r in ranges
            ):
                return False
        return not final or sum(delta[m] for m in target) != 0

    return find_change(cells, steps, delta, possible, target)


def assert_nothing_recoverable(result, matrices, depts, threshold, sums=()) -> None:
    """No hidden value of a shown table (``matrices``; tables never shown are left out of
    ``matrices``) can be worked out from all of them and the ``sums`` between them."""
    result = {name: p for name, p in result.items() if name in matrices}
    for name, p in result.items():
        for key in sorted(p.hidden, key=repr):
            if p.values[key] and not _can_change(
                name, key, result, matrices, depts, threshold, list(sums)
            ):
                shown = {n: sorted(q.hidden, key=repr) for n, q in result.items()}
                raise AssertionError(f"{name} {key} = {p.values[key]} is given away: {shown}")


def assert_linked_figures_agree(result, matrices) -> None:
    """A figure is hidden in every table that shows it, or in none."""
    seen: dict[Hashable, bool] = {}
    for name, m in matrices.items():
        for key, figure in m.shared.items():
            if result[name].values.get(key, 0):
                hidden = key in result[name].hidden
                assert seen.setdefault(figure, hidden) == hidden, (figure, name)


@st.composite
def reports(draw: st.DrawFn) -> tuple[dict, dict, dict, list, int]:
    threshold = 5
    depts: list = list(range(draw(st.integers(1, 2))))
    value = st.one_of(st.integers(0, 6), st.integers(0, 12))
    status, cohorts, reasons = {}, {}, {}
    for d in depts:
        for c in STATUS:
            status[(d, c)] = draw(value)
        total = sum(status[(d, c)] for c in STATUS)
        first = draw(st.integers(0, total))
        cohorts[(d, "g1")], cohorts[(d, "g2")] = first, total - first
        dropped = status[(d, "dropped_out")]
        first = draw(st.integers(0, dropped))
        reasons[(d, "r1")], reasons[(d, "r2")] = first, dropped - first
    return status, cohorts, reasons, depts, threshold


@settings(max_examples=100, deadline=None, derandomize=True)
@given(reports())
def test_no_hidden_value_of_any_table_can_be_worked_out_from_all_tables(case):
    status, cohorts, reasons, depts, threshold = case
    matrices = _matrices(status, cohorts, reasons, depts)
    result = protect_linked(matrices, threshold)
    for (d, c), value in status.items():
        if 0 < value < threshold:
            assert result["status"].cell(d, c) is None
    assert_linked_figures_agree(result, matrices)
    assert_nothing_recoverable(result, matrices, depts, threshold)


@st.composite
def reports_with_a_sum(draw: st.DrawFn) -> tuple[dict, dict, list, int]:
    """A status table and an assignment table whose participants (its total) are two of the
    status columns added up, as in the HR report (took part = ... + dropped out)."""
    threshold = 5
    depts: list = list(range(draw(st.integers(1, 2))))
    value = st.one_of(st.integers(0, 6), st.integers(0, 12))
    status, assignment = {}, {}
    for d in depts:
        for c in STATUS:
            status[(d, c)] = draw(value)
        took = status[(d, "dropped_out")] + status[(d, "other")]
        done = draw(st.integers(0, took))
        assignment[(d, "done")], assignment[(d, "not")] = done, took - done
    return status, assignment, depts, threshold


def _with_a_sum(status: Mapping, assignment: Mapping, depts: list) -> dict[str, Matrix]:
    return {
        "status": Matrix(
            status,
            STATUS,
            depts,
            shared=figure_keys("dropped_out", depts, "dropped_out")
            | figure_keys("other", depts, "other"),
        ),
        "assignment": Matrix(
            assignment, ("done", "not"), depts, shared=figure_keys("took_part", depts)
        ),
    }


def _the_sum(depts: list) -> list[Sum]:
    """The equation as a reader sees it, in every view: assignment total = two status columns."""
    return [
        (
            ("assignment", key_of(v)),
            [("status", key_of(v, "dropped_out")), ("status", key_of(v, "other"))],
        )
        for v in (*depts, ALL)
    ]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(reports_with_a_sum())
def test_no_hidden_value_can_be_worked_out_from_a_sum_of_figures(case):
    status, assignment, depts, threshold = case
    shown = _with_a_sum(status, assignment, depts)
    took = {k: v for k, v in status.items() if k[1] in ("dropped_out", "other")}
    parts = {"dropped_out": "dropped_out", "other": "other"}
    result = protect_linked({**shown, "sum": sum_of("took_part", parts, took, depts)}, threshold)
    assert_linked_figures_agree(result, shown)
    assert_nothing_recoverable(result, shown, depts, threshold, _the_sum(depts))


def test_a_small_status_column_is_not_given_away_by_the_participants_total():
    """20 dropped out ("hidden"), 3 others ("< 5"), 23 participants shown in the assignment
    table: 23 - 20 = 3 until the sum is an equation of the protection."""
    depts = [None]
    status = {(None, "waitlisted"): 6, (None, "dropped_out"): 20, (None, "other"): 3}
    assignment = {(None, "done"): 11, (None, "not"): 12}
    shown = _with_a_sum(status, assignment, depts)
    without = protect_linked(shown, 5)
    assert without["assignment"].total(ALL) == 23  # shown: with the status table, 3 is known
    with pytest.raises(AssertionError, match="given away"):
        assert_nothing_recoverable(without, shown, depts, 5, _the_sum(depts))
    took = {k: v for k, v in status.items() if k[1] != "waitlisted"}
    parts = {"dropped_out": "dropped_out", "other": "other"}
    result = protect_linked({**shown, "sum": sum_of("took_part", parts, took, depts)}, 5)
    assert result["status"].cell(ALL, "other") is None
    assert_nothing_recoverable(result, shown, depts, 5, _the_sum(depts))


# -- the examples -----------------------------------------------------------------------------

#: Department 1 has 9 registrations: 1 on a waitlist, 4 dropped out, 4 otherwise. The status
#: table hides its row ("hidden", a complement), but the cohorts table, protected on its own,
#: showed 9 (2 + 7, the 2 hidden with a complement of its own).
STATUS_1 = {(1, "waitlisted"): 1, (1, "dropped_out"): 4, (1, "other"): 4}
STATUS_1 |= {(2, "waitlisted"): 6, (2, "dropped_out"): 12, (2, "other"): 4}
STATUS_1 |= {(3, "waitlisted"): 0, (3, "dropped_out"): 9, (3, "other"): 0}
COHORTS_1 = {(1, "g1"): 2, (1, "g2"): 7, (2, "g1"): 4, (2, "g2"): 18, (3, "g1"): 9, (3, "g2"): 0}


def test_a_department_hidden_in_the_status_table_is_hidden_in_the_cohorts_table_too():
    depts = [1, 2, 3]
    reasons = {(d, "r1"): STATUS_1[(d, "dropped_out")] for d in depts}
    # protected one table at a time, the two tables disagreed: the leak
    alone = protect(STATUS_1, STATUS, depts, 5), protect(COHORTS_1, COHORTS, depts, 5)
    assert alone[0].total(1) is None and alone[1].total(1) == 9
    matrices = _matrices(STATUS_1, COHORTS_1, reasons, depts)
    result = protect_linked(matrices, 5)
    assert result["status"].total(1) is None
    assert result["cohorts"].total(1) is None
    assert_linked_figures_agree(result, matrices)


def test_dropped_out_hidden_in_the_status_table_is_hidden_in_the_dropout_table():
    """2 drop-outs ("< 5" in the status table) were the plain total of the drop-out table."""
    depts = [None]
    status = {(None, "waitlisted"): 0, (None, "dropped_out"): 2, (None, "other"): 20}
    reasons = {(None, "r1"): 0, (None, "r2"): 2}
    cohorts = {(None, "g1"): 22, (None, "g2"): 0}
    assert protect(reasons, REASONS, depts, 5).total(ALL) is None  # the table alone: hidden
    matrices = _matrices(status, cohorts, reasons, depts)
    result = protect_linked(matrices, 5)
    assert result["status"].cell(ALL, "dropped_out") is None
    assert result["dropout"].total(ALL) is None
    assert_linked_figures_agree(result, matrices)
    assert_nothing_recoverable(result, matrices, depts, 5)


def test_the_hr_dashboard_shows_each_shared_figure_alike_in_every_table(org):
    """Through the service the views use: in every view, a figure that two tables show is
    shown in both with one value, or hidden in both."""
    from learnpath.content_registry import get_content
    from learnpath.db import utcnow
    from learnpath.reports import services
    from tests.reports.conftest import year_of
    from tests.reports.data import generate

    data = generate(org, {"Sociaal domein": 34, "Ruimte": 21, "Economie": 12, "Klein": 3})
    year = year_of(data)
    _report, selection = services.hr_report(org, year, None, get_content(), utcnow())
    for dept in (None, *dict(selection.departments)):
        report, _ = services.hr_report(org, year, dept, get_content(), utcnow())
        pairs = [
            (report.table("status").rows[4].cells[0], report.table("dropout").total.cells[0]),
            (report.table("action_plans").rows[0].cells[0], report.table("results").total.cells[0]),
        ]
        participants = [
            row.cells[2]
            for slug in ("assignments", "action_plans")
            for row in report.table(slug).rows
        ]
        pairs += [(participants[0], other) for other in participants[1:]]
        if dept is None:  # the cohorts table is for the whole organisation only
            cohorts = report.table("cohorts").total.cells[-2]
            pairs.append((report.table("status").total.cells[0], cohorts))
        for a, b in pairs:
            assert a.value == b.value, (dept, a, b)
            assert (a.value is None) == (b.value is None)
        # the sums: a shown sum with exactly one hidden part would give that part away
        status = report.table("status").rows
        results = report.table("results")
        sums = [
            (participants[0], [status[0].cells[0], status[3].cells[0], status[4].cells[0]]),
            (results.total.cells[0], [report.table("action_plans").rows[3].cells[0]]),
        ]
        sums[1][1].append(results.rows[-1].cells[0])
        for total, parts in sums:
            hidden = [p for p in parts if p.value is None]
            assert total.value is None or len(hidden) != 1, (dept, total, parts)
            if total.value is not None and not hidden:
                assert total.value == sum(p.value for p in parts), (dept, total, parts)
