"""calendar feed versions: no schema change

A feed's ETag is read from the rows it shows (through the existing indexes on
enrolments.user_id, cohort_facilitators.user_id, cohort_sessions.cohort_id,
action_plans.user_id, action_plan_shares.manager_id and career_conversations.share_id) and the
VEVENT texts are kept per process, so nothing new is stored.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 10:40:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    pass  # nothing to store: see the docstring


def downgrade():
    pass
