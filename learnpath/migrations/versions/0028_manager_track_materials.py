"""manager track materials: no schema change

A workshop material (its slug, title and Markdown body in Dutch and English) is programme
content in modules/workshops/*.toml, read and checked when the app starts; who may open it
follows from the existing enrolments and cohort_facilitators rows. Nothing new is stored.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 14:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    pass  # nothing to store: see the docstring


def downgrade():
    pass
