"""extensions, notes, change history, invitations to create an account: a private note
remembers when it was edited; an invitation to a cohort for an address without an account

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("facilitator_notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "cohort_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_invitations_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_cohort_invitations_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_cohort_invitations_invited_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_invitations")),
        sa.UniqueConstraint(
            "cohort_id", "email", name=op.f("uq_cohort_invitations_cohort_id_email")
        ),
    )
    with op.batch_alter_table("cohort_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_invitations_email"), ["email"], unique=False)


def downgrade():
    with op.batch_alter_table("cohort_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_invitations_email"))
    op.drop_table("cohort_invitations")
    with op.batch_alter_table("facilitator_notes", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
