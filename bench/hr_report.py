"""HR dashboard for an organisation with 1,000 participants in 90 cohorts (with action plans,
goals and follow-ups) and 200 managers in workshop and intervision groups: median server time
and number of queries per request.

Run: .venv/bin/python bench/hr_report.py [DATABASE_URL]
(default: a fresh SQLite file; pass a PostgreSQL URL of a scratch database to measure there —
its schema is dropped and rebuilt).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from learnpath import create_app  # noqa: E402
from learnpath.accounts.models import Department, Organisation, Role, User  # noqa: E402
from learnpath.accounts.services import set_roles  # noqa: E402
from learnpath.extensions import db  # noqa: E402
from tests.reports.data import generate  # noqa: E402

RUNS = 15
PARTICIPANTS = 1000
COHORTS = 90
MANAGERS = 200
DEPARTMENTS = [
    "Sociaal domein",
    "Ruimte",
    "Economie",
    "Bedrijfsvoering",
    "Publiekszaken",
    "Veiligheid",
    "Dienstverlening",
    "Financiën",
]


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(revision="heads")
        org = Organisation(slug="bench", name="Gemeente Bench")
        org.departments.append(Department(name="Bestuur"))
        db.session.add(org)
        db.session.commit()
        per_dept = PARTICIPANTS // len(DEPARTMENTS)
        started = time.perf_counter()
        generate(
            org,
            dict.fromkeys(DEPARTMENTS, per_dept),
            cohorts=COHORTS,
            seed=42,
            managers=MANAGERS,
        )
        hr = User(organisation=org, email="hr@bench.example", name="HR", password_hash="x")
        db.session.add(hr)
        set_roles(hr, {Role.HR})
        db.session.commit()
        print(
            f"generated {PARTICIPANTS} participants in {COHORTS} cohorts and {MANAGERS} "
            "managers "
            f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
        )
        if db.engine.dialect.name == "postgresql":
            # fresh tables have no planner statistics yet (autovacuum would gather them)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        year = db.session.execute(text("SELECT MIN(starts_at) FROM cohort_sessions")).scalar()
        year = year.year if hasattr(year, "year") else int(str(year)[:4])
        session_id = hr.get_id()
        dept_id = db.session.execute(
            text("SELECT id FROM departments WHERE name = 'Ruimte'")
        ).scalar()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    for label, url_path in [
        ("whole organisation", f"/rapportage/organisatie?jaar={year}"),
        ("one department", f"/rapportage/organisatie?jaar={year}&afdeling={dept_id}"),
        ("one CSV table", f"/rapportage/organisatie/attendance.csv?jaar={year}"),
        ("goals CSV", f"/rapportage/organisatie/goals.csv?jaar={year}"),
    ]:
        times, queries = [], []
        with app.app_context():
            engine = db.engine
        counter: list[int] = []

        def count(*_args: object, counter: list[int] = counter) -> None:
            counter.append(1)

        event.listen(engine, "before_cursor_execute", count)
        for _ in range(RUNS):
            counter.clear()
            t0 = time.perf_counter()
            response = client.get(url_path)
            times.append(time.perf_counter() - t0)
            queries.append(len(counter))
            assert response.status_code == 200, response.status_code
        event.remove(engine, "before_cursor_execute", count)
        print(
            f"{label:20s} median {statistics.median(times) * 1000:7.1f} ms  "
            f"queries {statistics.median(queries):.0f}  ({RUNS} runs)"
        )


if __name__ == "__main__":
    main()
