"""Sign-in throttling cannot be used to lock anyone out (issue 16, point 2; OWASP ASVS 2.2.1).

Failures are counted per (account, source) pair and per source; only the offending source is
slowed down, and a correct password from any other source is always accepted. Behind a reverse
proxy the source is taken from X-Forwarded-For, but only with LEARNPATH_TRUSTED_PROXIES set.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time
from sqlalchemy import select

from learnpath import create_app
from learnpath.accounts.models import LoginFailure, Role
from learnpath.config import from_environment
from learnpath.db import utcnow
from learnpath.extensions import db
from tests.conftest import TEST_PASSWORD, IsolatedClient

WRONG = "niet-het-wachtwoord"
ATTACKER = "203.0.113.5"
VICTIM = "198.51.100.7"
PROXY = "10.0.0.254"


def login(client: FlaskClient, email: str, password: str, source: str, **headers: str) -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": source},
        headers=headers,
    )


def test_failures_from_another_source_never_refuse_the_right_password(client, make_user, app):
    user = make_user(Role.ADMIN)
    for _ in range(4 * app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, user.email, WRONG, ATTACKER)
    assert login(client, user.email, TEST_PASSWORD, VICTIM).status_code == 302


def test_the_offending_source_is_slowed_down_for_that_account(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert login(client, user.email, WRONG, ATTACKER).status_code == 200
    refused = login(client, user.email, TEST_PASSWORD, ATTACKER)
    assert refused.status_code == 429
    assert "Te veel mislukte pogingen" in refused.text
    assert int(refused.headers["Retry-After"]) == app.config["LOGIN_BACKOFF_SECONDS"]
    # The same source may try another account (its own budget is not used up).
    other = make_user(Role.PARTICIPANT)
    assert login(client, other.email, TEST_PASSWORD, ATTACKER).status_code == 302


def test_the_wait_doubles_with_each_further_failure(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    backoff = app.config["LOGIN_BACKOFF_SECONDS"]
    start = utcnow()
    with freeze_time(start):
        for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
            login(client, user.email, WRONG, ATTACKER)
    with freeze_time(start + timedelta(seconds=backoff - 1)):
        assert login(client, user.email, WRONG, ATTACKER).status_code == 429
    with freeze_time(start + timedelta(seconds=backoff + 1)):
        assert login(client, user.email, WRONG, ATTACKER).status_code == 200  # one more try
    later = start + timedelta(seconds=backoff + 1)
    with freeze_time(later + timedelta(seconds=2 * backoff - 1)):
        refused = login(client, user.email, TEST_PASSWORD, ATTACKER)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 1
    with freeze_time(later + timedelta(seconds=2 * backoff + 1)):
        assert login(client, user.email, TEST_PASSWORD, ATTACKER).status_code == 302


def test_refused_attempts_are_not_checked_or_counted(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    allowed = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(allowed + 10):
        login(client, user.email, WRONG, ATTACKER)
    assert len(db.session.scalars(select(LoginFailure)).all()) == allowed


def test_a_source_guessing_across_accounts_only_stops_itself(client, make_user, app):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    victim, bystander = make_user(Role.PARTICIPANT), make_user(Role.HR)
    for i in range(3):
        login(client, f"gok{i}@example.org", WRONG, ATTACKER)
    assert login(client, victim.email, TEST_PASSWORD, ATTACKER).status_code == 429
    assert login(client, victim.email, TEST_PASSWORD, VICTIM).status_code == 302
    assert login(client, bystander.email, TEST_PASSWORD, "192.0.2.1").status_code == 302


def test_a_successful_sign_in_clears_only_its_own_source(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    login(client, user.email, WRONG, ATTACKER)
    login(client, user.email, WRONG, VICTIM)
    assert login(client, user.email, TEST_PASSWORD, VICTIM).status_code == 302
    assert [f.ip for f in db.session.scalars(select(LoginFailure))] == [ATTACKER]


def test_old_failures_are_purged(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    login(client, "weg@example.org", WRONG, ATTACKER)
    with freeze_time(utcnow() + timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"] + 1)):
        login(client, user.email, WRONG, VICTIM)
    assert [f.email for f in db.session.scalars(select(LoginFailure))] == [user.email]


def test_ipv6_addresses_of_one_network_are_one_source(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    for i in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, user.email, WRONG, f"2001:db8:1:2::{i + 1:x}")
    assert login(client, user.email, TEST_PASSWORD, "2001:db8:1:2::ff").status_code == 429
    assert login(client, user.email, TEST_PASSWORD, "2001:db8:1:3::1").status_code == 302


def test_source_of_normalises_addresses():
    from learnpath.accounts.services import source_of

    assert source_of("192.0.2.10") == "192.0.2.10"
    assert source_of("::ffff:192.0.2.10") == "192.0.2.10"
    assert source_of("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert source_of("") == "-"
    assert len(source_of("x" * 500)) <= 64


# --- behind a reverse proxy -------------------------------------------------------------------


@pytest.fixture
def proxied(app_config: dict[str, Any], app: Flask) -> Iterator[FlaskClient]:
    """A client of an app that trusts one proxy hop (LEARNPATH_TRUSTED_PROXIES=1)."""
    behind_proxy = create_app({**app_config, "TRUSTED_PROXIES": 1})
    behind_proxy.test_client_class = IsolatedClient
    yield behind_proxy.test_client()


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_source(proxied, make_user):
    user = make_user(Role.ADMIN)
    for _ in range(10):
        login(proxied, user.email, WRONG, PROXY, **{"X-Forwarded-For": ATTACKER})
    assert {f.ip for f in db.session.scalars(select(LoginFailure))} == {ATTACKER}
    # A client cannot escape by sending its own header: the proxy appends the real address.
    spoofed = login(
        proxied, user.email, TEST_PASSWORD, PROXY, **{"X-Forwarded-For": f"{VICTIM}, {ATTACKER}"}
    )
    assert spoofed.status_code == 429
    victim = login(proxied, user.email, TEST_PASSWORD, PROXY, **{"X-Forwarded-For": VICTIM})
    assert victim.status_code == 302


def test_behind_a_proxy_one_guessing_client_does_not_stop_the_platform(proxied, make_user, app):
    app_users = [make_user(Role.PARTICIPANT) for _ in range(3)]
    budget = 30
    for i in range(budget + 5):
        login(proxied, f"gok{i}@example.org", WRONG, PROXY, **{"X-Forwarded-For": ATTACKER})
    for n, user in enumerate(app_users):
        ok = login(
            proxied, user.email, TEST_PASSWORD, PROXY, **{"X-Forwarded-For": f"192.0.2.{n + 1}"}
        )
        assert ok.status_code == 302


def test_without_trusted_proxies_the_header_is_ignored(client, make_user, app):
    assert app.config["TRUSTED_PROXIES"] == 0
    user = make_user(Role.PARTICIPANT)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, user.email, WRONG, ATTACKER, **{"X-Forwarded-For": VICTIM})
    assert {f.ip for f in db.session.scalars(select(LoginFailure))} == {ATTACKER}
    assert (
        login(
            client, user.email, TEST_PASSWORD, ATTACKER, **{"X-Forwarded-For": "192.0.2.9"}
        ).status_code
        == 429
    )


def test_trusted_proxies_is_read_from_the_environment():
    assert from_environment({"LEARNPATH_TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2
