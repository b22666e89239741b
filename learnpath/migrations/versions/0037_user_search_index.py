"""an index for searching an organisation's people (PostgreSQL: trigram)

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-01 17:20:00.000000

The user lists (learnpath.accounts.directory) find a text anywhere in a name or an email address
(``lower(name) LIKE '%text%'``). On PostgreSQL a trigram GIN index on each expression serves
that search (a bitmap scan of the few matching rows instead of reading every person of the
organisation, twice: for the count and for the page). SQLite has no such index: nothing to do.
The extension is created only when missing (``pg_trgm`` is a trusted extension: the database
owner may create it).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_users_name_trgm ON users USING gin (lower(name) gin_trgm_ops)")
    op.execute("CREATE INDEX ix_users_email_trgm ON users USING gin (lower(email) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_users_email_trgm")
    op.execute("DROP INDEX IF EXISTS ix_users_name_trgm")
