"""partnerships between organisations: cohorts open to a partner's staff only with both
organisations' consent

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisation_partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("first_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_consent_by_id", sa.Integer(), nullable=True),
        sa.Column("second_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("second_consent_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "first_id < second_id", name=op.f("ck_organisation_partnerships_ordered_pair")
        ),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_partnerships_first_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_partnerships_second_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["first_consent_by_id"],
            ["users.id"],
            name=op.f("fk_organisation_partnerships_first_consent_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["second_consent_by_id"],
            ["users.id"],
            name=op.f("fk_organisation_partnerships_second_consent_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_partnerships")),
        sa.UniqueConstraint(
            "first_id", "second_id", name=op.f("uq_organisation_partnerships_first_id_second_id")
        ),
    )
    with op.batch_alter_table("organisation_partnerships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_partnerships_first_id"), ["first_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organisation_partnerships_second_id"), ["second_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("organisation_partnerships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_partnerships_second_id"))
        batch_op.drop_index(batch_op.f("ix_organisation_partnerships_first_id"))
    op.drop_table("organisation_partnerships")
