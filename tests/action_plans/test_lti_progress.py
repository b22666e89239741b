"""The progress reported to a learning platform counts a finalised action plan as a step."""

from __future__ import annotations

from learnpath.cohorts.models import Cohort
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.lti.platform_services import progress_of_cohort


def test_finalised_action_plan_counts_as_progress(setup, final_plan):
    cohort = db.session.get(Cohort, setup.cohort_id)
    before = progress_of_cohort(cohort.id, cohort.programme_slug)[setup.participant.id]
    assert before.score_given == 0
    final_plan()
    after = progress_of_cohort(cohort.id, cohort.programme_slug)[setup.participant.id]
    steps = 3 + len(get_content().assignments_for(cohort.programme_slug))
    assert after.score_given == round(100 / steps) and after.activity_progress == "InProgress"
