"""`make run` as a newcomer starts it: web app and scheduler together, a queued mail is delivered
as an .eml file, the start-up text says where mail goes and who the demo users are, and one
Ctrl+C (SIGINT to the whole process group, as a terminal sends it) stops everything."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.conftest import is_postgres

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    is_postgres(), reason="starts its own SQLite app; runs once, in the SQLite run"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(condition, timeout: float, what: str, output, process=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or (process is not None and process.poll() is not None):
            raise AssertionError(f"{what} within {timeout}s; output:\n{output()}")
        time.sleep(0.3)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except OSError:
        return False


def test_make_run_serves_delivers_mail_to_files_and_stops_on_one_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    mail = tmp_path / "mail"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNPATH_", "FLASK_"))}
    env.update(
        LEARNPATH_DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        LEARNPATH_SECRET_KEY="make-run-test",
        LEARNPATH_MAIL_DIR=str(mail),
        LEARNPATH_SCHEDULER_DELIVERY_INTERVAL="1",
        LEARNPATH_BASE_URL=f"http://127.0.0.1:{port}",
    )
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        # The .venv is installed already (by `make test`); -o keeps make from reinstalling it.
        process = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "-o",
                f"{Path(sys.executable).parent}/.installed",
                "run",
                f"PORT={port}",
                f"BIN={Path(sys.executable).parent}",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    output = lambda: log.read_text(errors="replace")  # noqa: E731
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _answers(base + "/healthz"), 120, "the web app answers", output, process)
        _wait(lambda: "holds the lease" in output(), 120, "the scheduler runs", output, process)
        text = output()
        assert "beheer@rivierstad.example" in text and "deelnemer01@rivierstad.example" in text
        assert f"mail goes to .eml files in {mail}" in text
        assert f"{base}/dev/outbox" in text

        # A demo participant asks for a reset link: the mail is queued, then delivered to a file.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = opener.open(base + "/wachtwoord-vergeten").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "email": "deelnemer01@rivierstad.example"}
        opener.open(base + "/wachtwoord-vergeten", data=urllib.parse.urlencode(form).encode())

        def delivered() -> list[Path]:
            return [
                f
                for f in mail.glob("*.eml")
                if "To: deelnemer01@rivierstad.example" in f.read_text(errors="replace")
            ]

        _wait(lambda: bool(delivered()), 90, "the reset mail is an .eml file", output, process)
        assert "Subject:" in delivered()[0].read_text()
        # The scheduler's heartbeat makes the app ready.
        _wait(lambda: _answers(base + "/readyz"), 60, "/readyz is 200", output, process)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl+C
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    _wait(lambda: not _answers(base + "/healthz"), 10, "the web app has stopped", output)
    left = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
    assert left.stdout.strip() == "", f"processes left after Ctrl+C: {left.stdout}"
