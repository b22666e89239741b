"""/healthz, /readyz and `flask doctor`: what a load balancer and an operator are told."""

from __future__ import annotations

from datetime import timedelta

from learnpath import jobs
from learnpath.db import utcnow
from learnpath.extensions import db


def _heartbeat(age: timedelta) -> None:
    jobs.beat("host-a:123", acquired=True)
    lease = jobs.current_lease()
    lease.heartbeat_at = utcnow() - age
    db.session.commit()


def test_healthz_says_the_process_is_up_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_is_503_until_a_scheduler_has_a_recent_heartbeat(app, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"] and checks["content"]["ok"]
    assert not checks["scheduler"]["ok"]
    assert "flask scheduler run" in checks["scheduler"]["detail"]

    _heartbeat(timedelta(seconds=5))
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"]["scheduler"]["detail"].startswith("host-a:123 active")

    _heartbeat(jobs.heartbeat_max_age(app) + timedelta(seconds=1))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "is it running?" in response.get_json()["checks"]["scheduler"]["detail"]


def test_readyz_fails_when_the_database_is_behind_the_code(app, client, monkeypatch):
    from learnpath.ops import health

    _heartbeat(timedelta(0))
    monkeypatch.setitem(app.extensions, "learnpath_migration_heads", {"9999"})
    monkeypatch.setattr(health, "migration_heads", lambda _app: {"9999"})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "flask db upgrade" in response.get_json()["checks"]["migrations"]["detail"]


def test_doctor_prints_every_check_and_fails_without_a_scheduler(app, runner):
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line.split()[:2] for line in lines[:4]] == [
        ["ok", "database"],
        ["ok", "migrations"],
        ["ok", "content"],
        ["FAIL", "scheduler"],
    ]
    assert "mail" in lines[4]

    _heartbeat(timedelta(0))
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
