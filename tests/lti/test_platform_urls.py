"""Issue #25 point 9: https and public addresses only; key sets cached, refreshed, timed out."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.lti import fetching
from learnpath.lti.models import Registration
from tests.lti.helpers import assert_refused, claims, post_launch, start_login, users

BAD_URLS = [
    "http://moodle.example.org/mod/lti/certs.php",
    "https://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1:6379/",
    "https://localhost/jwks",
    "https://10.0.0.8/jwks",
    "https://[::1]/jwks",
    "https://[::ffff:192.168.1.1]/jwks",
    "https://user:pw@moodle.example.org/jwks",
    "ftp://moodle.example.org/jwks",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_unsafe_platform_urls_are_refused(app, url):
    with pytest.raises(fetching.UnsafeUrl):
        fetching.check_platform_url(url)


def test_http_on_loopback_only_with_the_development_setting_and_never_in_production(app):
    url = "http://127.0.0.1:8080/jwks"
    app.config["LTI_ALLOW_HTTP_LOOPBACK"] = False
    with pytest.raises(fetching.UnsafeUrl):
        fetching.check_platform_url(url)
    app.config["LTI_ALLOW_HTTP_LOOPBACK"] = True
    assert fetching.check_platform_url(url) == url
    with pytest.raises(fetching.UnsafeUrl):
        fetching.check_platform_url("http://10.0.0.8/jwks")  # loopback only
    app.config["ENV"] = "production"
    try:
        with pytest.raises(fetching.UnsafeUrl):
            fetching.check_platform_url(url)
    finally:
        app.config["ENV"] = "development"


def _cli_args(org, key_set_url):
    return [
        "lti",
        "register",
        "--organisation",
        org.slug,
        "--name",
        "X",
        "--issuer",
        "https://moodle.example.org",
        "--client-id",
        "c",
        "--deployment",
        "1",
        "--auth-login-url",
        "https://moodle.example.org/auth",
        "--auth-token-url",
        "https://moodle.example.org/token",
        "--key-set-url",
        key_set_url,
    ]


def test_the_cli_refuses_internal_and_plain_http_urls(runner, org):
    for url in (
        "http://moodle.example.org/jwks",
        "https://169.254.169.254/",
        "https://127.0.0.1:6379",
    ):
        result = runner.invoke(args=_cli_args(org, url))
        assert result.exit_code == 1, (url, result.output)
        assert "https://" in result.output or "intern" in result.output, (url, result.output)
    assert db.session.scalar(select(Registration)) is None


def test_the_admin_form_refuses_internal_urls(client, make_user, login_as):
    login_as(make_user(Role.ADMIN))
    data = {
        "name": "Moodle",
        "issuer": "https://moodle.example.org",
        "client_id": "abc",
        "deployment_ids": "1",
        "auth_login_url": "https://moodle.example.org/auth",
        "auth_token_url": "https://moodle.example.org/token",
        "key_set_url": "https://169.254.169.254/latest/meta-data/",
        "admin_role": "none",
    }
    response = client.post("/beheer/leerplatforms/nieuw", data=data)
    assert response.status_code == 200 and 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(Registration)) is None


def _launch(client, lti):
    login = start_login(client, lti)
    token = lti.platform.sign(claims(lti, login["nonce"]))
    return post_launch(client, token, login["state"])


def test_the_key_set_is_cached_between_launches(client, lti):
    assert _launch(client, lti).status_code in (200, 302)
    client.post("/logout")
    assert _launch(client, lti).status_code in (200, 302)
    assert lti.platform.jwks_requests == 1


def test_an_unknown_kid_refreshes_the_key_set(client, lti, monkeypatch):
    monkeypatch.setattr(fetching, "REFRESH_INTERVAL", 0)
    assert _launch(client, lti).status_code in (200, 302)
    lti.platform.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    lti.platform.kid = "platform-key-2"  # the platform rotated its key
    client.post("/logout")
    assert _launch(client, lti).status_code in (200, 302)
    assert lti.platform.jwks_requests == 2


def test_a_slow_key_set_times_out(app, client, lti):
    app.config["LTI_FETCH_TIMEOUT_SECONDS"] = 0.5
    lti.platform.jwks_delay = 3
    before = users()
    started = time.monotonic()
    response = _launch(client, lti)
    assert time.monotonic() - started < 2.5
    assert_refused(client, response, before)
