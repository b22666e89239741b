"""join records, absence notices, session evaluations, attendance with care

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01 14:00:00.000000

Attendance with care needs no change to ``attendance``: excused and absent exist already.
The evaluation is two tables on purpose: receipts (session, person) without any time, and
answers with random ids and no person or time, so no answer leads back to who gave it.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

REASONS = ("illness", "work", "leave", "personal", "other")


def _session_user_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cohort_sessions.id"],
            name=op.f(f"fk_{name}_session_id_cohort_sessions"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{name}_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f(f"uq_{name}_session_id_user_id")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{name}_user_id"), ["user_id"], unique=False)


def upgrade():
    _session_user_table(
        "session_joins", sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False)
    )
    _session_user_table(
        "absence_notices",
        sa.Column(
            "reason",
            sa.Enum(*REASONS, name="absencereason", native_enum=False, length=30),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "evaluation_receipts",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cohort_sessions.id"],
            name=op.f("fk_evaluation_receipts_session_id_cohort_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_evaluation_receipts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_evaluation_receipts")),
    )
    op.create_table(
        "evaluation_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("item_slug", sa.String(length=80), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cohort_sessions.id"],
            name=op.f("fk_evaluation_answers_session_id_cohort_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_answers")),
    )
    with op.batch_alter_table("evaluation_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_answers_session_id"), ["session_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("evaluation_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_answers_session_id"))
    op.drop_table("evaluation_answers")
    op.drop_table("evaluation_receipts")
    for name in ("absence_notices", "session_joins"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_user_id"))
            batch_op.drop_index(batch_op.f(f"ix_{name}_session_id"))
        op.drop_table(name)
