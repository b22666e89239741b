"""The report protection made fast (issue 17): the shortcuts change no hidden set, and the
memo of ``protect_linked`` gives back what a fresh protection would, for exactly the same
inputs only."""

from __future__ import annotations

import hashlib
import pickle
import random
import threading
from collections.abc import Hashable
from pathlib import Path

import pytest

from learnpath.reports import anonymity
from learnpath.reports.anonymity import Matrix, figure_keys, protect_linked, sum_of

RECORDED = Path(__file__).resolve().parents[2] / "bench" / "data" / "protection_largest.pkl"
STATUS = ("waitlisted", "taking_part", "completed", "dropped_out", "withdrawn")
REASONS = ("r1", "r2", "r3")


@pytest.fixture(autouse=True)
def _fresh_memo():
    anonymity.clear_memo()
    yield
    anonymity.clear_memo()


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _report(seed: int) -> tuple[dict[str, Matrix], int]:
    """A report shaped like the HR dashboard: a status table, a cohorts table with the same
    registrations, a drop-out table with the same "dropped out", assignment tables whose
    participants are "taking part + completed + dropped out" (a sum of figures), and a
    waitlist table of people without a department; many small values."""
    rng = random.Random(seed)
    threshold = rng.choice([5, 5, 7])
    depts: list[Hashable] = sorted(rng.sample(range(1, 30), rng.randint(2, 7)))
    cohorts = [f"c{i}" for i in range(rng.randint(2, 5))]
    small = (0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 35)
    status: dict = {}
    for d in depts:
        for c in STATUS:
            status[(d, c)] = rng.choice(small)
    registrations = {d: sum(status[(d, c)] for c in STATUS) for d in depts}
    per_cohort, reasons, took = {}, {}, {}
    for d in depts:
        for c, n in zip(cohorts, _split(rng, registrations[d], len(cohorts)), strict=True):
            per_cohort[(d, c)] = n
        for r, n in zip(REASONS, _split(rng, status[(d, "dropped_out")], 3), strict=True):
            reasons[(d, r)] = n
        took[d] = sum(status[(d, c)] for c in ("taking_part", "completed", "dropped_out"))
    status_shared = figure_keys("registrations", depts)
    for c in ("taking_part", "completed", "dropped_out", "waitlisted"):
        status_shared |= figure_keys(c, depts, c)
    matrices = {
        "status": Matrix(status, STATUS, depts, shared=status_shared),
        "cohorts": Matrix(per_cohort, cohorts, depts, shared=figure_keys("registrations", depts)),
        "dropout": Matrix(reasons, REASONS, depts, shared=figure_keys("dropped_out", depts)),
    }
    parts = {c: c for c in ("taking_part", "completed", "dropped_out")}
    matrices["sum:took_part"] = sum_of(
        "took_part", parts, {k: v for k, v in status.items() if k[1] in parts}, depts
    )
    for a in range(rng.randint(1, 3)):
        done = {}
        for d in depts:
            first = rng.randint(0, took[d])
            done[(d, "done")], done[(d, "not")] = first, took[d] - first
        matrices[f"assignment:{a}"] = Matrix(
            done, ("done", "not"), depts, shared=figure_keys("took_part", depts)
        )
    waiting = {(None, c): rng.choice(small) for c in cohorts}
    shared = {("row", None): ("waitlist", None)}
    matrices["waitlist"] = Matrix(waiting, cohorts, [None], shared=shared)
    return matrices, threshold


def _hidden(result: dict) -> dict[str, frozenset]:
    return {name: p.hidden for name, p in result.items()}


def test_the_shortcuts_agree_with_the_plain_method_on_generated_reports(monkeypatch):
    taken = {"single": 0, "whole": 0}
    fast_now = True
    single, whole = anonymity._Reading._single_opening, anonymity._cheapest_opening

    def counted_single(self, exposed, cost):
        found = single(self, exposed, cost)
        taken["single"] += found is not None and self.links.fast
        return found

    def counted_whole(*args):
        taken["whole"] += fast_now
        return whole(*args)

    monkeypatch.setattr(anonymity._Reading, "_single_opening", counted_single)
    monkeypatch.setattr(anonymity, "_cheapest_opening", counted_whole)
    for seed in range(60):
        matrices, threshold = _report(seed)
        fast_now = True
        fast = anonymity._protect_linked(matrices, threshold)
        fast_now = False
        plain = anonymity._protect_linked(matrices, threshold, fast=False)
        assert _hidden(fast) == _hidden(plain), seed
        assert {n: dict(p.values) for n, p in fast.items()} == {
            n: dict(p.values) for n, p in plain.items()
        }
    # both ways of choosing what to hide next were taken by the fast method
    assert taken["single"] > 0
    assert taken["whole"] > 0


def test_the_recorded_reports_of_the_largest_organisation_keep_their_hidden_sets():
    """Every protection of the HR dashboard and the programme evaluation of the largest
    organisation at national scale (bench/data): the same hidden sets as before the
    protection was made fast (the digest of bench/protection.py)."""
    with RECORDED.open("rb") as f:
        recorded = pickle.load(f)  # noqa: S301 - our own test data
    h = hashlib.sha256()
    for entry in recorded:
        if entry[0] == "protect_linked":
            tables, threshold = entry[1], entry[2]
            matrices = {n: Matrix(c, cols, d, p, s) for n, c, cols, d, p, s in tables}
            result = protect_linked(matrices, threshold)
        else:
            result = {"_": anonymity.protect(**entry[1])}
        for name in sorted(result):
            h.update(repr((name, sorted(map(repr, result[name].hidden)))).encode())
    assert h.hexdigest()[:16] == "897318e864bd3988"


