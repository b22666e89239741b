"""Computed HR reports are kept for every process (report_snapshots): another process shows
them without computing; after a change the report of before is shown, marked, for at most
REPORT_LAG_SECONDS while the job computes it again; a row the app did not sign is never loaded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import event, select, update

from learnpath import jobs
from learnpath.accounts.models import Role
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.reports import evaluation, freshness, services, snapshots
from learnpath.reports.models import ReportSnapshot
from tests.reports.conftest import hr, year_of
from tests.reports.test_freshness import _register_again


def page(data):
    """The dashboard as its page asks for it (figures of before may be shown, marked)."""
    return services.hr_report(data.org, year_of(data), None, get_content(), utcnow(), may_lag=True)


def _registered(report) -> int:
    return report.table("status").total.cells[0].value


def _another_process() -> None:
    """What a request of another process has: the kept rows, none of this one's reports."""
    db.session.rollback()
    snapshots.write_pending()
    services._reports().clear()


def _rows() -> list:
    """The kept rows (as read now), with the session's transaction ended after."""
    db.session.rollback()
    columns = [c for c in ReportSnapshot.__table__.c if c.name != "body"]
    rows = list(db.session.execute(select(*columns).order_by(ReportSnapshot.id)))
    db.session.rollback()  # (on SQLite a transaction holds the one writer's lock)
    return rows


def _job(app) -> int:
    """One run of the job, as the scheduler runs it (its own app context and session)."""
    db.session.rollback()
    jobs.bind(app)
    return jobs.run_job("report_snapshots")


@pytest.fixture
def lag(app):
    app.config["REPORT_LAG_SECONDS"] = 120.0
    return app


def _counted(call):
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        return call(), seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_another_process_shows_the_kept_report_without_computing_it(big):
    first, _ = hr(big)
    year = year_of(big)
    _another_process()
    organisation, content, today = big.org, get_content(), utcnow()
    assert organisation.name  # (loaded again after the rollback, before counting)
    (again, _sel), statements = _counted(
        lambda: services.hr_report(organisation, year, None, content, today)
    )
    assert again is not first  # not this process's object: loaded from the row
    assert _registered(again) == _registered(first)
    assert [t.slug for t in again.tables] == [t.slug for t in first.tables]
    assert again.computed_at == first.computed_at and not again.behind
    # the counters and the row: nothing of the organisation's data is read
    assert len(statements) == 2, statements
    assert len(_rows()) == 1


def test_after_a_change_the_report_of_before_is_shown_marked_until_the_job_computes_it(big, lag):
    first, _ = hr(big)
    _another_process()
    _register_again(big)
    db.session.commit()
    [row] = _rows()
    assert row.stale_since is not None  # the counters' raise marked it
    viewed = row.viewed_at

    shown, _ = page(big)
    assert shown.behind and shown.computed_at == first.computed_at
    assert _registered(shown) == _registered(first)  # of before: no waiting for the build
    services._reports().clear()
    current, _ = hr(big)  # what is not the page (a download) gets the current figures
    assert not current.behind and _registered(current) == _registered(first) + 1
    db.session.rollback()
    g.pop(snapshots._PENDING)  # (not kept: the job is to compute it here)

    assert _job(lag) == 1
    [row] = _rows()
    assert row.stale_since is None and row.computed_at > first.computed_at
    assert row.viewed_at == viewed  # the job's computation is no view
    _another_process()
    now, _ = hr(big)
    assert not now.behind and _registered(now) == _registered(first) + 1
    assert _job(lag) == 0  # nothing behind: nothing computed


def test_a_report_behind_for_longer_than_the_lag_is_computed_by_the_reader(big, lag):
    first, _ = hr(big)
    _another_process()
    _register_again(big)
    db.session.commit()
    db.session.execute(update(ReportSnapshot).values(stale_since=utcnow() - timedelta(seconds=121)))
    db.session.commit()
    shown, _ = page(big)
    assert not shown.behind and _registered(shown) == _registered(first) + 1


def test_without_a_lag_a_change_is_computed_at_once(big):
    first, _ = hr(big)
    _another_process()
    _register_again(big)
    db.session.commit()
    shown, _ = hr(big)
    assert not shown.behind and _registered(shown) == _registered(first) + 1


def test_a_new_threshold_is_a_new_report_at_once(big, lag):
    hr(big)
    _another_process()
    big.org.report_min_group = 7
    db.session.commit()
    shown, _ = page(big)
    assert not shown.behind and shown.threshold == 7
    _another_process()
    assert len(_rows()) == 2
    _job(lag)  # the row of threshold 5 no longer matches: removed
    [row] = _rows()
    assert row.key == snapshots.key_of("hr", row.params, snapshots.settings_of(big.org, row.locale))


def test_a_row_the_app_did_not_sign_is_not_loaded(big, caplog):
    hr(big)
    _another_process()
    forged = snapshots.encode("not a report")[0]
    db.session.execute(update(ReportSnapshot).values(body=forged))
    db.session.commit()
    shown, _ = hr(big)
    assert _registered(shown) > 0  # computed again
    assert "signature does not match" in caplog.text


