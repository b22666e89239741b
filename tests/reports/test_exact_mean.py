"""``figures.exact_mean`` (the competency means of a report) is ``statistics.mean``: the same
float for scores, their differences and any other floats, so a rounded mean never moves."""

from __future__ import annotations

import random
import statistics

from learnpath.reports.figures import exact_mean


def test_exact_mean_is_statistics_mean():
    rng = random.Random(17)
    for trial in range(5000):
        n = rng.randint(1, 40)
        kind = trial % 4
        if kind == 0:  # scores: a mean of 3 or 4 items, rounded to 2 decimals
            values = [round(rng.randint(4, 20) / rng.choice([3, 4]), 2) for _ in range(n)]
        elif kind == 1:  # changes between two scores
            values = [
                round(rng.randint(4, 20) / 4, 2) - round(rng.randint(4, 20) / 3, 2)
                for _ in range(n)
            ]
        elif kind == 2:
            values = [rng.uniform(-1e3, 1e3) * 10 ** rng.randint(-20, 20) for _ in range(n)]
        else:  # ties at half a hundredth, tiny and huge values
            values = [
                rng.choice([3.0, 3.01, 2.995, -0.005, 1e-300, 5e-324, 1e306]) for _ in range(n)
            ]
        assert exact_mean(values) == statistics.mean(values), values
    assert exact_mean([3, 4]) == statistics.mean([3, 4])  # not floats: statistics.mean itself
