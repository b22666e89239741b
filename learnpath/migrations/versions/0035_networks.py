"""regional networks replace partnerships; network cohorts with seat quotas; two personal
settings (first name only for other organisations, discreet calendar mode)

Every partnership of two organisations becomes a network of two ("<A> & <B>"), each side's
consent kept as that member's consent; the partnership table is dropped. Downgrading turns
every network of exactly two members back into a partnership (larger networks cannot be
expressed and are dropped).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-01 17:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def _timestamps():
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    op.create_table(
        "networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_networks")),
        sa.UniqueConstraint("slug", name=op.f("uq_networks_slug")),
    )
    op.create_table(
        "network_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_network_memberships_network_id_networks")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_network_memberships_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["consent_by_id"], ["users.id"], name=op.f("fk_network_memberships_consent_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_network_memberships_ended_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_memberships")),
        sa.UniqueConstraint(
            "network_id",
            "organisation_id",
            name=op.f("uq_network_memberships_network_id_organisation_id"),
        ),
    )
    with op.batch_alter_table("network_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_memberships_network_id"), ["network_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_memberships_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_table(
        "network_coordinators",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_network_coordinators_network_id_networks"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_network_coordinators_user_id_users")
        ),
        sa.PrimaryKeyConstraint("network_id", "user_id", name=op.f("pk_network_coordinators")),
    )
    with op.batch_alter_table("network_coordinators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_coordinators_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("network_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("quota_release_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_cohorts_network_id"), ["network_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_cohorts_network_id_networks"), "networks", ["network_id"], ["id"]
        )
    op.create_table(
        "cohort_quotas",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.CheckConstraint("seats >= 0", name=op.f("ck_cohort_quotas_seats_not_negative")),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_quotas_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cohort_quotas_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("cohort_id", "organisation_id", name=op.f("pk_cohort_quotas")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "first_name_only_elsewhere",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("discreet_calendar", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    _partnerships_to_networks()
    with op.batch_alter_table("organisation_partnerships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_partnerships_second_id"))
        batch_op.drop_index(batch_op.f("ix_organisation_partnerships_first_id"))
    op.drop_table("organisation_partnerships")


def _partnerships_to_networks():
    bind = op.get_bind()
    now = sa.func.now() if bind.dialect.name == "postgresql" else sa.text("CURRENT_TIMESTAMP")
    rows = bind.execute(
        sa.text(
            "SELECT p.first_id, p.second_id, p.first_consent_at, p.first_consent_by_id,"
            " p.second_consent_at, p.second_consent_by_id, a.name, b.name"
            " FROM organisation_partnerships p"
            " JOIN organisations a ON a.id = p.first_id"
            " JOIN organisations b ON b.id = p.second_id ORDER BY p.id"
        )
    ).all()
    networks = sa.table(
        "networks",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    members = sa.table(
        "network_memberships",
        sa.column("network_id", sa.Integer),
        sa.column("organisation_id", sa.Integer),
        # Untyped: the value read from the partnership is written back as it is (SQLite
        # gives the stored text, PostgreSQL a datetime).
        sa.column("consent_at"),
        sa.column("consent_by_id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    for first, second, a_at, a_by, b_at, b_by, a_name, b_name in rows:
        network_id = bind.execute(
            networks.insert()
            .values(
                slug=f"partners-{first}-{second}",
                name=f"{a_name} & {b_name}"[:200],
                created_at=now,
                updated_at=now,
            )
            .returning(networks.c.id)
        ).scalar_one()
        for organisation_id, at, by in ((first, a_at, a_by), (second, b_at, b_by)):
            bind.execute(
                members.insert().values(
                    network_id=network_id,
                    organisation_id=organisation_id,
                    consent_at=at,
                    consent_by_id=by,
                    created_at=now,
                    updated_at=now,
                )
            )


def downgrade():
    op.create_table(
        "organisation_partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("first_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_consent_by_id", sa.Integer(), nullable=True),
        sa.Column("second_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("second_consent_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
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
    bind = op.get_bind()
    pairs = bind.execute(
        sa.text(
            "SELECT MIN(organisation_id), MAX(organisation_id), network_id"
            " FROM network_memberships WHERE ended_at IS NULL"
            " GROUP BY network_id HAVING COUNT(*) = 2"
        )
    ).all()
    for first, second, network_id in pairs:
        consents = {
            org: (at, by)
            for org, at, by in bind.execute(
                sa.text(
                    "SELECT organisation_id, consent_at, consent_by_id FROM network_memberships"
                    " WHERE network_id = :n AND ended_at IS NULL"
                ),
                {"n": network_id},
            )
        }
        bind.execute(
            sa.text(
                "INSERT INTO organisation_partnerships (first_id, second_id, first_consent_at,"
                " first_consent_by_id, second_consent_at, second_consent_by_id, created_at,"
                " updated_at) SELECT :a, :b, :aat, :aby, :bat, :bby, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP WHERE NOT EXISTS (SELECT 1 FROM organisation_partnerships"
                " WHERE first_id = :a AND second_id = :b)"
            ),
            {
                "a": first,
                "b": second,
                "aat": consents[first][0],
                "aby": consents[first][1],
                "bat": consents[second][0],
                "bby": consents[second][1],
            },
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("discreet_calendar")
        batch_op.drop_column("first_name_only_elsewhere")
    op.drop_table("cohort_quotas")
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cohorts_network_id_networks"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cohorts_network_id"))
        batch_op.drop_column("quota_release_at")
        batch_op.drop_column("network_id")
    with op.batch_alter_table("network_coordinators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_coordinators_user_id"))
    op.drop_table("network_coordinators")
    with op.batch_alter_table("network_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_memberships_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_network_memberships_network_id"))
    op.drop_table("network_memberships")
    op.drop_table("networks")
