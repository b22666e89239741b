"""The reports score thousands of self-assessments with ``figures.Scorer``: the same values
as ``selfassessment.scores`` for any stored answers (missing items, booleans, floats, text)."""

from __future__ import annotations

import random

from learnpath.assignments.selfassessment import INSTRUMENT_SLUG, scores
from learnpath.content_registry import get_content
from learnpath.reports.figures import Scorer


def test_scorer_gives_the_scores_of_the_instrument(app):
    inst = get_content().instruments[INSTRUMENT_SLUG]
    slugs = [item.slug for scale in inst.scales for item in scale.items]
    rng = random.Random(3)
    odd = [None, True, False, 2.5, 3.0, "4", 0, 7, -1]
    score = Scorer(inst)
    for _ in range(500):
        answers = {}
        for slug in slugs:
            roll = rng.random()
            if roll < 0.75:
                answers[slug] = rng.randint(inst.scale_min, inst.scale_max)
            elif roll < 0.9:
                answers[slug] = rng.choice(odd)
        assert score(answers) == scores(inst, answers), answers
    assert score({}) == scores(inst, {})
