"""session materials and meeting rooms (placeholder: filled in by its change)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-01 14:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
