"""Migration 0035: every partnership becomes a network of two with each side's consent kept as
that member's consent; downgrading turns a network of two back into a partnership. On SQLite (a file, where 0035
rebuilds tables that other rows point at: the migration runs with foreign keys off and checks
them before it commits) and PostgreSQL (a database next to the test database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from learnpath import create_app
from learnpath.extensions import db
from tests.conftest import is_postgres

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
CONSENT = dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC)


@contextmanager
def _database(tmp_path: Path) -> Iterator[str]:
    if not is_postgres():
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    from tests.ops import pg

    with pg.database("net_migration") as url:
        yield pg.as_text(url)


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    from flask_migrate import downgrade, upgrade

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "migration-test"})
    with app.app_context():
        (downgrade if down else upgrade)(revision=revision)
        db.session.remove()
        db.engine.dispose()


def _insert(conn: sa.Connection, table: str, **values: object) -> int:
    stamps = {"created_at": NOW, "updated_at": NOW}
    columns = {**values, **stamps}
    names = ", ".join(columns)
    marks = ", ".join(f":{n}" for n in columns)
    return conn.execute(
        sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id"), columns
    ).scalar_one()


@pytest.mark.timeout(120)
def test_partnerships_become_networks_of_two_with_their_consents(tmp_path: Path) -> None:
    with _database(tmp_path) as url:
        _migrate(url, "0034")
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            a, b, c = (
                _insert(conn, "organisations", slug=s, name=n, timezone="Europe/Amsterdam")
                for s, n in (("heerlen", "Heerlen"), ("vaals", "Vaals"), ("sittard", "Sittard"))
            )
            admin_a, admin_b = (
                _insert(
                    conn,
                    "users",
                    organisation_id=o,
                    email=f"admin{o}@example.org",
                    name="Beheerder",
                    locale="nl",
                    is_active_account=True,
                )
                for o in (a, b)
            )
            # A cohort with an enrolment: 0035 alters the cohorts table (on SQLite a rebuild).
            cohort = _insert(
                conn,
                "cohorts",
                kind="programme",
                organisation_id=a,
                name="Groep 1",
                programme_slug="loopbaantraject",
                content_version="1",
                capacity=12,
                signup_mode="open",
                signup_opens_at=NOW,
                signup_closes_at=NOW,
                requires_manager_approval=False,
                status="active",
            )
            _insert(conn, "enrolments", cohort_id=cohort, user_id=admin_a, status="enrolled")
            both = {
                "first_id": a,
                "second_id": b,
                "first_consent_at": CONSENT,
                "first_consent_by_id": admin_a,
                "second_consent_at": CONSENT,
                "second_consent_by_id": admin_b,
            }
            one = {"first_id": a, "second_id": c, "first_consent_at": CONSENT}
            one["first_consent_by_id"] = admin_a
            for row in (both, one):
                _insert(conn, "organisation_partnerships", **row)
        engine.dispose()

        _migrate(url, "0035")
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            names = dict(conn.execute(sa.text("SELECT slug, name FROM networks")).all())
            assert names == {
                f"partners-{a}-{b}": "Heerlen & Vaals",
                f"partners-{a}-{c}": "Heerlen & Sittard",
            }
            members = {
                (slug, org): (at is not None, by)
                for slug, org, at, by in conn.execute(
                    sa.text(
                        "SELECT n.slug, m.organisation_id, m.consent_at, m.consent_by_id"
                        " FROM network_memberships m JOIN networks n ON n.id = m.network_id"
                        " WHERE m.ended_at IS NULL"
                    )
                )
            }
            assert members == {
                (f"partners-{a}-{b}", a): (True, admin_a),
                (f"partners-{a}-{b}", b): (True, admin_b),
                (f"partners-{a}-{c}", a): (True, admin_a),
                (f"partners-{a}-{c}", c): (False, None),
            }
            assert "organisation_partnerships" not in sa.inspect(conn).get_table_names()
        engine.dispose()

        _migrate(url, "0034", down=True)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            back = conn.execute(
                sa.text(
                    "SELECT first_id, second_id, first_consent_by_id, second_consent_by_id,"
                    " second_consent_at IS NULL FROM organisation_partnerships ORDER BY second_id"
                )
            ).all()
        engine.dispose()
        expected = sorted(
            [(a, b, admin_a, admin_b, False), (a, c, admin_a, None, True)], key=lambda r: r[1]
        )
        assert [tuple(r) for r in back] == expected
