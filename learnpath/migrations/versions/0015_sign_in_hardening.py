"""sign-in hardening: throttling per (account, source), reset-request limits, sessions that end
on the server

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_failures_email_ip_at", ["email", "ip", "created_at"], unique=False
        )
        batch_op.create_index("ix_login_failures_created_at", ["created_at"], unique=False)
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("limited", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_password_reset_requests_email_at", ["email", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_password_reset_requests_ip_at", ["ip", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_password_reset_requests_created_at", ["created_at"], unique=False
        )
    op.create_table(
        "ended_sessions",
        sa.Column("sid_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ended_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("sid_hash", name=op.f("pk_ended_sessions")),
    )
    with op.batch_alter_table("ended_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ended_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ended_sessions_expires_at"), ["expires_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("ended_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ended_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_ended_sessions_user_id"))
    op.drop_table("ended_sessions")
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_password_reset_requests_created_at")
        batch_op.drop_index("ix_password_reset_requests_ip_at")
        batch_op.drop_index("ix_password_reset_requests_email_at")
    op.drop_table("password_reset_requests")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_created_at")
        batch_op.drop_index("ix_login_failures_email_ip_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
