"""``/metrics`` in Prometheus' text format: the process counters of ``learnpath.telemetry`` (added
up over every process in multi-process mode) and the outbox and scheduler state, read from the
database at each scrape (the same on every server).

Sign-ups are read from the database too (every sign-up leaves an enrolment with the time it
asked, ``requested_at``, and enrolments are never deleted), with the enrolments by status.
Waitlist promotions are counted when the change that makes them commits (a rolled-back one
counts nothing): an attribute event on ``Enrolment.status`` (a promotion is always an ORM
change, ``cohorts.services.fill_free_seats``) notes them in the session, ``after_commit`` adds
them to the counter.
"""

from __future__ import annotations

from collections import Counter as Tally
from typing import Any

from flask import has_app_context
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from learnpath import jobs, telemetry
from learnpath.cohorts.models import SEAT_STATUSES, Enrolment, EnrolmentStatus
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage, OutboxStatus

_PENDING = "learnpath_metrics_pending"


class DatabaseCollector:
    """Outbox counts by status, the oldest queued message's age, the scheduler heartbeat's age."""

    def collect(self) -> Any:
        now = utcnow()
        counts = dict(
            db.session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
        messages = GaugeMetricFamily(
            "learnpath_outbox_messages", "Outbox messages by status", labels=["status"]
        )
        for status in OutboxStatus:
            messages.add_metric([status.value], counts.get(status, 0))
        yield messages
        oldest = db.session.scalar(
            select(func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
            )
        )
        yield GaugeMetricFamily(
            "learnpath_outbox_oldest_queued_age_seconds",
            "Age of the oldest message not yet delivered (0: none waiting)",
            value=(now - oldest).total_seconds() if oldest else 0,
        )
        yield CounterMetricFamily(
            "learnpath_signups",
            "Sign-ups for a cohort or group (enrolments that asked for a place)",
            value=db.session.scalar(select(func.count()).where(Enrolment.requested_at.is_not(None)))
            or 0,
        )
        by_status = dict(
            db.session.execute(
                select(Enrolment.status, func.count()).group_by(Enrolment.status)
            ).all()
        )
        enrolments = GaugeMetricFamily(
            "learnpath_enrolments", "Enrolments by status", labels=["status"]
        )
        for enrolment_status in EnrolmentStatus:
            enrolments.add_metric([enrolment_status.value], by_status.get(enrolment_status, 0))
        yield enrolments
        lease = jobs.current_lease()
        yield GaugeMetricFamily(
            "learnpath_scheduler_heartbeat_age_seconds",
            "Seconds since the active scheduler's last heartbeat (-1: never ran)",
            value=(now - lease.heartbeat_at).total_seconds() if lease else -1,
        )
        db.session.rollback()


def exposition() -> bytes:
    """Everything in Prometheus' text format."""
    if telemetry.multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        processes = generate_latest(registry)
    else:
        processes = generate_latest(REGISTRY)
    state = CollectorRegistry()
    state.register(DatabaseCollector())
    return processes + generate_latest(state)


# --- waitlist promotions, counted on commit ---------------------------------------------------


@event.listens_for(Enrolment.status, "set")
def _status_set(target: Enrolment, value: Any, old: Any, _initiator: Any) -> None:
    if has_app_context() and old == EnrolmentStatus.WAITLISTED and value in SEAT_STATUSES:
        pending: Tally[str] = db.session().info.setdefault(_PENDING, Tally())
        pending["promotion"] += 1


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    telemetry.PROMOTIONS.inc(pending["promotion"])


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
