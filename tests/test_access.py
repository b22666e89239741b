"""The role table: every route declares who may use it, and everyone else is refused.

Every feature lists its routes in a module tests/role_tables/<feature>.py (collected into
ROUTES). The first test fails when a route is added without being listed (or without an
access declaration).
"""

from __future__ import annotations

import pytest

from learnpath.accounts.models import Role
from learnpath.web.access import PUBLIC, access_rule
from tests.role_tables import ALL_ROLES, ROUTES


def _url(app, endpoint):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    converters = rule._converters  # noqa: SLF001
    values = {
        arg: 999999
        if type(converters[arg]).__name__ in ("IntegerConverter", "IdConverter")
        else "x"
        for arg in rule.arguments
    }
    if endpoint == "static":
        values = {"filename": "app.css"}
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def test_every_route_is_in_the_table_with_its_declared_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ROUTES), "add new routes to ROUTES (and declare their access)"
    for endpoint, (rule, _method) in ROUTES.items():
        assert access_rule(endpoint) == rule, endpoint


# One test per role, looping over the routes (not one per route and role): the checks are
# the same, and a failure lists every route that let the wrong people in, without paying for
# a fresh app and database per pair.


def test_anonymous_users_are_sent_to_login(app, client):
    wrong = []
    for endpoint, (rule, method) in ROUTES.items():
        if rule == PUBLIC:
            continue
        response = client.open(_url(app, endpoint), method=method)
        if response.status_code != 302 or "/login" not in response.headers.get("Location", ""):
            wrong.append(f"{endpoint}: {response.status_code}")
    assert not wrong, "not sent to login: " + ", ".join(wrong)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_other_roles_are_refused(app, client, make_user, login_as, role):
    login_as(make_user(role))
    checked, wrong = 0, []
    for endpoint, (rule, method) in ROUTES.items():
        if not isinstance(rule, frozenset) or role in rule:
            continue
        checked += 1
        response = client.open(_url(app, endpoint), method=method)
        if response.status_code != 403 or "Geen toegang" not in response.text:
            wrong.append(f"{endpoint}: {response.status_code}")
    assert checked, f"no route refuses {role}"
    assert not wrong, f"not refused to {role}: " + ", ".join(wrong)


def test_admin_of_another_organisation_cannot_edit_users(client, make_org, make_user, login_as):
    other_org = make_org()
    target = make_user(Role.PARTICIPANT)
    login_as(make_user(Role.ADMIN, organisation=other_org))
    assert client.get(f"/beheer/gebruikers/{target.id}").status_code == 404
    assert (
        client.post(f"/beheer/gebruikers/{target.id}", data={"roles": ["admin"]}).status_code == 404
    )
    assert target.email not in client.get("/beheer/gebruikers").text
