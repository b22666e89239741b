"""an index for searching an organisation's people (PostgreSQL: trigram)

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-01 17:20:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
