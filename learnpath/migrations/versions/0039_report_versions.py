"""report versions: a counter per organisation of the data its reports read

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-01 23:45:00.000000

``reports.freshness`` raises an organisation's counter after every commit that changed data
its HR figures are computed from; the dashboard reuses a computed report while the counter
(and the row 0, for changes whose organisations are not known) is unchanged.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_versions",
        sa.Column("organisation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_report_versions")),
    )


def downgrade():
    op.drop_table("report_versions")
