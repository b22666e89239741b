"""Benchmark: memory (RSS) of gunicorn workers after a mix of requests (not a test).

Runs gunicorn on a database loaded by bench/national_scale.py (--keep), signs in a
participant, a facilitator, a manager, an HR officer and an administrator of the largest
organisation (and HR of a median-sized one) through the login form, then sends --requests
requests over HTTP, mixed over their main pages and the personal calendar feed, from a few
clients at once. Prints each worker's resident memory after start-up, after one round of the
pages and at the end.

    .venv/bin/python bench/national_scale.py --database URL --scale 0.1 --keep
    .venv/bin/python bench/worker_memory.py --database URL [--requests 2000] [--workers 2]
        [--port 5650] [--with-largest-hr]

The HR dashboard of the largest organisation is left out of the mix unless --with-largest-hr
is given (its suppression step can take very long at national scale).
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.national_scale import PASSWORD, SECRET  # noqa: E402


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
        try:
            with self.opener.open(self.base + path, timeout=600) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self, email: str) -> None:
        _status, body = self.get("/login")
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
        token = html.unescape(match.group(1).decode()) if match else ""
        data = urllib.parse.urlencode(
            {"csrf_token": token, "email": email, "password": PASSWORD}
        ).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=60) as response:
            response.read()
        status, _body = self.get("/account")
        if status != 200:
            raise SystemExit(f"could not sign in as {email} (status {status})")


def workers_of(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    )
    return [int(p) for p in out.stdout.split()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


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
    env = {
        **os.environ,
        "LEARNPATH_DATABASE_URL": args.database,
        "LEARNPATH_SECRET_KEY": SECRET,
        "LEARNPATH_BASE_URL": f"http://127.0.0.1:{args.port}",
        "LEARNPATH_MAIL_BACKEND": "file",
    }
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
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/login", timeout=5).read()
                break
            except OSError:
                time.sleep(0.5)
        started = {pid: rss_mb(pid) for pid in workers_of(server.pid)}
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
            browsers[who] = []
            for _ in range(args.clients):
                browser = Browser(base)
                if who != "feed":
                    browser.login(people[who])
                browsers[who].append(browser)
        for who, path in mix:  # one round: every page once per worker, roughly
            for _ in range(args.workers):
                browsers[who][0].get(path)
        warm = {pid: rss_mb(pid) for pid in workers_of(server.pid)}

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
        final = {pid: rss_mb(pid) for pid in workers_of(server.pid)}
        print(f"\n{args.requests} requests in {seconds:.0f} s, statuses {statuses}")
        print("| worker | after start MB | after one round MB | after the mix MB |")
        print("|---|---:|---:|---:|")
        for pid in final:
            print(
                f"| {pid} | {started.get(pid, 0):.0f} | {warm.get(pid, 0):.0f} | {final[pid]:.0f} |"
            )
        print(f"largest worker: {max(final.values()):.0f} MB (goal: at most 150 MB)")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
