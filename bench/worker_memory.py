"""Benchmark: memory (RSS) of gunicorn workers after a mix of requests (not a test).

Runs gunicorn on a database loaded by bench/national_scale.py (--keep), signs in a
participant, a facilitator, a manager, an HR officer and an administrator of the largest
organisation (and HR of a median-sized one) through the login form, then sends --requests
requests over HTTP, mixed over their main pages and the personal calendar feed, from a few
clients at once. Prints each worker's memory (RSS, PSS, USS) after start-up, after one round of
the pages and at the end, with the project's gunicorn.conf.py (read from the project folder).

    .venv/bin/python bench/national_scale.py --database URL --scale 0.1 --keep
    .venv/bin/python bench/worker_memory.py --database URL [--requests 2000] [--workers 2]
        [--port 5650] [--with-largest-hr]

The HR dashboard of the largest organisation is left out of the mix unless --with-largest-hr
is given (its suppression step can take very long at national scale).

HR officers and administrators must give a second step when they sign in: the benchmark gives
them a new TOTP secret in the database first (it writes that to the benchmark's database) and
answers with its code, once per person; the clients of one person share that sign-in. A page
that sends a client back to the login page counts as status 0.
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.national_scale import PASSWORD, SECRET  # noqa: E402

#: The people of the mix whose role requires the second step when signing in.
SECOND_STEP = ("hr", "hr_median", "admin")


def pick_people(url: str) -> dict[str, str]:
    """E-mail addresses of the people whose pages are requested, and a feed token seed."""
    engine = create_engine(url)
    with engine.connect() as conn:
        largest, median = conn.execute(
            text(
                "WITH sizes AS (SELECT o.id, o.slug, count(*) AS n FROM organisations o "
                "JOIN users u ON u.organisation_id = o.id GROUP BY o.id, o.slug) "
                "SELECT (SELECT slug FROM sizes ORDER BY n DESC LIMIT 1), "
                "(SELECT slug FROM sizes ORDER BY n LIMIT 1 OFFSET (SELECT count(*) / 2 FROM sizes))"
            )
        ).one()
        row = conn.execute(
            text(
                "SELECT u.email, u.id, m.email, f.email, e.cohort_id FROM users u "
                "JOIN enrolments e ON e.user_id = u.id AND e.status = 'enrolled' "
                "JOIN cohorts c ON c.id = e.cohort_id AND c.kind = 'programme' "
                "JOIN users m ON m.id = u.manager_id "
                "JOIN cohort_facilitators cf ON cf.cohort_id = c.id "
                "JOIN users f ON f.id = cf.user_id "
                "JOIN organisations o ON o.id = u.organisation_id AND o.slug = :slug "
                "ORDER BY u.id LIMIT 1"
            ),
            {"slug": largest},
        ).one()
    engine.dispose()
    participant, participant_id, manager, coach, cohort = row
    return {
        "participant": participant,
        "participant_id": str(participant_id),
        "manager": manager,
        "coach": coach,
        "cohort": str(cohort),
        "hr": f"hr@{largest}.example",
        "hr_median": f"hr@{median}.example",
        "admin": f"beheer@{largest}.example",
    }


def feed_token(url: str, participant_id: str) -> str | None:
    from bench.national_scale import make_app
    from learnpath.ical.services import derive_token

    engine = create_engine(url)
    with engine.connect() as conn:
        seed = conn.execute(
            text("SELECT seed FROM calendar_tokens WHERE user_id = :u AND scope = 'personal'"),
            {"u": int(participant_id)},
        ).scalar()
    engine.dispose()
    if seed is None:
        return None
    with make_app(url).app_context():
        return derive_token(seed)


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes]:
        """Status and body; status 0 when the page sent the browser to the login page."""
        try:
            with self.opener.open(self.base + path, timeout=600) as response:
                body = response.read()
                if path != "/login" and urllib.parse.urlsplit(response.geturl()).path == "/login":
                    return 0, body
                return response.status, body
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def _csrf(self, path: str) -> str:
        _status, body = self.get(path)
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
        return html.unescape(match.group(1).decode()) if match else ""

    def post(self, path: str, fields: dict[str, str]) -> str:
        """Submit a form (with the CSRF token of its page); the URL the answer came from."""
        data = urllib.parse.urlencode({"csrf_token": self._csrf(path), **fields}).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as response:
            response.read()
            return urllib.parse.urlsplit(response.geturl()).path

    def login(self, email: str, totp_secret: str | None = None) -> None:
        landed = self.post("/login", {"email": email, "password": PASSWORD})
        if landed == "/tweede-stap" and totp_secret:  # HR and administrators: the second step
            import pyotp

            self.post(landed, {"code": pyotp.TOTP(totp_secret).now()})
        with self.opener.open(self.base + "/account", timeout=60) as response:
            response.read()
            landed = urllib.parse.urlsplit(response.geturl()).path
        if landed != "/account":
            raise SystemExit(f"could not sign in as {email} (ended at {landed})")

    def share_sign_in(self, other: Browser) -> None:
        """Use the cookies (the signed-in session) of ``other``: one sign-in per person."""
        for cookie in other.jar:
            self.jar.set_cookie(cookie)


def enrol_second_step(url: str, emails: list[str]) -> str:
    """Give these people (HR, administrators: the second step is required) a known TOTP secret."""
    import pyotp

    from bench.national_scale import make_app
    from learnpath.accounts import mfa
    from learnpath.accounts.models import User
    from learnpath.extensions import db

    secret = pyotp.random_base32()
    with make_app(url).app_context():
        for user in db.session.scalars(db.select(User).where(User.email.in_(emails))):
            mfa.enrol_with_secret(user, secret)
            credential = mfa.credential_of(user)
            if credential is not None:
                credential.last_step = 0  # a code of an earlier run must not block this one
        db.session.commit()
    return secret


def workers_of(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    )
    return [int(p) for p in out.stdout.split()]


def memory_mb(pid: int) -> tuple[float, float, float]:
    """RSS, PSS and USS of a process in MB (/proc/PID/smaps_rollup).

    RSS counts every page the process maps, also those it shares with the master and the other
    workers (a preloaded app, the interpreter); PSS divides each shared page among its sharers;
    USS is what the process holds alone (what stopping it would give back).
    """
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            fields[name] = int(parts[0])
    uss = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return fields.get("Rss", 0) / 1024, fields.get("Pss", 0) / 1024, uss / 1024


def log_lines(log: IO[bytes]) -> list[str]:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace").splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--port", type=int, default=5650)
    parser.add_argument("--with-largest-hr", action="store_true")
    args = parser.parse_args()

    people = pick_people(args.database)
    token = feed_token(args.database, people["participant_id"])
    totp = enrol_second_step(args.database, [people[who] for who in SECOND_STEP])
    env = {
        **os.environ,
        "LEARNPATH_DATABASE_URL": args.database,
        "LEARNPATH_SECRET_KEY": SECRET,
        "LEARNPATH_BASE_URL": f"http://127.0.0.1:{args.port}",
        "LEARNPATH_MAIL_BACKEND": "file",
    }
    # The app's request lines (one per request) and errors.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally block)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{args.port}",
            "--timeout",
            "900",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/login", timeout=5).read()
                break
            except OSError:
                time.sleep(0.5)
        started = {pid: memory_mb(pid) for pid in workers_of(server.pid)}
        master_started = memory_mb(server.pid)
        c = people["cohort"]
        mix: list[tuple[str, str]] = [
            ("participant", "/"),
            ("participant", "/mijn-traject"),
            ("participant", "/opdrachten"),
            ("participant", "/opdrachten/loopbaanvraag"),
            ("participant", "/actieplan"),
            ("coach", "/cohorten"),
            ("coach", f"/cohorten/{c}"),
            ("coach", f"/cohorten/{c}/opdrachten"),
            ("manager", "/team"),
            ("manager", "/"),
            ("hr_median", "/rapportage/organisatie"),
            ("admin", "/beheer/gebruikers"),
            ("admin", "/privacy/gebruikers"),
        ]
        if args.with_largest_hr:
            mix.append(("hr", "/rapportage/organisatie"))
        if token:
            mix.append(("feed", f"/cal/{token}.ics"))
        browsers: dict[str, list[Browser]] = {}
        for who in {w for w, _ in mix}:
            first = Browser(base)
            if who != "feed":
                first.login(people[who], totp if who in SECOND_STEP else None)
            browsers[who] = [first]
            for _ in range(args.clients - 1):
                browser = Browser(base)
                browser.share_sign_in(first)
                browsers[who].append(browser)
        for who, path in mix:  # one round: every page once per worker, roughly
            for _ in range(args.workers):
                browsers[who][0].get(path)
        warm = {pid: memory_mb(pid) for pid in workers_of(server.pid)}

        statuses: dict[int, int] = {}

        def one(i: int) -> int:
            who, path = mix[i % len(mix)]
            status, _ = browsers[who][i % args.clients].get(path)
            return status

        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            for status in pool.map(one, range(args.requests)):
                statuses[status] = statuses.get(status, 0) + 1
        seconds = time.perf_counter() - start
        final = {pid: memory_mb(pid) for pid in workers_of(server.pid)}
        lost = set(started) - set(final)
        print(f"\n{args.requests} requests in {seconds:.0f} s, statuses {statuses} (0: signed out)")
        errors = [line for line in log_lines(log) if '"level": "error"' in line]
        if errors:
            print(f"{len(errors)} error lines in the log, the last: {errors[-1][:300]}")
        if lost:
            print(f"workers restarted during the run: {sorted(lost)} (max_requests?)")
        print("RSS / PSS / USS in MB (PSS shares a shared page among its sharers, USS is private)")
        print("| worker | after start | after one round | after the mix |")
        print("|---|---:|---:|---:|")

        def cell(values: tuple[float, float, float] | None) -> str:
            return " / ".join(f"{v:.0f}" for v in values) if values else "-"

        for pid in final:
            print(
                f"| {pid} | {cell(started.get(pid))} | {cell(warm.get(pid))} | {cell(final[pid])} |"
            )
        print(f"| master {server.pid} | {cell(master_started)} | | {cell(memory_mb(server.pid))} |")
        largest = max(v[0] for v in final.values())
        print(
            f"largest worker: RSS {largest:.0f} MB (goal: at most 150 MB), "
            f"PSS {max(v[1] for v in final.values()):.0f} MB, "
            f"USS {max(v[2] for v in final.values()):.0f} MB"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
