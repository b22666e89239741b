"""OpenID Connect sign-in per organisation, and a second factor (TOTP) for local accounts

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_sign_in', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('mfa_for_facilitators', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('oidc_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_encrypted', sa.Text(), nullable=False),
    sa.Column('allowed_domains', sa.Text(), nullable=False),
    sa.Column('department_claim', sa.String(length=100), nullable=True),
    sa.Column('mfa_claim', sa.Enum('none', 'amr', 'acr', name='mfaclaim', native_enum=False, length=10), server_default='amr', nullable=False),
    sa.Column('mfa_values', sa.String(length=500), server_default='mfa', nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_oidc_providers_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_providers')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_oidc_providers_organisation_id'))
    )
    op.create_table('oidc_pending_logins',
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=100), nullable=False),
    sa.Column('code_verifier', sa.String(length=200), nullable=False),
    sa.Column('next_url', sa.String(length=500), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['oidc_providers.id'], name=op.f('fk_oidc_pending_logins_provider_id_oidc_providers')),
    sa.PrimaryKeyConstraint('state_hash', name=op.f('pk_oidc_pending_logins'))
    )
    with op.batch_alter_table('oidc_pending_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_pending_logins_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oidc_pending_logins_provider_id'), ['provider_id'], unique=False)

    op.create_table('oidc_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['oidc_providers.id'], name=op.f('fk_oidc_identities_provider_id_oidc_providers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oidc_identities_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_identities')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_oidc_identities_issuer_subject'))
    )
    with op.batch_alter_table('oidc_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_identities_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oidc_identities_user_id'), ['user_id'], unique=False)

    op.create_table('totp_credentials',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_step', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_totp_credentials_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_totp_credentials'))
    )
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('mfa_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_failures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_failures'))
    )
    with op.batch_alter_table('mfa_failures', schema=None) as batch_op:
        batch_op.create_index('ix_mfa_failures_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_mfa_failures_user_at', ['user_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('mfa_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_mfa_failures_user_at')
        batch_op.drop_index('ix_mfa_failures_created_at')
    op.drop_table('mfa_failures')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    op.drop_table('totp_credentials')
    with op.batch_alter_table('oidc_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_identities_user_id'))
        batch_op.drop_index(batch_op.f('ix_oidc_identities_provider_id'))
    op.drop_table('oidc_identities')
    with op.batch_alter_table('oidc_pending_logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_pending_logins_provider_id'))
        batch_op.drop_index(batch_op.f('ix_oidc_pending_logins_expires_at'))
    op.drop_table('oidc_pending_logins')
    op.drop_table('oidc_providers')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('mfa_for_facilitators')
        batch_op.drop_column('password_sign_in')
