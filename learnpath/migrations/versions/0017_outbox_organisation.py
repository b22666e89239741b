"""outbox messages belong to an organisation, so that admins see only their own

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 09:15:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
        )
    # Messages to people take their organisation; older messages to addresses without an
    # account stay without one and are shown to no administrator (they are kept, not lost).
    op.execute(
        "UPDATE outbox_messages SET organisation_id = "
        "(SELECT users.organisation_id FROM users WHERE users.id = outbox_messages.recipient_user_id) "
        "WHERE recipient_user_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_messages_organisation_id"))
        batch_op.drop_column("organisation_id")
