"""Benchmark: a 1,000-person sign-up rush against a running learnpath (not a test).

Starts gunicorn with several workers on PostgreSQL (with the project's gunicorn.conf.py when
there is one; the command line sets workers and address), creates one cohort of 12 and 1,000
participants, then fires every sign-up at once through HTTP (real sessions and CSRF tokens)
and prints the enrolled / waitlisted counts, whether the cohort is overbooked, requests per
second, latency p50/p95/p99 and how long each sign-up held the cohort's row lock (from the end
of its ``SELECT ... FOR UPDATE`` to the end of its commit, measured inside the workers).

    .venv/bin/python bench/signup_rush.py [--people 1000] [--workers 4] [--concurrency 64]
        [--database postgresql+psycopg://postgres@127.0.0.1:5432/learnpath_bench] [--port N]
        [--cpu]

The database named in --database is dropped and created anew.

``--cpu``: no server; the same sign-ups (same cookies and CSRF tokens) one after another through
the app's test client in this process, printing the CPU time per request (median, p10, p90 of
``time.process_time``, the first 20 left out as warm-up) and the statements per request. It
does not depend on what else the machine runs, so it compares two versions of the code.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
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
SEATS = 12


def recreate_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def prepare(url: str, people: int) -> tuple[int, list[tuple[str, str]]]:
    """Migrate, create a cohort and participants; return the cohort id and (cookie, csrf) pairs."""
    from flask.sessions import SecureCookieSessionInterface
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
            capacity=SEATS,
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
        users = db.session.scalars(select(User).where(User.email.like("p%@bench.example"))).all()
        db.session.execute(
            insert(UserRole), [{"user_id": user.id, "role": Role.PARTICIPANT} for user in users]
        )
        db.session.commit()
        cohort_id = cohort.id
        # Signed session cookies and CSRF tokens, as a signed-in browser would hold them. The
        # app wraps its session interface (the calendar feeds get none); the cookie format is
        # Flask's own signed cookie, so sign with that.
        signer = SecureCookieSessionInterface().get_signing_serializer(app)
        assert signer is not None
        csrf_signer = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token")
        credentials = []
        for user in users:
            raw = os.urandom(20).hex()
            cookie = signer.dumps({"_user_id": user.get_id(), "_fresh": True, "csrf_token": raw})
            credentials.append((cookie, csrf_signer.dumps(raw)))
    return cohort_id, credentials


#: A gunicorn config that loads the project's gunicorn.conf.py (if any) and adds a probe: each
#: worker appends how long each sign-up held the cohort's lock, in milliseconds, to a file per
#: worker. A lock sent with its decision and COMMIT in one round trip (PostgreSQL:
#: learnpath.cohorts.locking) is measured by the app itself, by the database's clock from the
#: lock's grant to the end of the COMMIT (learnpath_signup_lock_seconds); any other
#: transaction from the end of its first SELECT ... FOR UPDATE to the end of its commit.
PROBE_CONFIG = """
import os, runpy, threading, time

_project = {project!r}
if os.path.exists(_project):
    globals().update(
        {{k: v for k, v in runpy.run_path(_project).items() if not k.startswith("__")}}
    )
_inner_post_worker_init = globals().get("post_worker_init")


def post_worker_init(worker):
    if _inner_post_worker_init is not None:
        _inner_post_worker_init(worker)
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    state = threading.local()
    out = open(os.path.join({folder!r}, "locks-%d.txt" % os.getpid()), "a", buffering=1)

    from learnpath import telemetry
    measured = telemetry.SIGNUP_LOCK_SECONDS
    observe = measured.observe
    def observed(seconds, *args, **kwargs):
        out.write("%.3f\\n" % (seconds * 1000))
        return observe(seconds, *args, **kwargs)
    measured.observe = observed
    def locked(conn, cursor, statement, parameters, context, executemany):
        if "; COMMIT" in statement:  # measured by the app (observed above)
            return
        if "FOR UPDATE" in statement and getattr(state, "since", None) is None:
            state.since = time.perf_counter()

    def committed(session):
        since = getattr(state, "since", None)
        if since is not None:
            held = (time.perf_counter() - since) * 1000
            state.since = None
            out.write("%.3f\\n" % held)

    def rolled_back(session):
        state.since = None

    event.listen(Engine, "after_cursor_execute", locked)
    # first of the commit's hooks: the lock ends with the COMMIT, not with what runs after it
    # (learnpath.reports.freshness raises the report counters then)
    event.listen(Session, "after_commit", committed, insert=True)
    event.listen(Session, "after_rollback", rolled_back)
