"""an index the reports count hand-ins from

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-01 20:20:00.000000

``reports.queries.handed_in_counts`` counts the hand-ins per assignment of an organisation's
registrations. With (enrolment_id, status, assignment_slug) in one index PostgreSQL answers it
by an index-only scan per enrolment instead of reading each submission's row (the table with
the most rows in the database: every participant has one per assignment).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_submissions_enrolment_status_slug",
        "submissions",
        ["enrolment_id", "status", "assignment_slug"],
    )


def downgrade():
    op.drop_index("ix_submissions_enrolment_status_slug", table_name="submissions")
