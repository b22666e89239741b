"""the kansenbank: opportunities and responses

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-01 17:10:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