"""


def probe_config(folder: str) -> str:
    path = os.path.join(folder, "gunicorn_probe.py")
    with open(path, "w") as f:
        f.write(PROBE_CONFIG.format(project=str(ROOT / "gunicorn.conf.py"), folder=folder))
    return path


def lock_holds(folder: str) -> list[float]:
    holds: list[float] = []
    for name in os.listdir(folder):
        if name.startswith("locks-"):
            with open(os.path.join(folder, name)) as f:
                holds += [float(line) for line in f if line.strip()]
    return sorted(holds)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return values[min(len(values) - 1, max(0, round(share * len(values)) - 1))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, workers: int, port: int, config: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LEARNPATH_DATABASE_URL": url, "LEARNPATH_SECRET_KEY": SECRET}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            config,
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
    deadline = time.monotonic() + 180  # four workers boot slowly on a busy machine
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10)
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("server did not start")


def cpu_per_request(url: str, cohort_id: int, credentials: list[tuple[str, str]]) -> None:
    """Sign everyone up in this process, one after another; print CPU ms and statements."""
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="signup-cpu-"))
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from learnpath import create_app

    os.environ.update(LEARNPATH_DATABASE_URL=url, LEARNPATH_SECRET_KEY=SECRET)
    app = create_app()  # as wsgi.py builds it
    client = app.test_client(use_cookies=False)
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    event.listen(Engine, "before_cursor_execute", count)
    cpu: list[float] = []
    counts: list[int] = []
    for cookie, token in credentials:
        before = statements[0]
        started = time.process_time()
        response = client.post(
            f"/trajecten/{cohort_id}/aanmelden",
            data=f"csrf_token={token}",
            headers={
                "Cookie": f"session={cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        cpu.append((time.process_time() - started) * 1000)
        counts.append(statements[0] - before)
        assert response.status_code == 302, response.status_code
    cpu, counts = cpu[20:] or cpu, counts[20:] or counts
    ordered = sorted(cpu)
    print(
        f"in-process sign-ups={len(cpu)}  CPU per request median={statistics.median(cpu):.2f} ms  "
        f"p10={percentile(ordered, 0.10):.2f} ms  p90={percentile(ordered, 0.90):.2f} ms  "
        f"statements per request median={statistics.median(counts):g} max={max(counts)}"
    )


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
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--cpu", action="store_true", help="CPU and statements per sign-up, in-process, no server"
    )
    args = parser.parse_args()

    recreate_database(args.database)
    cohort_id, credentials = prepare(args.database, args.people)
    if args.cpu:
        cpu_per_request(args.database, cohort_id, credentials)
        return
    port = args.port or free_port()
    probes = tempfile.mkdtemp(prefix="signup-rush-")
    server = start_server(args.database, args.workers, port, probe_config(probes))
    try:
        base = f"http://127.0.0.1:{port}"
        started, client_cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            results = list(pool.map(lambda c: sign_up(base, cohort_id, *c), credentials))
        elapsed = time.perf_counter() - started
        # The clients share the machine's cores with the server: say how much they took.
        client_cpu = time.process_time() - client_cpu
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

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
    holds = lock_holds(probes)
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = sorted(latency for _, latency in results)
    print(f"people={args.people} workers={args.workers} concurrency={args.concurrency}")
    print(f"HTTP statuses: {statuses}")
    seated = sum(counts.get(s, 0) for s in ("enrolled", "offered", "pending_approval"))
    waitlisted = counts.get("waitlisted", 0)
    print(
        f"enrolled={counts.get('enrolled', 0)} waitlisted={waitlisted} "
        f"distinct waitlist ranks={ranks} "
        f"overbooked={max(0, seated - SEATS)} ranks distinct={ranks == waitlisted}"
    )
    print(
        f"elapsed={elapsed:.2f}s  requests/s={len(results) / elapsed:.1f}  "
        f"latency p50={percentile(latencies, 0.50) * 1000:.0f} ms  "
        f"p95={percentile(latencies, 0.95) * 1000:.0f} ms  "
        f"p99={percentile(latencies, 0.99) * 1000:.0f} ms"
    )
    print(
        f"client CPU during the rush={client_cpu:.2f} s "
        f"({client_cpu / elapsed:.2f} of one core, {client_cpu / len(results) * 1000:.2f} ms "
        f"per request)"
    )
    if holds:
        print(
            f"cohort lock held ({len(holds)} transactions): "
            f"median={statistics.median(holds):.2f} ms  p95={percentile(holds, 0.95):.2f} ms  "
            f"p99={percentile(holds, 0.99):.2f} ms  max={holds[-1]:.2f} ms"
        )
    else:
        print("cohort lock held: no measurement (no SELECT ... FOR UPDATE seen)")


if __name__ == "__main__":
    main()
