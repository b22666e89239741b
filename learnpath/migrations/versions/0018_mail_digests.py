"""mail digests: reminder items (one person, one thing, one moment) marked with the outbox row
that carried them, alone or in a digest; session reminders keyed by start time; a deadline a
facilitator sets for the whole group (e.g. after the session it derived from was cancelled)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 10:40:00.000000

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reminder_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("recipient_user_id", sa.Integer(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_reminder_items_outbox_message_id_outbox_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_user_id"],
            ["users.id"],
            name=op.f("fk_reminder_items_recipient_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_items")),
        sa.UniqueConstraint("key", name=op.f("uq_reminder_items_key")),
    )
    with op.batch_alter_table("reminder_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminder_items_outbox_message_id"), ["outbox_message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reminder_items_recipient_user_id"), ["recipient_user_id"], unique=False
        )
    _mark_sent_session_reminders()

    op.create_table(
        "cohort_deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("assignment_slug", sa.String(length=80), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_cohort_deadlines_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_cohort_deadlines_set_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_deadlines")),
        sa.UniqueConstraint(
            "cohort_id",
            "assignment_slug",
            name=op.f("uq_cohort_deadlines_cohort_id_assignment_slug"),
        ),
    )
    with op.batch_alter_table("cohort_deadlines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_deadlines_cohort_id"), ["cohort_id"], unique=False
        )


def _mark_sent_session_reminders():
    """Session reminders were keyed by SEQUENCE, now by start time: mark the ones already sent
    for sessions still to come (and unchanged since), so the new keys do not send them again."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":  # stored as naive UTC text
        now = now.replace(tzinfo=None)
    sessions = {
        row.uid: row
        for row in bind.execute(
            sa.text(
                "SELECT uid, sequence, starts_at FROM cohort_sessions"
                " WHERE starts_at > :now AND status = 'scheduled'"
            ),
            {"now": now},
        )
    }
    if not sessions:
        return
    rows = bind.execute(
        sa.text(
            "SELECT id, idempotency_key, recipient_user_id, kind, created_at FROM outbox_messages"
            " WHERE idempotency_key LIKE 'reminder:session:%' AND recipient_user_id IS NOT NULL"
        )
    ).all()
    items = []
    for row in rows:
        parts = row.idempotency_key.split(":")
        if len(parts) != 6:
            continue
        _r, _s, kind, uid, sequence, user_id = parts
        session = sessions.get(uid)
        if session is None or str(session.sequence) != sequence:
            continue
        starts_at = session.starts_at
        if isinstance(starts_at, str):  # SQLite returns text
            starts_at = datetime.fromisoformat(starts_at)
        if starts_at.tzinfo is not None:
            starts_at = starts_at.astimezone(UTC)
        start = starts_at.strftime("%Y%m%dT%H%M%SZ")
        items.append(
            {
                "key": f"reminder:session:{kind}:{uid}:{start}:{user_id}",
                "recipient_user_id": row.recipient_user_id,
                "outbox_message_id": row.id,
                "kind": row.kind,
                "created_at": row.created_at,
            }
        )
    if items:
        table = sa.table(
            "reminder_items",
            sa.column("key"),
            sa.column("recipient_user_id"),
            sa.column("outbox_message_id"),
            sa.column("kind"),
            sa.column("created_at"),
        )
        op.bulk_insert(table, items)


def downgrade():
    with op.batch_alter_table("cohort_deadlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_deadlines_cohort_id"))
    op.drop_table("cohort_deadlines")
    with op.batch_alter_table("reminder_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_items_recipient_user_id"))
        batch_op.drop_index(batch_op.f("ix_reminder_items_outbox_message_id"))
    op.drop_table("reminder_items")
