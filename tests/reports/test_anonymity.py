"""The suppression rules on their own."""

from __future__ import annotations

from learnpath.reports.anonymity import ALL, clamp_threshold, protect


def test_small_cells_are_hidden_and_a_complement_too():
    p = protect({(1, "a"): 12, (1, "b"): 3, (1, "c"): 8}, ["a", "b", "c"], [1], 5)
    assert p.cell(ALL, "b") is None
    # b alone could be recovered from the total: the smallest other cell is hidden as well
    assert p.cell(ALL, "c") is None
    assert p.cell(ALL, "a") == 12
    assert p.total(ALL) == 23


def test_zero_is_shown_and_needs_no_complement():
    p = protect({(1, "a"): 12, (1, "b"): 0}, ["a", "b"], [1], 5)
    assert (p.cell(ALL, "a"), p.cell(ALL, "b"), p.total(ALL)) == (12, 0, 12)


def test_the_total_is_hidden_when_nothing_else_can_be():
    p = protect({(1, "a"): 3}, ["a"], [1], 5)
    assert p.cell(ALL, "a") is None and p.total(ALL) is None


def test_a_department_cannot_be_recovered_from_the_others():
    # column "a": departments 1 and 2 are large, department 3 small
    counts = {(1, "a"): 9, (2, "a"): 7, (3, "a"): 2, (1, "b"): 9, (2, "b"): 9, (3, "b"): 9}
    p = protect(counts, ["a", "b"], [1, 2, 3], 5)
    shown = {d: p.cell(d, "a") for d in (1, 2, 3)}
    assert shown[3] is None
    hidden = [d for d, v in shown.items() if v is None]
    assert len(hidden) >= 2  # all minus the shown ones is a group of 5 or more
    assert p.cell(ALL, "a") - sum(v for v in shown.values() if v is not None) >= 5
    # and within department 3's own row, its total does not give the cell away
    assert p.cell(3, "b") is None or p.total(3) is None


def test_threshold_is_never_below_five():
    assert clamp_threshold(None) == 5
    assert clamp_threshold(3) == 5
    assert clamp_threshold(7) == 7
