"""SCIM provisioning (a bearer token per organisation, the SCIM identity of a user), account
deactivation with its date, and sign-up by work address (an organisation's email domains, the
pending sign-up requests)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 10:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _timestamps():
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "organisation_email_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_email_domains_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_email_domains")),
        sa.UniqueConstraint("domain", name=op.f("uq_organisation_email_domains_domain")),
    )
    with op.batch_alter_table("organisation_email_domains", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_email_domains_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "signup_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_signup_requests_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signup_requests")),
    )
    with op.batch_alter_table("signup_requests", schema=None) as batch_op:
        batch_op.create_index("ix_signup_requests_email_at", ["email", "created_at"], unique=False)
        batch_op.create_index("ix_signup_requests_ip_at", ["ip", "created_at"], unique=False)
        batch_op.create_index("ix_signup_requests_created_at", ["created_at"], unique=False)

    op.create_table(
        "scim_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_scim_tokens_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_scim_tokens_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_tokens")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_scim_tokens_organisation_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_scim_tokens_token_hash")),
    )

    op.create_table(
        "scim_identities",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=254), nullable=False),
        sa.Column("user_name_key", sa.String(length=254), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("formatted_name", sa.String(length=200), nullable=True),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("email_type", sa.String(length=100), nullable=True),
        sa.Column("email_primary", sa.Boolean(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_scim_identities_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_scim_identities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_scim_identities")),
        sa.UniqueConstraint(
            "organisation_id",
            "user_name_key",
            name=op.f("uq_scim_identities_organisation_id_user_name_key"),
        ),
    )
    with op.batch_alter_table("scim_identities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scim_identities_org_external_id", ["organisation_id", "external_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("scim_identities", schema=None) as batch_op:
        batch_op.drop_index("ix_scim_identities_org_external_id")
    op.drop_table("scim_identities")
    op.drop_table("scim_tokens")
    with op.batch_alter_table("signup_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_signup_requests_created_at")
        batch_op.drop_index("ix_signup_requests_ip_at")
        batch_op.drop_index("ix_signup_requests_email_at")
    op.drop_table("signup_requests")
    with op.batch_alter_table("organisation_email_domains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_email_domains_organisation_id"))
    op.drop_table("organisation_email_domains")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
