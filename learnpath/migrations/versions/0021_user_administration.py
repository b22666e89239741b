"""user administration: the user lists page through an organisation by name

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 10:40:00.000000

The admin and privacy user lists (learnpath.accounts.directory) show 50 people at a time,
ordered by name within one organisation; this index serves that order without sorting all of
the organisation's people for every page. Departments, roles and the audit actions need no
schema change (AuditEvent.action is a plain string column).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            "ix_users_organisation_name", ["organisation_id", "name", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_organisation_name")
