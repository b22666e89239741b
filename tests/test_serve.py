"""`make run`'s steps as a real process: migrate, seed, serve, sign in over HTTP, stop."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

FLASK = [sys.executable, "-m", "flask", "--app", "learnpath"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_app_serves_login_and_demo_user_signs_in(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LEARNPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "LEARNPATH_SECRET_KEY": "serve-test",
    }
    for args in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run(FLASK + args, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert "coach@rivierstad.example" in done.stdout
    port = _free_port()
    server = subprocess.Popen(
        FLASK + ["run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/login")
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = opener.open(base + "/login").read().decode()
        assert "Inloggen" in page
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {
                "csrf_token": token,
                "email": "deelnemer01@rivierstad.example",
                "password": "leerpad-demo",
            }
        ).encode()
        home = opener.open(base + "/login", data=form).read().decode()
        assert "Welkom, Anouk de Vries" in home
    finally:
        server.terminate()
        server.wait(timeout=10)
