"""The README's backup and restore, done: pg_dump, restore into a new database, and the app
starts on it with the same data (every table's rows, a demo user signs in)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from learnpath import create_app
from learnpath.extensions import db
from tests.conftest import is_postgres
from tests.ops import pg

pytestmark = [
    pytest.mark.skipif(not is_postgres(), reason="pg_dump and pg_restore are PostgreSQL's"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
]


def test_a_dump_restored_into_a_new_database_runs_the_app_with_the_same_data(tmp_path: Path):
    from flask_migrate import upgrade

    from learnpath.demo import DEMO_PASSWORD, seed
    from learnpath.ops.health import readiness

    with pg.database("svc_backup") as source, pg.database("svc_restored") as target:
        app = create_app({"DATABASE_URL": pg.as_text(source), "SECRET_KEY": "backup-test"})
        with app.app_context():
            upgrade()
            seed()
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        before = pg.row_counts(source)
        assert before["users"] > 0 and before["cohorts"] > 0

        # The README's commands: a custom-format dump, restored into an empty database.
        args, env = pg.client_env(source)
        dump = tmp_path / "learnpath.dump"
        subprocess.run(
            [
                "pg_dump",
                *args,
                "--format=custom",
                "--no-owner",
                "--file",
                str(dump),
                source.database,
            ],
            env=env,
            check=True,
            timeout=120,
        )
        subprocess.run(
            [
                "pg_restore",
                *args,
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                target.database,
                str(dump),
            ],
            env=env,
            check=True,
            timeout=120,
        )
        assert pg.row_counts(target) == before

        restored = create_app(
            {
                "DATABASE_URL": pg.as_text(target),
                "SECRET_KEY": "backup-test",
                "WTF_CSRF_ENABLED": False,
            }
        )
        with restored.app_context():
            checks = {check.name: check for check in readiness(restored)}
            assert checks["database"].ok and checks["migrations"].ok and checks["content"].ok
            client = restored.test_client()
            home = client.post(
                "/login",
                data={"email": "deelnemer01@rivierstad.example", "password": DEMO_PASSWORD},
                follow_redirects=True,
            )
            assert home.status_code == 200
            assert ">Uitloggen</button>" in home.get_data(as_text=True)  # signed in
            db.session.remove()
            db.engine.dispose()
