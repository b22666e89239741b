"""Security headers on every response (issue 16, point 5): a CSP without inline code, no
framing except by the launching learning platform, nosniff, Referrer-Policy,
Permissions-Policy, and HSTS in production only; and no template that a CSP would break."""

# ruff: noqa: F811 (the LTI fixtures are imported, then named as test arguments)

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from learnpath import create_app
from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.ical import services as ical_services
from learnpath.web import headers
from tests.factories import make_cohort
from tests.lti.conftest import launch, lti  # noqa: F401
from tests.lti.platform import INSTRUCTOR, LEARNER
from tests.lti.test_launch import _confirm

PROJECT = Path(__file__).resolve().parents[2]
TEMPLATES = PROJECT / "templates"


def policy(response) -> dict[str, list[str]]:
    """The CSP of a response as {directive: [sources]}."""
    text = response.headers["Content-Security-Policy"]
    directives = {}
    for part in text.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {text}"
        directives[name] = sources
    return directives


# --- Content-Security-Policy ------------------------------------------------------------------


def test_an_ordinary_page_has_a_csp_without_inline_code_and_cannot_be_framed(client):
    response = client.get("/login")
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_error_pages_and_signed_in_pages_carry_the_policy_too(client, login_as, make_user):
    assert policy(client.get("/no-such-page"))["frame-ancestors"] == ["'none'"]
    login_as(make_user(Role.PARTICIPANT))
    response = client.get("/")
    assert response.status_code == 200
    assert policy(response)["script-src"] == ["'self'"]


def test_the_lti_launch_lets_only_the_launching_platform_frame_its_pages(client, launch, lti):
    response = launch(lti.platform.prepare_launch("student-h", [LEARNER], email="h@example.org"))
    assert response.status_code in (200, 302)
    page = client.get(response.headers.get("Location", "/"))
    assert page.status_code == 200
    csp = policy(page)
    assert csp["frame-ancestors"] == ["'self'", lti.platform.url]
    assert csp["script-src"] == ["'self'"]  # the rest of the policy stays as strict
    assert "X-Frame-Options" not in page.headers  # it cannot name the platform

    # A normal sign-in in another browser is not frameable.
    assert (
        policy(lti_free := client.application.test_client().get("/login"))["frame-ancestors"]
        == ["'none'"]
        and lti_free.headers["X-Frame-Options"] == "DENY"
    )


def test_a_refused_launch_is_framed_by_the_platform_it_names_only(client, launch, lti):
    hint = lti.platform.prepare_launch(
        "late", [LEARNER], exp=int(time.time()) - 60, iat=int(time.time()) - 400
    )
    refused = launch(hint)
    assert refused.status_code in (400, 403) and 'role="alert"' in refused.text
    assert policy(refused)["frame-ancestors"] == ["'self'", lti.platform.url]

    # A login naming no registered platform: nobody may frame the refusal.
    unknown = client.get(
        "/lti/login",
        query_string={"iss": "https://elsewhere.example", "login_hint": "x", "client_id": "y"},
    )
    assert unknown.status_code == 400
    assert policy(unknown)["frame-ancestors"] == ["'none'"]


def test_the_deep_linking_return_form_may_post_to_the_platform(client, launch, lti, org, make_user):
    facilitator = make_user(Role.FACILITATOR, email="dlh@example.org")
    cohort = make_cohort(org, facilitator, name="Diep")
    lti.registration.link_by_email = True
    db.session.commit()
    hint = lti.platform.prepare_launch(
        "teacher-h", [INSTRUCTOR], email="dlh@example.org", message_type="LtiDeepLinkingRequest"
    )
    _confirm(client, launch(hint))
    page = client.post("/lti/deep-linking", data={"cohort": cohort.id})
    assert page.status_code == 200 and f'action="{lti.platform.url}/deep-link-return"' in page.text
    assert policy(page)["form-action"] == ["'self'", lti.platform.url]
    # The chooser before it posts to learnpath only.
    assert policy(client.get("/login"))["form-action"] == ["'self'"]


