"""`flask networks`: the platform operator creates networks, invites and ends memberships and
names coordinators."""

from __future__ import annotations

from learnpath.accounts import networks
from learnpath.accounts.models import Role
from learnpath.extensions import db


def _ok(runner, *args: str) -> str:
    result = runner.invoke(args=["networks", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _refused(runner, *args: str) -> str:
    result = runner.invoke(args=["networks", *args])
    assert result.exit_code != 0
    return result.output


def test_create_invite_list_and_end(runner, org, make_org, make_user):
    other = make_org("Gemeente Vaals")
    assert "Created network IGOM (igom)" in _ok(
        runner, "create", "--slug", "igom", "--name", "IGOM"
    )
    _refused(runner, "create", "--slug", "igom", "--name", "Nog een")
    assert "invited" in _ok(runner, "invite", "--network", "igom", "--org", org.slug)
    _ok(runner, "invite", "--network", "igom", "--org", org.slug)  # again: still one
    _ok(runner, "invite", "--network", "igom", "--org", other.slug)
    _refused(runner, "invite", "--network", "geen", "--org", org.slug)
    _refused(runner, "invite", "--network", "igom", "--org", "geen")
    network = networks.find("igom")
    admin = make_user(Role.ADMIN)
    networks.consent(networks.membership(network, org), admin)
    db.session.commit()
    listed = _ok(runner, "list")
    assert "igom  IGOM" in listed
    assert f"{org.slug:<24} active" in listed and f"{other.slug:<24} invited" in listed

    assert "ended" in _ok(runner, "end", "--network", "igom", "--org", org.slug)
    assert "was not a member" in _ok(runner, "end", "--network", "igom", "--org", org.slug)
    db.session.expire_all()
    assert networks.active_member_ids(network.id) == set()


def test_coordinators_come_from_active_members(runner, org, make_org, make_user):
    _ok(runner, "create", "--slug", "igom", "--name", "IGOM")
    _ok(runner, "invite", "--network", "igom", "--org", org.slug)
    person = make_user(Role.FACILITATOR, email="cora@example.org")
    args = ("coordinator", "add", "--network", "igom", "--email", "Cora@Example.org")
    assert "lid" in _refused(runner, *args) or "member" in _refused(runner, *args)
    network = networks.find("igom")
    networks.consent(networks.membership(network, org), make_user(Role.ADMIN))
    db.session.commit()
    assert "now coordinates IGOM" in _ok(runner, *args)
    assert "already coordinates" in _ok(runner, *args)
    assert "coordinator cora@example.org" in _ok(runner, "list")
    assert networks.is_coordinator(person, network.id)
    _refused(runner, "coordinator", "add", "--network", "igom", "--email", "niemand@example.org")
    remove = ("coordinator", "remove", "--network", "igom", "--email", "cora@example.org")
    assert "no longer coordinates" in _ok(runner, *remove)
    assert "did not coordinate" in _ok(runner, *remove)
    assert not networks.is_coordinator(person, network.id)
