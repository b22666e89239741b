"""cohort messages (archive and recipients), Reply-To on outbox messages; certificates and the
roster export need no tables (they are computed from enrolments and attendance)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(length=254), nullable=True))

    op.create_table(
        "cohort_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column(
            "audience",
            sa.Enum(
                "cohort", "waitlist", "selected", name="audience", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "body_format",
            sa.Enum("markdown", "plain", name="bodyformat", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_cohort_messages_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_cohort_messages_cohort_id_cohorts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_cohort_messages_idempotency_key")),
    )
    with op.batch_alter_table("cohort_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_messages_cohort_id"), ["cohort_id"])

    op.create_table(
        "cohort_message_recipients",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["cohort_messages.id"],
            name=op.f("fk_cohort_message_recipients_message_id_cohort_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_cohort_message_recipients_user_id_users")
        ),
        sa.PrimaryKeyConstraint("message_id", "user_id", name=op.f("pk_cohort_message_recipients")),
    )
    with op.batch_alter_table("cohort_message_recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_message_recipients_user_id"), ["user_id"])


def downgrade():
    with op.batch_alter_table("cohort_message_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_message_recipients_user_id"))
    op.drop_table("cohort_message_recipients")
    with op.batch_alter_table("cohort_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_messages_cohort_id"))
    op.drop_table("cohort_messages")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
