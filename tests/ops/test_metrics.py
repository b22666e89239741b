"""/metrics: only with the token; request, outbox, job and sign-up figures."""

from __future__ import annotations

import pytest

from learnpath import jobs
from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohorts
from learnpath.extensions import db
from learnpath.notifications.services import queue_message
from tests.factories import make_cohort

TOKEN = "scrape-me"


def _value(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the exposition (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        metric, _, label_text = sample.partition("{")
        got = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
        if metric == name and got == wanted:
            return float(value)
    return 0.0


@pytest.fixture
def scrape(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)

    def get() -> str:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return get


def test_metrics_do_not_exist_without_a_token_and_refuse_a_wrong_one(app, client, monkeypatch):
    assert client.get("/metrics").status_code == 404
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_requests_are_counted_by_endpoint_and_status(client, scrape):
    before = scrape()
    labels = {"endpoint": "ops.healthz", "method": "GET", "status": "200"}
    client.get("/healthz")
    client.get("/healthz")
    after = scrape()
    assert _value(after, "learnpath_http_requests_total", **labels) == (
        _value(before, "learnpath_http_requests_total", **labels) + 2
    )
    assert (
        _value(after, "learnpath_http_request_duration_seconds_count", endpoint="ops.healthz") >= 2
    )


def test_outbox_state_comes_from_the_database(app, make_user, scrape):
    user = make_user(Role.PARTICIPANT)
    queue_message("test.hello", user, "Hallo", "accounts/invite", link="http://x")
    db.session.commit()
    text = scrape()
    assert _value(text, "learnpath_outbox_messages", status="pending") == 1
    assert _value(text, "learnpath_outbox_messages", status="sent") == 0
    assert _value(text, "learnpath_outbox_oldest_queued_age_seconds") >= 0
    assert _value(text, "learnpath_scheduler_heartbeat_age_seconds") == -1


def test_job_runs_and_failures_are_counted(app, scrape, monkeypatch):
    before = scrape()
    jobs.bind(app)
    jobs.run_job("deliver_outbox")

    def boom() -> int:
        raise RuntimeError("boom")

    monkeypatch.setitem(
        jobs._JOBS,
        "deliver_outbox",
        jobs._JOBS["deliver_outbox"].__class__(
            name="deliver_outbox", func=boom, every=jobs.Beat.DELIVERY, order=jobs.DELIVERY_ORDER
        ),
    )
    with pytest.raises(RuntimeError):
        jobs.run_job("deliver_outbox")
    after = scrape()
    runs = "learnpath_job_runs_total"
    fails = "learnpath_job_failures_total"
    assert (
        _value(after, runs, job="deliver_outbox") == _value(before, runs, job="deliver_outbox") + 2
    )
    assert (
        _value(after, fails, job="deliver_outbox")
        == _value(before, fails, job="deliver_outbox") + 1
    )


def test_signups_and_promotions_count_when_committed(app, org, make_user, scrape):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach, capacity=4)
    people = [make_user(Role.PARTICIPANT) for _ in range(6)]
    first, second, third = people[3:]
    for person in people[:3]:
        cohorts.sign_up(cohort, person)
    db.session.commit()
    before = scrape()
    seated = cohorts.sign_up(cohort, first)  # the last seat
    cohorts.sign_up(cohort, second)  # the waitlist
    db.session.commit()
    cohorts.sign_up(cohort, third)
    db.session.rollback()  # this one never happened
    cohorts.withdraw(seated)  # the waitlisted one moves up
    db.session.commit()
    after = scrape()
    signups = "learnpath_signups_total"
    assert _value(after, signups) == _value(before, signups) + 2  # not the rolled-back one
    assert _value(after, "learnpath_enrolments", status="enrolled") == 4
    assert _value(after, "learnpath_enrolments", status="withdrawn") == 1
    promotions = "learnpath_waitlist_promotions_total"
    assert _value(after, promotions) == _value(before, promotions) + 1


def test_a_sign_up_through_the_page_counts_once(app, org, make_user, client, login_as, scrape):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    person = make_user(Role.PARTICIPANT)
    before = scrape()
    login_as(person)
    assert client.post(f"/trajecten/{cohort.id}/aanmelden").status_code == 302
    after = scrape()
    signups = "learnpath_signups_total"
    assert _value(after, signups) == _value(before, signups) + 1
