"""oidc sign in and mfa (placeholder: filled in by its change)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 10:40:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
