"""start pages and conversations: where the career conversation takes place; what the plan's
pre-fill last wrote (so later work fills fields the participant has not edited)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 10:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("action_plans") as batch:
        batch.add_column(sa.Column("prefilled", sa.JSON(), nullable=True))
    op.execute("UPDATE action_plans SET prefilled = '{}'")
    with op.batch_alter_table("action_plans") as batch:
        batch.alter_column("prefilled", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("career_conversations") as batch:
        batch.add_column(
            sa.Column("location", sa.String(length=500), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("career_conversations") as batch:
        batch.drop_column("location")
    with op.batch_alter_table("action_plans") as batch:
        batch.drop_column("prefilled")
