"""the kansenbank: opportunities and responses

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-01 17:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def _timestamps():
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("offered_by_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("time_amount", sa.Integer(), nullable=False),
        sa.Column("time_unit", sa.String(length=30), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("learns", sa.Text(), nullable=False),
        sa.Column("competency", sa.String(length=80), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_opportunities_network_id_networks")
        ),
        sa.ForeignKeyConstraint(
            ["offered_by_id"], ["users.id"], name=op.f("fk_opportunities_offered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_opportunities_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        for column in ("competency", "network_id", "offered_by_id", "organisation_id"):
            batch_op.create_index(batch_op.f(f"ix_opportunities_{column}"), [column], unique=False)

    op.create_table(
        "opportunity_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("show_in_plan", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_opportunity_responses_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_responses_opportunity_id_opportunities"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_opportunity_responses_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_responses")),
        sa.UniqueConstraint(
            "opportunity_id",
            "user_id",
            name=op.f("uq_opportunity_responses_opportunity_id_user_id"),
        ),
    )
    with op.batch_alter_table("opportunity_responses", schema=None) as batch_op:
        for column in ("decided_at", "opportunity_id", "user_id"):
            batch_op.create_index(
                batch_op.f(f"ix_opportunity_responses_{column}"), [column], unique=False
            )


def downgrade():
    with op.batch_alter_table("opportunity_responses", schema=None) as batch_op:
        for column in ("decided_at", "opportunity_id", "user_id"):
            batch_op.drop_index(batch_op.f(f"ix_opportunity_responses_{column}"))
    op.drop_table("opportunity_responses")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        for column in ("competency", "network_id", "offered_by_id", "organisation_id"):
            batch_op.drop_index(batch_op.f(f"ix_opportunities_{column}"))
    op.drop_table("opportunities")
