"""sign-in hardening: audit events, SSO start limit (placeholder: filled in by its change)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 14:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
