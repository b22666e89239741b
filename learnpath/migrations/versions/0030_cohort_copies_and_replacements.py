"""cohort templates per organisation (a cohort's settings and sessions relative to the first
one); copies of cohorts and replacements of cancelled sessions need no schema change (a
replacement keeps its session row, UID and raises its SEQUENCE)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cohort_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "programme",
                "workshop",
                "intervision",
                name="cohortkind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("programme_slug", sa.String(length=80), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cohort_templates_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_cohort_templates_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_templates")),
        sa.UniqueConstraint(
            "organisation_id", "name", name=op.f("uq_cohort_templates_organisation_id_name")
        ),
    )
    with op.batch_alter_table("cohort_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_templates_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("cohort_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_templates_organisation_id"))
    op.drop_table("cohort_templates")
