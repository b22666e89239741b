"""join records, absence notices, session evaluations, attendance with care (placeholder: filled in by its change)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01 14:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
