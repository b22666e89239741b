"""Browser-test harness: the app as a real server process, Debian's Chromium through Playwright.

Fixtures:
- ``server`` (session): gunicorn with two workers on a free local port, with a fresh SQLite
  database for the run (``flask db upgrade`` + ``flask seed-demo``). ``server.flask(...)`` runs
  more CLI commands against the same database, e.g. to prepare data a journey needs.
- ``browser`` (session): Chromium at /usr/bin/chromium (``$LEARNPATH_CHROMIUM`` overrides).
- ``page``: a fresh browser context (no cookies, 1280 px wide, Dutch) per test. Every document it
  loads must have been scanned with ``journeys.assert_accessible`` by the end of the test, and
  none may have reported a Content-Security-Policy violation.

When Chromium, Playwright or axe-core is missing the tests are skipped with the reason; with
CI=true they fail instead, so CI never passes without running them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import journeys

CHROMIUM = os.environ.get("LEARNPATH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 60.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every browser test ``e2e`` so ``-m "not e2e"`` leaves them out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: browser journey (real server and Chromium)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


def missing_requirements() -> list[str]:
    """Say what the browser tests need and is not installed."""
    missing = []
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"Chromium not found at {CHROMIUM} (as root: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Python package playwright missing (pip install -e '.[test]')")
    if journeys.axe_script_path() is None:
        missing.append("axe-core missing (pip install -e '.[test]' installs axe-playwright-python)")
    return missing


# --- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    env: dict[str, str]
    log_path: Path

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def flask(self, *args: str) -> str:
        """Run ``flask --app learnpath ARGS`` against the server's database; return stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "learnpath", *args],
            cwd=journeys.PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _wait_until_up(server: LiveServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at start:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url("/login"), timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the server did not answer in {START_TIMEOUT}s:\n{server.log_tail()}"
            )
        time.sleep(0.2)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Start gunicorn (2 workers) on a fresh, migrated, seeded SQLite database; stop it after."""
    tmp = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    # Only our settings: a developer's own LEARNPATH_* variables must not leak into the run.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNPATH_", "FLASK_"))}
    env.update(
        LEARNPATH_DATABASE_URL=f"sqlite:///{tmp / 'e2e.sqlite3'}",
        LEARNPATH_SECRET_KEY="e2e-secret-key",
        LEARNPATH_BASE_URL=base_url,
        LEARNPATH_ENV="development",
        LEARNPATH_DEV_OUTBOX="1",  # the journeys read invitation and reset links there
        # The OpenID provider of the sign-in journey runs on http://127.0.0.1 (tests/oidc).
        LEARNPATH_LTI_ALLOW_HTTP_LOOPBACK="1",
        # The start page's "now" (learnpath/web/clock.py): empty means the real time.
        LEARNPATH_TEST_CLOCK_FILE=str(tmp / "clock"),
    )
    live = LiveServer(base_url=base_url, env=env, log_path=tmp / "server.log")
    live.flask("db", "upgrade")
    live.flask("seed-demo")
    with live.log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
                "wsgi:app",
            ],
            cwd=journeys.PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(live, process)
        yield live
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture
def clock(server: LiveServer) -> Iterator[Callable[[datetime], None]]:
    """Set the server's frozen time ("now" of the pages); back to the real time afterwards."""
    path = Path(server.env["LEARNPATH_TEST_CLOCK_FILE"])

    def set_to(moment: datetime) -> None:
        path.write_text(moment.isoformat(), encoding="utf-8")

    try:
        yield set_to
    finally:
        path.write_text("", encoding="utf-8")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Start Debian's Chromium through Playwright (skip, or fail under CI=true, when missing)."""
    missing = missing_requirements()
    if missing:
        message = "browser tests need: " + "; ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: the browser tests are required)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context and page; after the test, every page it loaded must have been scanned."""
    context = browser.new_context(
        base_url=server.base_url, viewport=journeys.DESKTOP, locale="nl-NL"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    journeys.track(page)
    try:
        yield page
        if request.node.stash.get(_CALL_FAILED, True):
            journeys.ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=journeys.ARTIFACTS / f"FAILED-{name}.png", full_page=True)
    finally:
        tracker = journeys.untrack(page)
        context.close()
    if tracker.csp_violations:
        pytest.fail(
            "Content-Security-Policy violations:\n" + "\n".join(tracker.csp_violations),
            pytrace=False,
        )
    unscanned = tracker.unscanned()
    if unscanned and not request.node.stash.get(_CALL_FAILED, True):
        pytest.fail(
            "pages loaded but never scanned with assert_accessible: " + ", ".join(unscanned),
            pytrace=False,
        )


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    """Start each run with an empty screenshot folder so old pictures don't mislead."""
    if journeys.ARTIFACTS.exists():
        shutil.rmtree(journeys.ARTIFACTS)
