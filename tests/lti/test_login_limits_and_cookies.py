"""Issue #25 points 10 (login rate limit, rows expire as documented) and 11 (Partitioned)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.lti import adapter
from learnpath.lti.models import LaunchValue
from tests.lti.helpers import start_login


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(LaunchValue)) or 0


def _login(client, lti, **kwargs):
    return client.get(
        "/lti/login",
        query_string={
            "iss": lti.platform.issuer,
            "login_hint": "x",
            "client_id": lti.platform.client_id,
        },
        **kwargs,
    )


def test_logins_are_rate_limited_per_address(app, client, lti):
    app.config["LTI_LOGINS_PER_MINUTE_PER_IP"] = 5
    for _ in range(5):
        assert _login(client, lti).status_code == 302
    refused = _login(client, lti)
    assert refused.status_code == 429 and 'role="alert"' in refused.text
    assert _rows() == 5  # the refused request wrote nothing
    other = _login(client, lti, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 302  # another address is not affected


def test_the_login_limit_is_shared_by_every_worker_and_server(app, client, lti):
    """Logins started from this address on other workers count too (the database keeps them);
    a minute later they no longer do."""
    from learnpath.lti.models import LoginStart

    app.config["LTI_LOGINS_PER_MINUTE_PER_IP"] = 5
    db.session.add_all(LoginStart(source="127.0.0.1", created_at=utcnow()) for _ in range(5))
    db.session.commit()
    assert _login(client, lti).status_code == 429
    for start in db.session.scalars(select(LoginStart)):
        start.created_at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    assert _login(client, lti).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LoginStart)) == 1  # old ones purged


def test_pending_logins_are_capped(app, client, lti):
    app.config["LTI_MAX_PENDING_LOGINS"] = 3
    for _ in range(3):
        assert _login(client, lti).status_code == 302
    assert _login(client, lti).status_code == 429


def test_login_rows_live_ten_minutes_and_expired_ones_are_removed(client, lti):
    start_login(client, lti)
    (row,) = db.session.scalars(select(LaunchValue)).all()
    assert row.expires_at <= utcnow() + timedelta(seconds=adapter.STATE_LIFETIME + 5)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    start_login(client, lti)  # the next login clears expired rows
    assert _rows() == 1


def test_nothing_is_kept_longer_than_an_hour(app):
    storage = adapter.DatabaseStorage()
    storage.set_value("k", {"v": 1}, exp=86400)  # what PyLTI1p3 asks for launch data
    (row,) = db.session.scalars(select(LaunchValue)).all()
    assert row.expires_at <= utcnow() + timedelta(seconds=adapter.LAUNCH_LIFETIME + 5)


def test_the_state_cookie_is_partitioned_over_https(client, lti):
    response = _login(client, lti, base_url="https://localhost")
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("lti1p3-")]
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie
    assert "HttpOnly" in cookie


def test_the_state_cookie_over_http_is_lax_and_not_partitioned(client, lti):
    response = _login(client, lti)
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("lti1p3-")]
    assert "Partitioned" not in cookie and "SameSite=Lax" in cookie
