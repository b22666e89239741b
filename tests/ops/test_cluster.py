"""Several app servers and schedulers on one PostgreSQL database, for real on this machine.

Two gunicorn servers (gunicorn.conf.py, two workers each) on their own ports and two schedulers:
a sign-up rush spread over both servers (signed in on one, signing up on the other) fills the
12 seats and not one more; the scheduler holding the lease is killed with SIGKILL while it is
delivering; the other takes over within a minute and every message arrives, once, or the one
in flight twice with the same Message-ID. Readiness and metrics are read from both servers.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from tests.conftest import _PASSWORD_HASH, TEST_PASSWORD, is_postgres
from tests.notifications.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cluster-secret-key"
TOKEN = "cluster-metrics"
PEOPLE = 20
CAPACITY = 12

pytestmark = pytest.mark.skipif(not is_postgres(), reason="several servers need PostgreSQL")


_GIVEN: set[int] = set()


def _port() -> int:
    """A free port in this test's range (5100-5199), not handed out before, else any free one."""
    for port in range(5100, 5200):
        if port in _GIVEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _GIVEN.add(port)
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _recreate(url: URL) -> None:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def _drop(url: URL) -> None:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def _prepare(url: str) -> tuple[int, list[str]]:
    """Migrate; one organisation, a planned cohort of 12 and PEOPLE participants."""
    from flask_migrate import upgrade

    from learnpath import create_app
    from learnpath.accounts.models import Department, Organisation, Role, User
    from learnpath.accounts.services import set_roles
    from learnpath.extensions import db
    from tests.factories import make_cohort, plan

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade()
        org = Organisation(slug="cluster", name="Gemeente Cluster", timezone="Europe/Amsterdam")
        org.departments.append(Department(name="Bedrijfsvoering"))
        db.session.add(org)
        people = []
        for i in range(PEOPLE + 1):
            user = User(
                organisation=org,
                department=org.departments[0],
                email=f"p{i}@cluster.example",
                name=f"P {i}",
                password_hash=_PASSWORD_HASH,
                locale="nl",
            )
            db.session.add(user)
            set_roles(user, (Role.FACILITATOR,) if i == 0 else (Role.PARTICIPANT,))
            people.append(user)
        db.session.commit()
        cohort = make_cohort(org, people[0], capacity=CAPACITY)
        plan(cohort, people[0])  # three sessions: an invitation per session per seat
        cohort_id = cohort.id
        emails = [u.email for u in people[1:]]
        db.session.remove()
        db.engine.dispose()
    return cohort_id, emails


class Cluster:
    def __init__(self, url: str, tmp: Path, smtp: SmtpServer) -> None:
        self.url = url
        self.tmp = tmp
        self.smtp = smtp
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: list[int] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNPATH_", "FLASK_"))}
        env.update(
            LEARNPATH_DATABASE_URL=self.url,
            LEARNPATH_SECRET_KEY=SECRET,
            LEARNPATH_METRICS_TOKEN=TOKEN,
            LEARNPATH_MAIL_BACKEND="smtp",
            LEARNPATH_SMTP_HOST="127.0.0.1",
            LEARNPATH_SMTP_PORT=str(self.smtp.port),
            LEARNPATH_SCHEDULER_LEASE_INTERVAL="1",
            LEARNPATH_SCHEDULER_DELIVERY_INTERVAL="1",
            LEARNPATH_OUTBOX_LEASE_SECONDS="3",
            LEARNPATH_OUTBOX_BATCH_SIZE="10",
            **extra,
        )
        return env

    def _start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.tmp / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def server(self, name: str) -> int:
        port = _port()
        self.ports.append(port)
        metrics = self.tmp / f"metrics-{name}"
        metrics.mkdir()
        self._start(
            name,
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
            self.env(PROMETHEUS_MULTIPROC_DIR=str(metrics)),
        )
        return port

    def scheduler(self, name: str) -> subprocess.Popen[bytes]:
        return self._start(
            name,
            [sys.executable, "-m", "flask", "--app", "learnpath", "scheduler", "run"],
            self.env(),
        )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _wait(condition, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.02)
    return time.monotonic() - started


