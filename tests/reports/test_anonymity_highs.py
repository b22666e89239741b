"""The suppression's integer programs go to HiGHS without scipy.optimize (issue #17, memory per
gunicorn worker): ``learnpath.reports.highs`` must answer exactly as ``scipy.optimize.milp``
does (same status, same values, same objective, ties included) on the same programs."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint
from scipy.optimize import milp as scipy_milp
from scipy.sparse import coo_array, csc_array

from learnpath.reports import anonymity, highs
from learnpath.reports.anonymity import Matrix, protect_linked
from tests.reports.test_anonymity_fast import RECORDED, _report


@pytest.fixture(autouse=True)
def _fresh_memo():
    anonymity.clear_memo()
    yield
    anonymity.clear_memo()


def _scipy_sparse(entries, rows, columns):
    """What anonymity._sparse made before (scipy.sparse)."""
    r, c, d = zip(*entries, strict=True) if entries else ((), (), ())
    m = coo_array(
        (np.array(d, dtype=float), (np.array(r, dtype=np.int64), np.array(c, dtype=np.int64))),
        shape=(rows, columns),
    )
    out = csc_array(m)
    out.sum_duplicates()
    out.eliminate_zeros()
    out.sort_indices()
    return out


def _as_scipy(matrix, rows):
    indptr, indices, data = matrix
    return csc_array((data, indices, indptr), shape=(rows, len(indptr) - 1))


def _same(ours: highs.Result, theirs) -> None:
    assert ours.status == 0 if theirs.status == 0 else ours.status != 0
    if theirs.status == 0:
        assert ours.fun == theirs.fun
        assert np.array_equal(ours.x, theirs.x)


def _entries(rng: random.Random, rows: int, columns: int) -> list[tuple[int, int, float]]:
    entries = []
    for _ in range(rng.randint(0, rows * columns + 3)):
        entries.append((rng.randrange(rows), rng.randrange(columns), rng.choice([-1, 1, 1, 2])))
    return entries


def test_the_matrix_is_what_scipy_sparse_makes_of_the_same_entries():
    rng = random.Random(1)
    for _ in range(300):
        rows, columns = rng.randint(0, 6), rng.randint(1, 7)
        entries = _entries(rng, rows, columns) if rows else []
        expected = _scipy_sparse(entries, rows, columns)
        indptr, indices, data = highs.csc(entries, rows, columns)
        assert indptr.tolist() == expected.indptr.tolist()
        assert indices.tolist() == expected.indices.tolist()
        assert data.tolist() == expected.data.tolist()


def test_generated_programs_are_answered_as_milp_answers_them():
    """Small programs shaped like the suppression's (equations, 0/1 gates, bounds), with many
    ties (equal costs), whole and relaxed, feasible and not."""
    rng = random.Random(17)
    solved = 0
    for _ in range(400):
        rows, columns = rng.randint(1, 6), rng.randint(1, 8)
        entries = _entries(rng, rows, columns)
        matrix = highs.csc(entries, rows, columns)
        objective = [float(rng.choice([0, 1, 1, 2, -1])) for _ in range(columns)]
        lower = np.array([float(rng.choice([-3, -1, 0])) for _ in range(columns)])
        upper = np.array([float(rng.choice([0, 1, 2, 4])) for _ in range(columns)])
        fixed = rng.randrange(columns)
        lower[fixed] = upper[fixed] = rng.choice([-1.0, 1.0])
        if rng.random() < 0.5:
            row_lower, row_upper = 0, 0
        else:
            row_lower = np.array([rng.choice([-np.inf, 0.0, -1.0]) for _ in range(rows)])
            row_upper = np.array([rng.choice([np.inf, 0.0, 2.0]) for _ in range(rows)])
        integrality = [1] * columns if rng.random() < 0.7 else np.zeros(columns)
        ours = highs.milp(objective, matrix, rows, row_lower, row_upper, lower, upper, integrality)
        theirs = scipy_milp(
            objective,
            constraints=LinearConstraint(_as_scipy(matrix, rows), row_lower, row_upper),
            integrality=integrality,
            bounds=Bounds(lower, upper),
        )
        _same(ours, theirs)
        solved += theirs.status == 0
    assert solved > 100


@pytest.fixture()
def checked(monkeypatch):
    """Every program the suppression solves is solved by milp too, and compared."""
    calls = {"n": 0}
    ours = highs.milp

    def both(objective, matrix, rows, row_lower, row_upper, lower, upper, integrality):
        found = ours(objective, matrix, rows, row_lower, row_upper, lower, upper, integrality)
        theirs = scipy_milp(
            objective,
            constraints=LinearConstraint(_as_scipy(matrix, rows), row_lower, row_upper),
            integrality=integrality,
            bounds=Bounds(lower, upper),
        )
        _same(found, theirs)
        calls["n"] += 1
        return found

    monkeypatch.setattr(highs, "milp", both)
    return calls


def test_the_programs_of_generated_reports_are_answered_as_milp_answers_them(checked):
    for seed in range(40):
        matrices, threshold = _report(seed)
        anonymity._protect_linked(matrices, threshold)
        anonymity._protect_linked(matrices, threshold, fast=False)
    assert checked["n"] > 100


def test_the_programs_of_the_recorded_reports_are_answered_as_milp_answers_them(checked):
    with RECORDED.open("rb") as f:
        recorded = pickle.load(f)  # noqa: S301 - our own test data
    for entry in recorded:
        if entry[0] == "protect_linked":
            tables, threshold = entry[1], entry[2]
            protect_linked(
                {n: Matrix(c, cols, d, p, s) for n, c, cols, d, p, s in tables}, threshold
            )
        else:
            anonymity.protect(**entry[1])
    assert checked["n"] > 0
