"""The fixed vocabularies of goals and follow-up, defined once: goal categories, how far a goal
was achieved, and the result of the trajectory.

Forms, validation, the stored columns (slugs, so erasure keeps them), the plan document and the
reports all take their choices and labels from here. Labels are English msgids (Dutch in the
catalogue), in the order they are shown.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class GoalCategory(enum.StrEnum):
    CLARITY = "clarity"
    DEVELOPMENT = "development"
    INTERNAL_MOVE = "internal_move"
    EXTERNAL_MOVE = "external_move"
    JOB_FIT = "job_fit"


class Achievement(enum.StrEnum):
    ACHIEVED = "achieved"
    PARTLY = "partly"
    NOT_ACHIEVED = "not_achieved"
    NOT_RELEVANT = "not_relevant"


class TrajectoryResult(enum.StrEnum):
    INTERNAL_MOVE = "internal_move"
    EXTERNAL_MOVE = "external_move"
    JOB_FITS = "job_fits"
    EXPLORING = "exploring"
    NO_CHANGE = "no_change"


GOAL_CATEGORIES = {
    GoalCategory.CLARITY.value: _l("Getting clear what I want"),
    GoalCategory.DEVELOPMENT.value: _l("Developing in my current work (development advice)"),
    GoalCategory.INTERNAL_MOVE.value: _l("Another job within the organisation"),
    GoalCategory.EXTERNAL_MOVE.value: _l("Another job outside the organisation"),
    GoalCategory.JOB_FIT.value: _l("Making my current job fit (again)"),
}
ACHIEVEMENTS = {
    Achievement.ACHIEVED.value: _l("Achieved"),
    Achievement.PARTLY.value: _l("Partly achieved"),
    Achievement.NOT_ACHIEVED.value: _l("Not achieved"),
    Achievement.NOT_RELEVANT.value: _l("No longer relevant"),
}
RESULTS = {
    TrajectoryResult.INTERNAL_MOVE.value: _l("Another job within the organisation"),
    TrajectoryResult.EXTERNAL_MOVE.value: _l("Another job outside the organisation"),
    TrajectoryResult.JOB_FITS.value: _l("My current job fits (again)"),
    TrajectoryResult.EXPLORING.value: _l("Still exploring"),
    TrajectoryResult.NO_CHANGE.value: _l("No change (yet)"),
}

assert set(GOAL_CATEGORIES) == {c.value for c in GoalCategory}
assert set(ACHIEVEMENTS) == {a.value for a in Achievement}
assert set(RESULTS) == {r.value for r in TrajectoryResult}
