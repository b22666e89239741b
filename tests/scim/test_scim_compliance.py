"""scim2-tester (an RFC 7643/7644 compliance checker, from PyPI) against the app served over
HTTP on a local port: discovery, create, read, filter, replace, PATCH add/replace/remove,
delete, attribute selection, errors. Every check must pass."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from werkzeug.serving import BaseWSGIServer, make_server

PORTS = range(5400, 5500)  # this feature's ports


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in 5400-5499")


@pytest.fixture
def served(app) -> Iterator[str]:
    port = _free_port()
    app.config["BASE_URL"] = f"http://127.0.0.1:{port}"
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_scim2_tester_finds_no_fault(served, org, scim_token):
    token = scim_token(org)
    http = httpx2.Client(
        base_url=f"{served}/scim/v2", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    with http:
        results = check_server(SyncSCIMClient(http))
    counts = Counter(result.status.name for result in results)
    bad = [
        f"{r.status.name} {r.title} {r.resource_type or ''}: {r.reason}"
        for r in results
        if r.status not in (Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED)
    ]
    print("scim2-tester:", dict(counts))
    assert not bad, "\n".join(bad)
    assert counts["SUCCESS"] >= 50  # every check ran (discovery, CRUD, PATCH, misc)


def test_without_the_token_the_checker_gets_nothing(served):
    with httpx2.Client(base_url=f"{served}/scim/v2", timeout=30) as http:
        answer = http.get("/Users")
    assert answer.status_code == 401
    assert answer.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
