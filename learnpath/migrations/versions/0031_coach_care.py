"""extensions, notes, change history, invitations to create an account (placeholder: filled in by its change)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 14:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
