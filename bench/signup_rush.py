"""Benchmark: a 1,000-person sign-up rush against a running learnpath (not a test).

Starts gunicorn with several workers on PostgreSQL, creates one cohort of 12 and 1,000
participants, then fires every sign-up at once through HTTP (real sessions and CSRF tokens)
and prints the enrolled / waitlisted counts and requests per second.

    .venv/bin/python bench/signup_rush.py [--people 1000] [--workers 4] [--concurrency 64]
        [--database postgresql+psycopg://postgres@127.0.0.1:5432/learnpath_bench]

The database named in --database is dropped and created anew.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key"


def recreate_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def prepare(url: str, people: int) -> tuple[int, list[tuple[str, str]]]:
    """Migrate, create a cohort and participants; return the cohort id and (cookie, csrf) pairs."""
    from flask_migrate import upgrade
    from itsdangerous import URLSafeTimedSerializer

    from learnpath import create_app
    from learnpath.accounts.models import Organisation, Role, User, UserRole
    from learnpath.cohorts import services
    from learnpath.content_registry import get_content
    from learnpath.db import utcnow
    from learnpath.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade()
        org = Organisation(slug="bench", name="Gemeente Bench")
        db.session.add(org)
        db.session.flush()
        coach = User(organisation=org, email="coach@bench.example", name="Coach", password_hash="x")
        db.session.add(coach)
        db.session.flush()
        db.session.add(UserRole(user_id=coach.id, role=Role.FACILITATOR))
        db.session.flush()
        now = utcnow()
        data = services.CohortData(
            name="Rush",
            capacity=12,
            signup_opens_at=now - timedelta(hours=1),
            signup_closes_at=now + timedelta(days=1),
            open_to=[org],
            facilitators=[coach],
        )
        cohort = services.create_cohort(org, "loopbaantraject", get_content().version, data, coach)
        db.session.execute(
            insert(User),
            [
                {
                    "organisation_id": org.id,
                    "email": f"p{i}@bench.example",
                    "name": f"P {i}",
                    "password_hash": "x",
                    "locale": "nl",
                    "is_active_account": True,
                }
                for i in range(people)
            ],
        )
        users = db.session.execute(
            select(User.id, User.password_hash).where(User.email.like("p%@bench.example"))
        ).all()
        db.session.execute(
            insert(UserRole), [{"user_id": uid, "role": Role.PARTICIPANT} for uid, _ in users]
        )
        db.session.commit()
        cohort_id = cohort.id
        # Signed session cookies and CSRF tokens, as a signed-in browser would hold them.
        signer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        csrf_signer = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token")
        credentials = []
        for uid, password_hash in users:
            fingerprint = User(password_hash=password_hash).credential_fingerprint
            raw = os.urandom(20).hex()
            cookie = signer.dumps(
                {"_user_id": f"{uid}:{fingerprint}", "_fresh": True, "csrf_token": raw}
            )
            credentials.append((cookie, csrf_signer.dumps(raw)))
    return cohort_id, credentials


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, workers: int, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LEARNPATH_DATABASE_URL": url, "LEARNPATH_SECRET_KEY": SECRET}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("server did not start")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def sign_up(base: str, cohort_id: int, cookie: str, token: str) -> tuple[int, float]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        f"{base}/trajecten/{cohort_id}/aanmelden",
        data=f"csrf_token={token}".encode(),
        headers={
            "Cookie": f"session={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    started = time.perf_counter()
    try:
        status = opener.open(request, timeout=120).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/learnpath_bench"
    )
    args = parser.parse_args()

    recreate_database(args.database)
    cohort_id, credentials = prepare(args.database, args.people)
    port = free_port()
    server = start_server(args.database, args.workers, port)
    try:
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            results = list(pool.map(lambda c: sign_up(base, cohort_id, *c), credentials))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=20)

    from learnpath.cohorts.models import Enrolment

    engine = create_engine(args.database)
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                select(Enrolment.status, func.count())
                .where(Enrolment.cohort_id == cohort_id)
                .group_by(Enrolment.status)
            ).all()
        )
        ranks = conn.execute(
            select(func.count(func.distinct(Enrolment.waitlist_rank))).where(
                Enrolment.cohort_id == cohort_id, Enrolment.waitlist_rank.is_not(None)
            )
        ).scalar()
    engine.dispose()
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = sorted(latency for _, latency in results)
    print(f"people={args.people} workers={args.workers} concurrency={args.concurrency}")
    print(f"HTTP statuses: {statuses}")
    print(
        f"enrolled={counts.get('enrolled', 0)} waitlisted={counts.get('waitlisted', 0)} "
        f"distinct waitlist ranks={ranks}"
    )
    print(
        f"elapsed={elapsed:.2f}s  requests/s={len(results) / elapsed:.1f}  "
        f"median latency={statistics.median(latencies) * 1000:.0f} ms  "
        f"p95={latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
