"""LTI login starts per source: the per-minute limit counted in the database, not per worker

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 12:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lti_login_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_login_starts")),
    )
    with op.batch_alter_table("lti_login_starts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_login_starts_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_lti_login_starts_source"), ["source"])


def downgrade():
    with op.batch_alter_table("lti_login_starts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_login_starts_source"))
        batch_op.drop_index(batch_op.f("ix_lti_login_starts_created_at"))
    op.drop_table("lti_login_starts")