@pytest.mark.parametrize(
    "bad",
    ["https://a.example; script-src *", "'unsafe-inline'", "https://a.example/path", "javascript:"],
)
def test_widening_the_policy_takes_origins_only(app, bad):
    with app.test_request_context("/"), pytest.raises(ValueError):
        headers.allow_framing_by(bad)


# --- the other headers ------------------------------------------------------------------------


def test_nosniff_on_pages_static_files_downloads_and_calendar_feeds(client, login_as, make_user):
    page = client.get("/login")
    css = client.get("/static/app.css")
    js = client.get("/static/assignments.js")
    person = make_user(Role.PARTICIPANT)
    login_as(person)
    download = client.get("/privacy/mijn-gegevens.zip")
    links = ical_services.feed_links(ical_services.issue_token(person, None))
    db.session.commit()
    assert links is not None
    feed = client.get(links.https.removeprefix("http://localhost"))
    expected = {
        "page": (page, "text/html"),
        "css": (css, "text/css"),
        "js": (js, "text/javascript"),
        "download": (download, "application/zip"),
        "feed": (feed, "text/calendar"),
    }
    for name, (response, mimetype) in expected.items():
        assert response.status_code == 200, name
        assert response.mimetype == mimetype, name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        response.close()


def test_referrer_policy_is_same_origin_and_token_pages_keep_no_referrer(
    client, login_as, make_user
):
    assert client.get("/login").headers["Referrer-Policy"] == "same-origin"
    login_as(make_user(Role.PARTICIPANT))
    feeds_page = client.get("/agenda")
    assert feeds_page.status_code == 200
    assert feeds_page.headers.getlist("Referrer-Policy") == ["no-referrer"]


def test_permissions_policy_switches_off_powerful_features(client):
    value = client.get("/login").headers["Permissions-Policy"]
    features = dict(item.strip().split("=") for item in value.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert features[feature] == "()", feature


def test_hsts_only_in_production(client, app_config):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    production = create_app({**app_config, "ENV": "production"})
    response = production.test_client().get("/login", base_url="https://localhost")
    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts


# --- nothing that the policy would block ------------------------------------------------------

#: Mail is not shown by a browser under our CSP; mail clients need inline styles.
MAIL_TEMPLATES = TEMPLATES / "email"

INLINE_CODE = {
    "<script> without src": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "<style> block": re.compile(r"<style\b", re.I),
    "style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "on*= handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def inline_code(text: str) -> list[str]:
    return [what for what, pattern in INLINE_CODE.items() if pattern.search(text)]


def test_the_scanner_finds_each_kind_of_inline_code():
    assert inline_code('<script src="/static/a.js" defer></script>') == []
    assert inline_code("<script>alert(1)</script>") == ["<script> without src"]
    assert inline_code("<style>p{}</style>") == ["<style> block"]
    assert inline_code('<p style="color:red">') == ["style= attribute"]
    assert inline_code('<button\n  onclick="go()">') == ["on*= handler attribute"]
    assert inline_code('<a href="javascript:go()">') == ["javascript: URL"]
    assert inline_code('<a href="/x" data-on="1" aria-controls="menu">') == []


def test_no_template_has_inline_code_that_the_csp_would_block():
    templates = [p for p in TEMPLATES.rglob("*.html") if MAIL_TEMPLATES not in p.parents]
    assert len(templates) > 50
    found = {
        str(path.relative_to(PROJECT)): kinds
        for path in templates
        if (kinds := inline_code(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_no_python_code_emits_style_attributes():
    """Charts and other HTML built in Python use classes and presentation attributes only."""
    emitted = re.compile(r"""\sstyle=\\?["']""")
    found = [
        str(path.relative_to(PROJECT))
        for path in (PROJECT / "learnpath").rglob("*.py")
        if emitted.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
