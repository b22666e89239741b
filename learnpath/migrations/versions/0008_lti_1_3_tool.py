"""LTI 1.3 tool

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 14:42:17.452007

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # LTI 1.3 tables only
    op.create_table('lti_launch_values',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_lti_launch_values'))
    )
    with op.batch_alter_table('lti_launch_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_launch_values_expires_at'), ['expires_at'], unique=False)
    op.create_table('lti_tool_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('public_pem', sa.Text(), nullable=False),
    sa.Column('private_pem_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_tool_keys')),
    sa.UniqueConstraint('kid', name=op.f('uq_lti_tool_keys_kid'))
    )
    op.create_table('lti_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('auth_login_url', sa.String(length=500), nullable=False),
    sa.Column('auth_token_url', sa.String(length=500), nullable=False),
    sa.Column('key_set_url', sa.String(length=500), nullable=False),
    sa.Column('auth_audience', sa.String(length=500), nullable=True),
    sa.Column('admin_role', sa.Enum('none', 'hr', 'admin', name='adminrolemapping', native_enum=False, length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_lti_registrations_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_registrations')),
    sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_registrations_issuer_client_id'))
    )
    with op.batch_alter_table('lti_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_registrations_organisation_id'), ['organisation_id'], unique=False)
    op.create_table('lti_deployments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_deployments_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_deployments')),
    sa.UniqueConstraint('registration_id', 'deployment_id', name=op.f('uq_lti_deployments_registration_id_deployment_id'))
    )
    with op.batch_alter_table('lti_deployments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_deployments_registration_id'), ['registration_id'], unique=False)
    op.create_table('lti_user_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_user_links_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_user_links_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_user_links')),
    sa.UniqueConstraint('issuer', 'sub', name=op.f('uq_lti_user_links_issuer_sub'))
    )
    with op.batch_alter_table('lti_user_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_user_links_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_user_links_user_id'), ['user_id'], unique=False)
    op.create_table('lti_resource_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=True),
    sa.Column('context_id', sa.String(length=255), nullable=True),
    sa.Column('context_title', sa.String(length=255), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('bound_by_id', sa.Integer(), nullable=True),
    sa.Column('memberships_url', sa.String(length=500), nullable=True),
    sa.Column('lineitems_url', sa.String(length=500), nullable=True),
    sa.Column('lineitem_url', sa.String(length=500), nullable=True),
    sa.Column('ags_scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bound_by_id'], ['users.id'], name=op.f('fk_lti_resource_links_bound_by_id_users')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_lti_resource_links_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_resource_links_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_links')),
    sa.UniqueConstraint('registration_id', 'resource_link_id', name=op.f('uq_lti_resource_links_registration_id_resource_link_id'))
    )
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_resource_links_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_resource_links_registration_id'), ['registration_id'], unique=False)
    op.create_table('lti_score_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('score_given', sa.Integer(), nullable=False),
    sa.Column('activity_progress', sa.String(length=20), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], name=op.f('fk_lti_score_posts_resource_link_id_lti_resource_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_score_posts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_score_posts')),
    sa.UniqueConstraint('resource_link_id', 'user_id', name=op.f('uq_lti_score_posts_resource_link_id_user_id'))
    )
    with op.batch_alter_table('lti_score_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_score_posts_resource_link_id'), ['resource_link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_score_posts_user_id'), ['user_id'], unique=False)


def downgrade():
    # LTI 1.3 tables only
    with op.batch_alter_table('lti_score_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_score_posts_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_score_posts_resource_link_id'))
    op.drop_table('lti_score_posts')
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_registration_id'))
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_cohort_id'))
    op.drop_table('lti_resource_links')
    with op.batch_alter_table('lti_user_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_user_links_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_user_links_registration_id'))
    op.drop_table('lti_user_links')
    with op.batch_alter_table('lti_deployments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_deployments_registration_id'))
    op.drop_table('lti_deployments')
    with op.batch_alter_table('lti_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_registrations_organisation_id'))
    op.drop_table('lti_registrations')
    op.drop_table('lti_tool_keys')
    with op.batch_alter_table('lti_launch_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_launch_values_expires_at'))
    op.drop_table('lti_launch_values')
