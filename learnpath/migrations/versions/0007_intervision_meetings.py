"""manager tracks: intervision meetings, roles and waivers

The new cohort kinds (workshop, intervision) need no schema change: ``cohorts.kind`` is a
VARCHAR(30) enum without a CHECK constraint (learnpath.db.str_enum).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 14:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intervision_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("method_slug", sa.String(length=80), nullable=True),
        sa.Column("roles_confirmed", sa.Boolean(), nullable=False),
        sa.Column("case_description", sa.Text(), nullable=True),
        sa.Column("case_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("notes_by_id", sa.Integer(), nullable=True),
        sa.Column("notes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notes_by_id"], ["users.id"], name=op.f("fk_intervision_meetings_notes_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cohort_sessions.id"],
            name=op.f("fk_intervision_meetings_session_id_cohort_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervision_meetings")),
        sa.UniqueConstraint("session_id", name=op.f("uq_intervision_meetings_session_id")),
    )
    op.create_table(
        "intervision_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["intervision_meetings.id"],
            name=op.f("fk_intervision_roles_meeting_id_intervision_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_intervision_roles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervision_roles")),
        sa.UniqueConstraint(
            "meeting_id", "role", name=op.f("uq_intervision_roles_meeting_id_role")
        ),
        sa.UniqueConstraint(
            "meeting_id", "user_id", name=op.f("uq_intervision_roles_meeting_id_user_id")
        ),
    )
    with op.batch_alter_table("intervision_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intervision_roles_meeting_id"), ["meeting_id"])
        batch_op.create_index(batch_op.f("ix_intervision_roles_user_id"), ["user_id"])
    op.create_table(
        "intervision_waivers",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["intervision_meetings.id"],
            name=op.f("fk_intervision_waivers_meeting_id_intervision_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_intervision_waivers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_intervision_waivers")),
    )


def downgrade():
    op.drop_table("intervision_waivers")
    with op.batch_alter_table("intervision_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervision_roles_user_id"))
        batch_op.drop_index(batch_op.f("ix_intervision_roles_meeting_id"))
    op.drop_table("intervision_roles")
    op.drop_table("intervision_meetings")
