"""follow-up self-assessment and the evaluation report (placeholder: filled in by its change)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-01 14:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
