"""calendar feed versions (placeholder: filled in by its change)

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
    pass


def downgrade():
    pass
