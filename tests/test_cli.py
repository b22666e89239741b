"""CLI commands: users, organisations, demo data, content check."""

from __future__ import annotations

from sqlalchemy import func, select

from learnpath.accounts import networks
from learnpath.accounts.models import Network, NetworkCoordinator, Organisation, Role, User
from learnpath.extensions import db


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == counts
    # Rivierstad and its partner in the demo network (both consented, one coordinator).
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2
    network = db.session.scalar(select(Network))
    assert network is not None and len(networks.active_member_ids(network.id)) == 2
    assert db.session.scalar(select(func.count()).select_from(NetworkCoordinator)) == 1
    for role in ("participant", "facilitator", "manager", "hr", "admin"):
        assert role in first.output
    participants = [u for u in db.session.scalars(select(User)) if Role.PARTICIPANT in u.roles]
    assert len(participants) >= 2 * 12 + 1


def test_users_create_with_roles(runner, org):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Coach@Example.org",
            "--name",
            "Coach Een",
            "--role",
            "facilitator",
            "--role",
            "manager",
            "--password",
            "een-sterk-wachtwoord",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "coach@example.org"))
    assert user.roles == {Role.FACILITATOR, Role.MANAGER}
    again = runner.invoke(
        args=["users", "create", "--email", "coach@example.org", "--name", "X", "--role", "hr"]
    )
    assert again.exit_code != 0
    assert "already exists" in again.output or "bestaat al" in again.output


def test_users_create_without_password_prints_invitation(runner, org):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "nieuw@example.org",
            "--name",
            "N",
            "--role",
            "participant",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "/uitnodiging/" in result.output


def test_orgs_create_validates_time_zone(runner):
    bad = runner.invoke(
        args=["orgs", "create", "--slug", "x", "--name", "X", "--timezone", "Mars/Base"]
    )
    assert bad.exit_code != 0
    good = runner.invoke(
        args=[
            "orgs",
            "create",
            "--slug",
            "gent",
            "--name",
            "Stad Gent",
            "--timezone",
            "Europe/Brussels",
        ]
    )
    assert good.exit_code == 0


def test_content_check_on_real_content(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "Content OK" in result.output
