"""Privacy tests build on the action plan fixtures: a participant in a planned cohort."""

from tests.action_plans.conftest import (  # noqa: F401
    content,
    final_plan,
    group,
    make_group,
    setup,
)
