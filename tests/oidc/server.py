"""Start and stop the test OpenID provider (tests/oidc/provider.mjs, node-oidc-provider).

``npm ci`` in tests/oidc (the Makefile's ``oidc-deps``) installs it. Without Node or the
package the tests that need it are skipped with a notice, except with CI=true: then that is
an error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

HERE = Path(__file__).parent
SCRIPT = HERE / "provider.mjs"
CLIENT_SECRET = "test-client-secret-0123456789"
PASSWORD = "provider-password"


def missing() -> str | None:
    """Why the provider cannot run here, or None."""
    if shutil.which("node") is None:
        return "Node.js is not installed"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "tests/oidc/node_modules is missing (run: make oidc-deps)"
    return None


def require() -> None:
    """Skip (locally) or fail (CI=true) when the provider cannot run."""
    reason = missing()
    if reason is None:
        return
    message = f"the real OpenID provider cannot run: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def client_metadata(client_id: str, base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "client_id": client_id,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{base}/inloggen/terug"],
        "post_logout_redirect_uris": [f"{base}/inloggen/uitgelogd"],
        "response_types": ["code"],
        "grant_types": ["authorization_code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }


@dataclass
class RunningProvider:
    issuer: str
    client_id: str
    process: subprocess.Popen[bytes]

    def sign_in(
        self, authorization_url: str, login: str, password: str = PASSWORD, stop_at: str = ""
    ) -> str:
        """Drive the provider's pages as a browser would; return the URL it sends the browser
        back to (the first redirect to ``stop_at``, the app's base URL)."""
        browser = requests.Session()
        url = authorization_url
        for _ in range(20):
            if stop_at and url.startswith(stop_at):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                continue
            assert response.status_code == 200, response.text[:500]
            if 'name="login"' not in response.text:
                raise AssertionError(f"unexpected provider page: {response.text[:500]}")
            action = response.text.split('action="', 1)[1].split('"', 1)[0]
            posted = browser.post(
                urljoin(url, action),
                data={"login": login, "password": password},
                allow_redirects=False,
                timeout=10,
            )
            if not posted.is_redirect:
                raise AssertionError(f"provider refused the sign-in: {posted.text[:300]}")
            url = urljoin(url, posted.headers["Location"])
        raise AssertionError("the provider never sent the browser back")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(
    tmp: Path,
    *,
    clients: list[Mapping[str, Any]],
    accounts: Mapping[str, Any],
) -> Iterator[RunningProvider]:
    """Run provider.mjs on a free port with these clients and accounts until the block ends.

    The port is chosen by the system, not fixed: the SQLite and PostgreSQL runs of ``make
    test`` run side by side and each starts its own providers. If another process takes the
    port between choosing and listening, the provider is started again on another one."""
    require()
    config = tmp / "oidc.json"
    config.write_text(json.dumps({"clients": list(clients), "accounts": dict(accounts)}))
    for _attempt in range(5):
        port = _free_port()
        log_path = tmp / f"oidc-{port}.log"
        log = log_path.open("wb")
        process = subprocess.Popen(
            ["node", str(SCRIPT), str(port), str(config)], cwd=HERE, stdout=log, stderr=log
        )
        issuer = f"http://127.0.0.1:{port}"
        try:
            if not _wait_until_up(process, issuer, log_path):
                continue  # the port was taken in the meantime: try another
            yield RunningProvider(issuer=issuer, client_id=clients[0]["client_id"], process=process)
            return
        finally:
            _stop(process)
            log.close()
    raise RuntimeError(f"the test OpenID provider did not start: {log_path.read_text()[-2000:]}")


def _wait_until_up(process: subprocess.Popen[bytes], issuer: str, log_path: Path) -> bool:
    """True once the provider answers; False if it could not listen on its port."""
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            text = log_path.read_text()
            if "EADDRINUSE" in text:
                return False
            raise RuntimeError(text[-2000:])
        try:
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
            return True
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def account(
    email: str,
    *,
    name: str = "Test Persoon",
    verified: bool = True,
    amr: list[str] | None = None,
    **claims: Any,
) -> dict[str, Any]:
    return {
        "password": PASSWORD,
        "claims": {"email": email, "email_verified": verified, "name": name, **claims},
        "amr": amr or ["pwd"],
    }


def query_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