def test_the_same_inputs_are_protected_once():
    matrices, threshold = _report(3)
    first = protect_linked(matrices, threshold)
    again = protect_linked(dict(matrices), threshold)
    assert anonymity._memo.hits == 1
    assert _hidden(again) == _hidden(first)
    assert all(again[n].hidden is first[n].hidden for n in first)  # the remembered sets
    assert {n: dict(p.values) for n, p in again.items()} == {
        n: dict(p.values) for n, p in first.items()
    }
    assert {n: p.columns for n, p in again.items()} == {n: p.columns for n, p in first.items()}
    # what is remembered is the hidden sets only
    (entry,) = anonymity._memo.entries.values()
    assert all(isinstance(keys, frozenset) for _name, keys in entry)


def _changes(matrices: dict[str, Matrix]):
    """Every way to change the inputs a little: one count, a column, a department, the
    people behind a value, a shared name, the order of the tables."""
    status = matrices["status"]
    key = next(k for k, v in status.counts.items() if v)
    counts = dict(status.counts)
    counts[key] += 1
    counts_cohorts = dict(matrices["cohorts"].counts)
    counts_cohorts[(key[0], matrices["cohorts"].columns[0])] += 1
    yield (
        "one count",
        {
            **matrices,
            "status": Matrix(counts, status.columns, status.departments, shared=status.shared),
            "cohorts": Matrix(
                counts_cohorts,
                matrices["cohorts"].columns,
                matrices["cohorts"].departments,
                shared=matrices["cohorts"].shared,
            ),
        },
    )
    w = matrices["waitlist"]  # a table whose one shared figure no other table shows
    yield (
        "a waiting count",
        {
            **matrices,
            "waitlist": Matrix(
                {**w.counts, (None, w.columns[0]): w.counts[(None, w.columns[0])] + 1},
                w.columns,
                w.departments,
                shared=w.shared,
            ),
        },
    )
    yield (
        "a column fewer",
        {
            **matrices,
            "waitlist": Matrix(w.counts, w.columns[:-1], w.departments, shared=w.shared),
        },
    )
    yield (
        "a department more",
        {
            **matrices,
            "waitlist": Matrix(w.counts, w.columns, [*w.departments, 99], shared=w.shared),
        },
    )
    yield (
        "people behind the values",
        {
            **matrices,
            "waitlist": Matrix(
                w.counts, w.columns, w.departments, people={("grand",): 1}, shared=w.shared
            ),
        },
    )
    yield (
        "a shared figure less",
        {
            **matrices,
            "waitlist": Matrix(w.counts, w.columns, w.departments),
        },
    )
    yield "the tables in another order", dict(reversed(matrices.items()))


def test_any_change_of_the_inputs_is_protected_anew():
    matrices, threshold = _report(5)
    protect_linked(matrices, threshold)
    for label, changed in _changes(matrices):
        anonymity._memo.hits = 0
        result = protect_linked(changed, threshold)
        assert anonymity._memo.hits == 0, label
        assert _hidden(result) == _hidden(anonymity._protect_linked(changed, threshold)), label
    anonymity._memo.hits = 0
    protect_linked(matrices, threshold + 2)
    assert anonymity._memo.hits == 0
    protect_linked(matrices, threshold)
    assert anonymity._memo.hits == 1


def test_a_changed_count_gives_the_new_result_not_the_remembered_one():
    counts = {(1, "a"): 12, (1, "b"): 3, (1, "c"): 8}
    before = protect_linked({"t": Matrix(counts, ["a", "b", "c"], [1])}, 5)["t"]
    after = protect_linked({"t": Matrix({**counts, (1, "b"): 9}, ["a", "b", "c"], [1])}, 5)["t"]
    assert before.cell(1, "b") is None
    assert after.cell(1, "b") == 9 and after.hidden == frozenset()


def test_the_memo_keeps_the_last_32():
    def table(n: int) -> dict[str, Matrix]:
        return {"t": Matrix({(1, "a"): 10 + n, (1, "b"): 10}, ["a", "b"], [1])}

    for n in range(33):
        protect_linked(table(n), 5)
    assert len(anonymity._memo.entries) == 32
    protect_linked(table(32), 5)  # the newest is there
    assert anonymity._memo.hits == 1
    protect_linked(table(0), 5)  # the oldest was forgotten
    assert anonymity._memo.hits == 1
    assert len(anonymity._memo.entries) == 32


def test_the_memo_key_is_cheap_for_a_large_report():
    import time

    matrices, threshold = _report(7)
    big = {f"{name}:{i}": m for i in range(8) for name, m in matrices.items()}
    start = time.process_time()
    for _ in range(10):
        anonymity.linked_key(big, threshold)
    assert (time.process_time() - start) / 10 < 0.02  # generous: about 1 ms on the dashboard


def test_threads_share_the_memo():
    matrices, threshold = _report(11)
    expected = _hidden(anonymity._protect_linked(matrices, threshold))
    results: list = []

    def work() -> None:
        for _ in range(3):
            results.append(_hidden(protect_linked(matrices, threshold)))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 18
    assert all(r == expected for r in results)
    assert anonymity._memo.hits + anonymity._memo.misses == 18
    assert len(anonymity._memo.entries) == 1


def test_unserialisable_inputs_are_protected_without_the_memo():
    class Column:  # a local class cannot be pickled
        def __repr__(self) -> str:
            return "col"

    col = Column()
    result = protect_linked({"t": Matrix({(1, col): 3}, [col], [1])}, 5)
    assert result["t"].cell(1, col) is None
    assert not anonymity._memo.entries
