"""Admin user lists for an organisation of 5,400 people (issue 17 goal 3): median server time,
queries and HTML size per page of /beheer/gebruikers and /privacy/gebruikers.

The organisation has 5,400 people in 30 departments (one in ten a manager); 20 other
organisations of 5,000 people each stand for the rest of the country. Measured in-process
with the test client (median of RUNS interleaved runs, after a warm-up).

"app CPU ms" is the CPU time of the app's own process for the request (without the database
server's), which a loaded machine inflates far less than the wall-clock median.

Run: .venv/bin/python bench/admin_users.py [DATABASE_URL] [--others N] [--reuse]
(default: a fresh SQLite file; pass a PostgreSQL URL of a scratch database to measure there —
its schema is dropped and rebuilt).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask, render_template_string
from flask_migrate import upgrade
from markupsafe import Markup
from sqlalchemy import event, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from learnpath import create_app  # noqa: E402
from learnpath.accounts import directory  # noqa: E402
from learnpath.accounts.models import Department, Organisation, Role, User, UserRole  # noqa: E402
from learnpath.extensions import db  # noqa: E402

RUNS = 25
PEOPLE = 5400
DEPARTMENTS = 30
OTHER_SIZE = 5000


def load(org: Organisation, people: int, departments: int) -> None:
    """``people`` users in ``departments`` departments, by executemany."""
    db.session.execute(
        insert(Department),
        [
            {"organisation_id": org.id, "name": f"Afdeling {i:02d} {org.slug}"}
            for i in range(departments)
        ],
    )
    dept_ids = list(
        db.session.scalars(select(Department.id).where(Department.organisation_id == org.id))
    )
    db.session.execute(
        insert(User),
        [
            {
                "organisation_id": org.id,
                "department_id": dept_ids[i % len(dept_ids)],
                "email": f"medewerker{i:05d}@{org.slug}.example.nl",
                "name": f"Medewerker {i:05d} van der Achternaam",
                "password_hash": "x",
                "locale": "nl",
                "is_active_account": True,
            }
            for i in range(people)
        ],
    )
    ids = list(db.session.scalars(select(User.id).where(User.organisation_id == org.id)))
    rows = [{"user_id": i, "role": Role.PARTICIPANT} for i in ids]
    rows += [{"user_id": i, "role": Role.MANAGER} for i in ids[::10]]
    db.session.execute(insert(UserRole), rows)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?")
    parser.add_argument("--others", type=int, default=20, help="other organisations")
    parser.add_argument("--reuse", action="store_true", help="measure the data loaded before")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if not args.reuse:
            _load_all(args.others)
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "groot"))
        admin = db.session.scalar(select(User).where(User.email == "beheer@groot.example.nl"))
        assert org is not None and admin is not None
        admin_session_id = admin.get_id()
        department_id = db.session.scalar(
            select(Department.id).where(Department.organisation_id == org.id).limit(1)
        )
        # Page 60 as the "next page" link reaches it: after the key of the 2,950th person.
        before_60 = db.session.scalar(
            select(User)
            .where(User.organisation_id == org.id)
            .order_by(User.name, User.id)
            .offset(59 * 50 - 1)
            .limit(1)
        )
        assert before_60 is not None
        after_key = directory.encode_key(before_60)
        db.session.remove()
    _measure(app, admin_session_id, department_id, after_key)


def _load_all(others: int) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(revision="heads")
    started = time.perf_counter()
    org = Organisation(slug="groot", name="Gemeente Groot")
    db.session.add(org)
    db.session.commit()
    load(org, PEOPLE, DEPARTMENTS)
    for n in range(others):
        other = Organisation(slug=f"elders{n}", name=f"Gemeente Elders {n}")
        db.session.add(other)
        db.session.commit()
        load(other, OTHER_SIZE, DEPARTMENTS)
    admin = User(
        organisation=org, email="beheer@groot.example.nl", name="Beheerder", password_hash="x"
    )
    db.session.add(admin)
    db.session.flush()
    db.session.add(UserRole(user_id=admin.id, role=Role.ADMIN))
    db.session.commit()
    total = db.session.scalar(text("SELECT count(*) FROM users"))
    print(
        f"loaded {total} users ({PEOPLE} in the measured organisation) in "
        f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
    )
    if db.engine.dialect.name == "postgresql":
        # VACUUM as autovacuum does after a bulk load (it is off on some test servers): the
        # visibility map lets the list's index-only scans skip the table.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def _measure(app: Flask, admin_session_id: str, department_id: int | None, after: str) -> None:
    pages = {
        "/beheer/gebruikers": "/beheer/gebruikers",
        "/beheer/gebruikers page 60": "/beheer/gebruikers?page=60",
        # The same page reached by "next page" (keyset: after the 2,950th person's key).
        "/beheer/gebruikers page 60 next": f"/beheer/gebruikers?after={after}",
        "/beheer/gebruikers ?q=": "/beheer/gebruikers?q=00042",
        "/beheer/gebruikers dept+role": f"/beheer/gebruikers?department={department_id}&role=manager",
        "/privacy/gebruikers": "/privacy/gebruikers",
        "/privacy/gebruikers page 60": "/privacy/gebruikers?page=60",
        "/privacy/gebruikers page 60 next": f"/privacy/gebruikers?after={after}",
        # A small signed-in page in the same run, for comparison on a loaded machine.
        "/account (reference)": "/account",
    }
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin_session_id
        session["_fresh"] = True
    queries = {"n": 0}

    def count(*_args: object, **_kwargs: object) -> None:
        queries["n"] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    times: dict[str, list[float]] = {name: [] for name in pages}
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    # The floor: a bare Flask route rendering a template of the same HTML (no database).
    floor = Flask("floor")
    bodies: dict[str, str] = {}

    @floor.route("/<name>")
    def bare(name: str) -> str:
        return render_template_string("{{ body }}", body=Markup(bodies[name]))

    floor_client = floor.test_client()
    floor_times: dict[str, list[float]] = {name: [] for name in pages}
    cpu_times: dict[str, list[float]] = {name: [] for name in pages}
    for key, path in enumerate(pages.values()):  # warm-up
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        bodies[str(key)] = response.get_data(as_text=True)
        floor_client.get(f"/{key}")
    for _ in range(RUNS):
        for key, (name, path) in enumerate(pages.items()):
            queries["n"] = 0
            start, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times[name].append((time.perf_counter() - start) * 1000)
            cpu_times[name].append((time.process_time() - cpu) * 1000)
            sizes[name] = len(response.data)
            counts[name] = queries["n"]
            start = time.perf_counter()
            floor_client.get(f"/{key}")
            floor_times[name].append((time.perf_counter() - start) * 1000)
    print(
        f"{'page':32} {'median ms':>10} {'app CPU ms':>11} {'floor ms':>9} {'ratio':>6} "
        f"{'queries':>8} {'kB':>7}"
    )
    for name in pages:
        median = statistics.median(times[name])
        floor_median = statistics.median(floor_times[name])
        print(
            f"{name:32} {median:10.1f} {statistics.median(cpu_times[name]):11.1f} "
            f"{floor_median:9.2f} {median / floor_median:6.1f} "
            f"{counts[name]:8d} {sizes[name] / 1000:7.1f}"
        )


if __name__ == "__main__":
    main()
