"""follow-up self-assessment and the evaluation report: no schema change

The follow-up is a third value of ``self_assessments.moment`` ("follow_up", a VARCHAR(10)
without a CHECK constraint, see ``db.str_enum``); its invitation is marked in the existing
``reminder_items``; the evaluation report reads existing tables only.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-01 14:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    # An older release cannot read the third moment (its enum has two values).
    op.execute("DELETE FROM self_assessments WHERE moment = 'follow_up'")
