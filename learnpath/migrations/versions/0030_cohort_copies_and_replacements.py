"""cohort copies, templates, replaced sessions (placeholder: filled in by its change)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 14:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
