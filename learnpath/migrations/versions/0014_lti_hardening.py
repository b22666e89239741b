"""LTI hardening: user links per registration and deployment, opt-in email linking

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 10:00:00.000000

Existing user links get the registration's first deployment id (most registrations have one);
a link whose deployment turns out different is simply not found, and the person links again.
Email linking starts switched off for every registration.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("lti_registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("link_by_email", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("lti_user_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deployment_id", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "method",
                sa.Enum("created", "confirmed", name="linkmethod", native_enum=False, length=20),
                server_default="created",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("last_launch_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE lti_user_links SET deployment_id = COALESCE(("
        "SELECT MIN(d.deployment_id) FROM lti_deployments d "
        "WHERE d.registration_id = lti_user_links.registration_id), '')"
    )
    with op.batch_alter_table("lti_user_links", schema=None) as batch_op:
        batch_op.alter_column("deployment_id", server_default=None)
        batch_op.alter_column("method", server_default=None)
        batch_op.drop_constraint("uq_lti_user_links_issuer_sub", type_="unique")
        batch_op.drop_column("issuer")
        batch_op.create_unique_constraint(
            batch_op.f("uq_lti_user_links_registration_id_deployment_id_sub"),
            ["registration_id", "deployment_id", "sub"],
        )


def downgrade():
    with op.batch_alter_table("lti_user_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("issuer", sa.String(length=255), server_default="", nullable=False)
        )
    op.execute(
        "UPDATE lti_user_links SET issuer = (SELECT r.issuer FROM lti_registrations r "
        "WHERE r.id = lti_user_links.registration_id)"
    )
    with op.batch_alter_table("lti_user_links", schema=None) as batch_op:
        batch_op.alter_column("issuer", server_default=None)
        batch_op.drop_constraint(
            batch_op.f("uq_lti_user_links_registration_id_deployment_id_sub"), type_="unique"
        )
        batch_op.drop_column("last_launch_at")
        batch_op.drop_column("method")
        batch_op.drop_column("deployment_id")
        batch_op.create_unique_constraint(
            batch_op.f("uq_lti_user_links_issuer_sub"), ["issuer", "sub"]
        )
    with op.batch_alter_table("lti_registrations", schema=None) as batch_op:
        batch_op.drop_column("link_by_email")