def _up(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
        return True
    except OSError:
        return False


def _get(url: str, **headers: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.mark.timeout(900)  # several processes; on a busy machine it takes minutes
def test_two_servers_two_schedulers_one_database(tmp_path: Path) -> None:
    base = make_url(os.environ["LEARNPATH_TEST_DATABASE_URL"])
    db_url = base.set(database=f"{base.database}_svc_cluster")
    _recreate(db_url)
    url = db_url.render_as_string(hide_password=False)
    smtp = SmtpServer(port=_port()).start()
    smtp.recorder.delay_seconds = 0.05  # a mail server that takes its time: the kill lands mid-run
    cluster = Cluster(url, tmp_path, smtp)
    engine = create_engine(url)
    try:
        started = time.monotonic()
        cohort_id, emails = _prepare(url)
        print(f"prepared in {time.monotonic() - started:.1f}s")
        first = cluster.scheduler("scheduler-a")
        ports = [cluster.server("web-1"), cluster.server("web-2")]

        def holder() -> str | None:
            with engine.connect() as conn:
                return conn.scalar(text("SELECT holder FROM scheduler_leases"))

        _wait(
            lambda: (holder() or "").endswith(f":{first.pid}"), 300, "scheduler A holds the lease"
        )
        second = cluster.scheduler("scheduler-b")
        _wait(lambda: "waits" in cluster.log("scheduler-b"), 300, "scheduler B waits")
        _wait(lambda: all(_up(p) for p in ports), 300, "both servers answer")
        assert len(set(ports)) == 2
        print(f"all started after {time.monotonic() - started:.1f}s")

        # --- the rush: sign in on one server, sign up on the other, all at once ------------
        barrier = threading.Barrier(PEOPLE)

        def rush(i: int) -> int:
            here, there = (f"http://127.0.0.1:{p}" for p in (ports[i % 2], ports[1 - i % 2]))
            jar = CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            form = {"csrf_token": _token(opener.open(here + "/login").read().decode())}
            form.update(email=emails[i], password=TEST_PASSWORD)
            opener.open(here + "/login", data=urllib.parse.urlencode(form).encode())
            token = _token(opener.open(there + "/trajecten").read().decode())
            post = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
            barrier.wait(timeout=120)
            try:
                return post.open(
                    f"{there}/trajecten/{cohort_id}/aanmelden",
                    data=urllib.parse.urlencode({"csrf_token": token}).encode(),
                    timeout=60,
                ).status
            except urllib.error.HTTPError as exc:
                return exc.code

        with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
            statuses = list(pool.map(rush, range(PEOPLE)))
        print(f"rush done after {time.monotonic() - started:.1f}s")
        assert statuses == [302] * PEOPLE  # each one redirected to their programme page

        with engine.connect() as conn:
            counts = dict(
                conn.execute(
                    text("SELECT status, count(*) FROM enrolments WHERE cohort_id = :c GROUP BY 1"),
                    {"c": cohort_id},
                ).all()
            )
            queued = set(conn.scalars(text("SELECT message_id FROM outbox_messages")))
        assert counts == {"enrolled": CAPACITY, "waitlisted": PEOPLE - CAPACITY}  # 0 overbooked
        assert len(queued) == CAPACITY * 4 + (PEOPLE - CAPACITY)  # seat + 3 invitations, or a place

        # --- SIGKILL the active scheduler while it delivers ---------------------------------
        _wait(lambda: len(smtp.recorder.message_ids()) >= 3, 60, "delivery has begun")
        os.kill(first.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        first.wait(timeout=10)
        with engine.connect() as conn:
            unsent = conn.scalar(
                text("SELECT count(*) FROM outbox_messages WHERE status <> 'sent'")
            )
        assert unsent > 0, "the kill came after the last delivery: not mid-run"

        _wait(lambda: (holder() or "").endswith(f":{second.pid}"), 60, "scheduler B takes over")
        takeover = time.monotonic() - killed_at
        assert takeover < 60

        def all_sent() -> bool:
            with engine.connect() as conn:
                return not conn.scalar(
                    text("SELECT count(*) FROM outbox_messages WHERE status <> 'sent'")
                )

        _wait(all_sent, 90, "every message is delivered")
        received = collections.Counter(smtp.recorder.message_ids())
        assert set(received) == queued
        twice = [mid for mid, n in received.items() if n > 1]
        assert len(twice) <= 1 and max(received.values()) <= 2, received

        # --- both servers: ready (the new scheduler's heartbeat), metrics add up -------------
        sign_up_requests = 0.0
        for port in ports:
            status, body = _get(f"http://127.0.0.1:{port}/readyz")
            assert status == 200, body
            assert f":{second.pid} active" in body
            status, body = _get(f"http://127.0.0.1:{port}/metrics", Authorization=f"Bearer {TOKEN}")
            assert status == 200
            # Read from the database: the same on every server.
            assert f'learnpath_outbox_messages{{status="sent"}} {len(queued)}.0' in body
            assert f"learnpath_signups_total {PEOPLE}.0" in body
            assert f'learnpath_enrolments{{status="enrolled"}} {CAPACITY}.0' in body
            # Counted by each server's workers (multi-process mode), added up here.
            requests = re.findall(
                r'^learnpath_http_requests_total\{endpoint="cohorts.sign_up",method="POST",status="302"\} (\S+)$',
                body,
                re.M,
            )
            sign_up_requests += sum(float(value) for value in requests)
        assert (
            sign_up_requests == PEOPLE
        )  # every sign-up request counted once, by the server it hit
        print(f"takeover after SIGKILL: {takeover:.1f}s; delivered twice: {len(twice)}")
    finally:
        cluster.stop()
        smtp.stop()
        engine.dispose()
        for name in cluster.processes:
            log = cluster.log(name)
            if "Traceback" in log:
                print(f"--- {name} ---\n{log[-3000:]}")
        _drop(db_url)
