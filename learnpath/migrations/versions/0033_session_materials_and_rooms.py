"""session materials and meeting rooms

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-01 14:00:00.000000

Materials: one row per file or link of a session, the file's bytes in ``material_contents``
(the database storage backend). Rooms: the organisation's provider settings (the Teams client
secret as a Fernet token) and one room per session with the work still to do at the provider.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

PROVIDERS = ("manual", "jitsi", "teams")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=10)


def upgrade():
    op.create_table(
        "session_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("materialkind", "file", "link"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("visibility", _enum("visibility", "before", "start", "after"), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cohort_sessions.id"],
            name=op.f("fk_session_materials_session_id_cohort_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_session_materials_added_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_materials")),
    )
    with op.batch_alter_table("session_materials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_materials_session_id"), ["session_id"], unique=False
        )
    op.create_table(
        "material_contents",
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["session_materials.id"],
            name=op.f("fk_material_contents_material_id_session_materials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("material_id", name=op.f("pk_material_contents")),
    )
    op.create_table(
        "room_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("provider", _enum("provider", *PROVIDERS), nullable=False),
        sa.Column("jitsi_url", sa.String(length=500), nullable=True),
        sa.Column("teams_tenant_id", sa.String(length=100), nullable=True),
        sa.Column("teams_client_id", sa.String(length=100), nullable=True),
        sa.Column("teams_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("teams_organizer", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_room_settings_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_settings")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_room_settings_organisation_id")),
    )
    op.create_table(
        "meeting_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("provider", _enum("provider", *PROVIDERS), nullable=False),
        sa.Column(
            "status", _enum("roomstatus", "pending", "ready", "failed", "cancelled"), nullable=False
        ),
        sa.Column("external_id", sa.String(length=500), nullable=True),
        sa.Column("join_url", sa.String(length=1000), nullable=True),
        sa.Column(
            "pending_action", _enum("roomaction", "create", "update", "cancel"), nullable=True
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cohort_sessions.id"],
            name=op.f("fk_meeting_rooms_session_id_cohort_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_rooms")),
        sa.UniqueConstraint("session_id", name=op.f("uq_meeting_rooms_session_id")),
    )
    with op.batch_alter_table("meeting_rooms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_rooms_next_attempt_at"), ["next_attempt_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("meeting_rooms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_rooms_next_attempt_at"))
    op.drop_table("meeting_rooms")
    op.drop_table("room_settings")
    op.drop_table("material_contents")
    with op.batch_alter_table("session_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_materials_session_id"))
    op.drop_table("session_materials")
