"""sign-in hardening: audit events, SSO start limit (OpenID Connect starts per source)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 14:00:00.000000

The new audit events need no change: ``audit_events.action`` is a plain string column.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oidc_login_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_login_starts")),
    )
    with op.batch_alter_table("oidc_login_starts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oidc_login_starts_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_oidc_login_starts_source"), ["source"])


def downgrade():
    with op.batch_alter_table("oidc_login_starts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_login_starts_source"))
        batch_op.drop_index(batch_op.f("ix_oidc_login_starts_created_at"))
    op.drop_table("oidc_login_starts")
