"""/beheer/scim: an administrator makes the SCIM token (shown once, stored hashed), replaces it
(confirmed; the old one stops at once) or revokes it; only for their own organisation."""

from __future__ import annotations

import re

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction, AuditEvent
from learnpath.scim import services
from learnpath.scim.models import ScimToken


def _token_on(page: str) -> str:
    match = re.search(r'<code id="scim-token">([^<]+)</code>', page)
    assert match, page
    return match.group(1)


def _users(client, token):
    return client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {token}"})


def test_make_replace_and_revoke_the_token(client, org, make_user, login_as):
    login_as(make_user(Role.ADMIN, name="Ada Admin"))
    page = client.get("/beheer/scim")
    assert (
        page.status_code == 200
        and "/scim/v2" in page.text
        and "provisioning staat uit" in page.text
    )

    first = _token_on(client.post("/beheer/scim", data={"action": "issue"}).text)
    stored = db.session.scalar(select(ScimToken).where(ScimToken.organisation_id == org.id))
    assert stored is not None and first not in (stored.token_hash, stored.hint)
    assert first.endswith(stored.hint)
    assert "scim-token" not in client.get("/beheer/scim").text  # shown once
    assert "Ada Admin" in client.get("/beheer/scim").text
    assert _users(client, first).status_code == 200

    unconfirmed = client.post("/beheer/scim", data={"action": "issue"})
    assert unconfirmed.status_code == 400 and "Vink het vakje aan" in unconfirmed.text
    assert _users(client, first).status_code == 200

    second = _token_on(client.post("/beheer/scim", data={"action": "issue", "confirm": "y"}).text)
    assert second != first
    assert _users(client, first).status_code == 401
    assert _users(client, second).status_code == 200

    revoked = client.post("/beheer/scim", data={"action": "revoke", "confirm": "y"})
    assert revoked.status_code == 200 and "ingetrokken" in revoked.text
    assert _users(client, second).status_code == 401


def test_an_admin_of_another_organisation_sees_and_changes_only_their_own(
    client, org, make_org, make_user, login_as, scim_token
):
    mine = scim_token(org)
    other = make_org("Gemeente Elders")
    login_as(make_user(Role.ADMIN, organisation=other))
    page = client.get("/beheer/scim")
    assert "provisioning staat uit" in page.text
    client.post("/beheer/scim", data={"action": "issue"})
    assert _users(client, mine).status_code == 200  # org's token untouched
    client.post("/beheer/scim", data={"action": "revoke", "confirm": "y"})
    assert _users(client, mine).status_code == 200


def test_the_command_line_makes_and_revokes_the_token(client, runner, org, make_user):
    admin = make_user(Role.ADMIN, email="beheer@testdorp.nl")
    result = runner.invoke(args=["scim", "token", "--organisation", org.slug, "--by", admin.email])
    assert result.exit_code == 0, result.output
    assert "/scim/v2" in result.output
    value = result.output.rsplit(": ", 1)[1].strip()
    assert _users(client, value).status_code == 200
    off = runner.invoke(
        args=["scim", "token", "--organisation", org.slug, "--revoke", "--by", admin.email]
    )
    assert off.exit_code == 0
    assert _users(client, value).status_code == 401
    unknown = runner.invoke(args=["scim", "token", "--organisation", "nope", "--by", admin.email])
    assert unknown.exit_code != 0


def test_the_command_line_names_the_administrator_in_the_audit_log(
    client, runner, org, make_user, make_org
):
    admin = make_user(Role.ADMIN, email="beheer@testdorp.nl")
    elsewhere = make_user(Role.ADMIN, email="beheer@elders.nl", organisation=make_org())
    participant = make_user(Role.PARTICIPANT, email="iemand@testdorp.nl")
    # Nobody named, or nobody who is an administrator here: refused, no token, no event.
    for by in ([], ["--by", elsewhere.email], ["--by", participant.email]):
        refused = runner.invoke(args=["scim", "token", "--organisation", org.slug, *by])
        assert refused.exit_code != 0, by
    assert services.token_of(org) is None
    assert db.session.scalars(select(AuditEvent)).all() == []

    made = runner.invoke(args=["scim", "token", "--organisation", org.slug, "--by", admin.email])
    assert made.exit_code == 0, made.output
    off = runner.invoke(
        args=["scim", "token", "--organisation", org.slug, "--revoke", "--by", "BEHEER@testdorp.nl"]
    )
    assert off.exit_code == 0, off.output
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.object_ref) for e in events] == [
        (AuditAction.SCIM_TOKEN_ROTATED.value, admin.id, f"scim_token:organisation:{org.id}"),
        (AuditAction.SCIM_TOKEN_REVOKED.value, admin.id, f"scim_token:organisation:{org.id}"),
    ]
