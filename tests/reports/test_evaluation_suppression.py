"""The evaluation's own tables (goals by position) and their figures are protected with the
report's other tables: an independent exhaustive search (the one of the hardening issue's
property tests) finds no hidden value that the shown tables, the results table's total and
the equation "first goals over the categories = people with a final plan" give away."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.reports.anonymity import ALL, Matrix, figure_keys, key_of, protect_linked
from learnpath.reports.evaluation import goal_matrices
from tests.security.test_report_linked_tables import (
    assert_linked_figures_agree,
    assert_nothing_recoverable,
)

GROUPS = {"a": ("a",), "b": ("b1", "b2")}
RESULTS = ("moved", "none")


@st.composite
def evaluations(draw: st.DrawFn):
    """People with a final plan (results: moved / not looked back), their first goal in one
    of three categories (two of them one group) achieved or not. (A second goal's table is
    linked to no other: the single-table property tests cover it.)"""
    value = st.one_of(st.integers(0, 6), st.integers(0, 12))
    counts: dict[tuple[int, str | None, bool], int] = {}
    for category in ("a", "b1", "b2"):
        for done in (True, False):
            counts[(0, category, done)] = draw(value)
    people = sum(counts.values())
    moved = draw(st.integers(0, people))
    results = {(None, "moved"): moved, (None, "none"): people - moved}
    return counts, results


def _shown(counts, results) -> tuple[dict[str, Matrix], dict[str, Matrix]]:
    finalised = sum(results.values())
    shared = figure_keys("finalised", [None]) | {key_of(None): ("finalised", ALL)}
    matrices = {"results": Matrix(results, RESULTS, [None], shared=shared)}
    matrices |= goal_matrices(counts, GROUPS, finalised, positions=(0,))
    return matrices, {k: m for k, m in matrices.items() if not k.startswith("sum:")}


@settings(max_examples=25, deadline=None, derandomize=True)
@given(evaluations())
def test_no_hidden_goal_figure_can_be_worked_out(case):
    counts, results = case
    matrices, shown = _shown(counts, results)
    assert "sum:goal_firsts" in matrices  # everyone with a plan has a first goal
    result = protect_linked(matrices, 5)
    for name, m in shown.items():
        for (_d, column), value in m.counts.items():
            if 0 < value < 5:
                assert result[name].cell(ALL, column) is None
    assert_linked_figures_agree(result, shown)
    sums = [
        (("results", key_of(ALL)), [(f"goal0:{g}", key_of(ALL)) for g in GROUPS]),
    ]
    assert_nothing_recoverable(result, shown, [None], 5, sums)


def test_a_first_goal_hidden_in_one_category_is_not_the_rest_of_the_final_plans():
    """20 final plans, 17 first goals in a, 3 in b: the results table shows 20, so b's 3
    would be 20 - 17 unless the sum is an equation of the protection."""
    counts = {(0, "a", True): 10, (0, "a", False): 7, (0, "b1", True): 3}
    results = {(None, "moved"): 12, (None, "none"): 8}
    matrices, shown = _shown(counts, results)
    result = protect_linked(matrices, 5)
    assert result["goal0:b"].total(ALL) is None
    assert result["goal0:a"].total(ALL) is None or result["results"].total(ALL) is None
    sums = [(("results", key_of(ALL)), [(f"goal0:{g}", key_of(ALL)) for g in GROUPS])]
    assert_nothing_recoverable(result, shown, [None], 5, sums)
