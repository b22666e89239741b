"""mail digests (placeholder: filled in by its change)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 10:40:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
