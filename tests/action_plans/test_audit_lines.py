"""The participant's log groups repeats: "Opened the plan" eight times in a minute is one line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from learnpath.action_plans.presenters import audit_lines


@dataclass
class _Event:
    action: str
    created_at: datetime


@dataclass
class _Actor:
    id: int


def test_repeats_close_together_are_one_line_with_a_count():
    start = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    manager, other = _Actor(1), _Actor(2)
    events = [(_Event("action_plan.view", start + timedelta(seconds=s)), manager) for s in range(8)]
    events.append((_Event("action_plan.export", start + timedelta(seconds=9)), manager))
    events.append((_Event("action_plan.view", start + timedelta(seconds=10)), other))
    events.append((_Event("action_plan.view", start + timedelta(hours=3)), manager))
    newest_first = sorted(events, key=lambda e: e[0].created_at, reverse=True)
    lines = audit_lines(newest_first)
    assert [(line.actor.id, line.action, line.count) for line in lines] == [
        (1, "action_plan.view", 1),
        (2, "action_plan.view", 1),
        (1, "action_plan.export", 1),
        (1, "action_plan.view", 8),
    ]
    assert lines[-1].first == start and lines[-1].last == start + timedelta(seconds=7)