def test_the_page_says_its_figures_are_behind_and_downloads_are_current(
    big, lag, make_user, login_as
):
    client = login_as(make_user(Role.HR, organisation=big.org))
    query = {"jaar": str(year_of(big))}
    page = client.get("/rapportage/organisatie", query_string=query)
    assert page.status_code == 200 and "Dit zijn de cijfers van" not in page.text
    assert len(_rows()) == 1  # kept by the request
    csv_before = client.get("/rapportage/organisatie/status.csv", query_string=query).text
    _register_again(big)
    db.session.commit()
    services._reports().clear()  # (another process: it keeps nothing of this one's)
    page = client.get("/rapportage/organisatie", query_string=query)
    assert "Dit zijn de cijfers van" in page.text
    assert "binnen 2 minuten" in page.text
    # a download is a record: its figures are the current ones
    csv_after = client.get("/rapportage/organisatie/status.csv", query_string=query).text
    assert csv_after != csv_before
    services._reports().clear()
    again = client.get("/rapportage/organisatie", query_string=query)
    assert "Dit zijn de cijfers van" in again.text  # the CSV computed its table alone


def test_the_evaluation_is_kept_and_computed_again_too(big, lag):
    period = evaluation.default_period(utcnow().date())
    first = evaluation.evaluation_report(big.org, period, get_content())
    _another_process()
    big.org.name = "Gemeente Anders"  # a setting: another key, computed at once
    db.session.commit()
    renamed = evaluation.evaluation_report(big.org, period, get_content())
    assert renamed.organisation_name == "Gemeente Anders" and not renamed.report.behind
    _another_process()
    _register_again(big)
    db.session.commit()
    shown = evaluation.evaluation_report(big.org, period, get_content(), may_lag=True)
    assert shown.report.behind and shown.organisation_name == "Gemeente Anders"
    assert _job(lag) == 1  # the renamed one; the other is removed
    assert [r.kind for r in _rows()] == ["evaluation"]
    assert first.organisation_name != "Gemeente Anders"


def test_a_failing_snapshot_does_not_stop_the_others(big, lag, monkeypatch):
    hr(big)
    period = evaluation.default_period(utcnow().date())
    evaluation.evaluation_report(big.org, period, get_content())
    _another_process()
    _register_again(big)
    db.session.commit()
    hr_kind = snapshots.KINDS["hr"]

    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setitem(snapshots.KINDS, "hr", snapshots.Kind(broken, hr_kind.current))
    assert _job(lag) == 1  # the evaluation
    rows = {r.kind: r for r in _rows()}
    assert rows["hr"].stale_since is not None and rows["evaluation"].stale_since is None


def test_snapshots_nobody_looks_at_are_not_computed_and_are_removed(big, lag):
    hr(big)
    _another_process()
    _register_again(big)
    db.session.commit()
    db.session.execute(update(ReportSnapshot).values(viewed_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    assert _job(lag) == 0
    assert len(_rows()) == 1
    db.session.execute(update(ReportSnapshot).values(viewed_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    _job(lag)
    assert _rows() == []


def test_a_report_behind_the_clock_is_computed_again_while_it_is_looked_at(big, lag, monkeypatch):
    hr(big)
    _another_process()
    monkeypatch.setattr(services, "REPORT_MAX_AGE", -1.0)  # every report older than allowed
    assert _job(lag) == 1
    db.session.execute(
        update(ReportSnapshot).values(viewed_at=utcnow() - snapshots.AGED_WINDOW * 2)
    )
    db.session.commit()
    assert _job(lag) == 0  # nobody looked at it lately: no computing for the clock


def test_a_raise_marks_only_its_organisations_snapshots(big, make_org):
    other = make_org("Gemeente Elders")
    hr(big)
    _another_process()
    other_id, own_id = other.id, big.org.id
    db.session.rollback()
    with db.engine.begin() as connection:
        freshness.bump(connection, [other_id])
    assert _rows()[0].stale_since is None
    with db.engine.begin() as connection:
        freshness.bump(connection, [own_id])
    marked = _rows()[0].stale_since
    assert marked is not None
    with db.engine.begin() as connection:
        freshness.bump(connection, [0])  # every organisation: the first mark stays
    assert _rows()[0].stale_since == marked


def test_the_lag_is_a_setting(tmp_path, monkeypatch):
    from learnpath.config import ConfigError, build_config

    monkeypatch.delenv("LEARNPATH_REPORT_LAG_SECONDS", raising=False)

    def lag(**more):
        return build_config(str(tmp_path), more)["REPORT_LAG_SECONDS"]

    assert lag() == 120.0 and lag(TESTING=True) == 0.0 and lag(REPORT_LAG_SECONDS="30") == 30.0
    with pytest.raises(ConfigError):
        lag(REPORT_LAG_SECONDS="soon")
