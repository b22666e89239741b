"""Independent computation of the HR figures from the generated facts (no SQL)."""

from __future__ import annotations

from collections import Counter
from statistics import mean

from learnpath.cohorts.models import DropoutReason, EnrolmentStatus
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from tests.reports.data import SLUGS, TOOK_PART, Fact, ManagerFact

#: In the order of the report's rows: taking part now, offered a seat or awaiting approval,
#: waitlisted, completed, dropped out, withdrawn.
GROUPS = {
    EnrolmentStatus.ENROLLED: 0,
    EnrolmentStatus.OFFERED: 1,
    EnrolmentStatus.PENDING_APPROVAL: 1,
    EnrolmentStatus.WAITLISTED: 2,
    EnrolmentStatus.COMPLETED: 3,
    EnrolmentStatus.DROPPED_OUT: 4,
    EnrolmentStatus.WITHDRAWN: 5,
}


def status(facts: list[Fact]) -> list[int]:
    counts = Counter(GROUPS[f.status] for f in facts)
    return [counts.get(i, 0) for i in range(6)]


def people_per_department(facts: list[Fact]) -> Counter[str | None]:
    return Counter(f.dept for f in facts)


def attendance(facts: list[Fact]) -> dict[str, dict[str, int]]:
    result = {}
    for slug in SLUGS:
        c = Counter(f.attendance[slug].value for f in facts if slug in f.attendance)
        result[slug] = {s: c.get(s, 0) for s in ("present", "excused", "absent")}
    return result


def handed_in(facts: list[Fact]) -> dict[str, tuple[int, int]]:
    took = [f for f in facts if f.status in TOOK_PART]
    return {
        a.slug: (sum(1 for f in took if a.slug in f.handed_in), len(took))
        for a in get_content().assignments_for(CAREER_PROGRAMME)
    }


def dropout(facts: list[Fact]) -> dict[str, int]:
    c = Counter(f.reason.value for f in facts if f.reason)
    return {r.value: c.get(r.value, 0) for r in DropoutReason}


def competency_means(facts: list[Fact]) -> dict[str, tuple[int, float, float, float]]:
    """competency -> (people with both, mean start, mean end, mean change)."""
    inst = get_content().instruments["zelfscan-loopbaancompetenties"]
    result = {}
    for scale in inst.scales:

        def score(answers, scale=scale):
            return mean(
                (6 - answers[i.slug]) if i.reverse_scored else answers[i.slug] for i in scale.items
            )

        pairs = [(score(f.start), score(f.end)) for f in facts if f.start and f.end]
        result[scale.competency] = (
            len(pairs),
            round(mean(p[0] for p in pairs), 2) if pairs else None,
            round(mean(p[1] for p in pairs), 2) if pairs else None,
            round(mean(p[1] - p[0] for p in pairs), 2) if pairs else None,
        )
    return result


PLAN_STEPS = ("finalised", "shared", "discussed", "followed_up")


def plan_steps(facts: list[Fact]) -> dict[str, tuple[int, int]]:
    """step -> (people who reached it, people who took part)."""
    took = [f for f in facts if f.status in TOOK_PART]
    plans = [f.plan for f in took if f.plan]
    reached = {
        "finalised": sum(1 for p in plans if p.finalised),
        "shared": sum(1 for p in plans if p.shared),
        "discussed": sum(1 for p in plans if p.discussed),
        "followed_up": sum(1 for p in plans if p.result),
    }
    return {step: (reached[step], len(took)) for step in PLAN_STEPS}


GOAL_CATEGORIES = ("clarity", "development", "internal_move", "external_move", "job_fit", None)
GOAL_COLUMNS = ("achieved", "partly", "not_achieved", "not_relevant", None)


def goals(facts: list[Fact]) -> dict[str | None, dict[str | None, tuple[int, int]]]:
    """category -> achievement (None: not looked back on) -> (goals, distinct people);
    the key "set" holds all goals of the category."""
    result: dict = {}
    for category in GOAL_CATEGORIES:
        cells: dict = {}
        for column in (*GOAL_COLUMNS, "set"):
            hits = [
                (f.user.id, a)
                for f in facts
                if f.plan and f.status in TOOK_PART
                for c, a in f.plan.goals
                if c == category and (column == "set" or a == column)
            ]
            cells[column] = (len(hits), len({uid for uid, _a in hits}))
        result[category] = cells
    return result


RESULTS = ("internal_move", "external_move", "job_fits", "exploring", "no_change", None)


def results(facts: list[Fact]) -> dict[str | None, int]:
    """result (None: final plan, no follow-up yet) -> people."""
    c = Counter(f.plan.result for f in facts if f.plan and f.plan.finalised)
    return {r: c.get(r, 0) for r in RESULTS}


def manager_tracks(managers: list[ManagerFact]) -> dict[str, tuple[int, int, dict[str, int]]]:
    """track kind -> (managers taking part, meetings held, attendance counts)."""
    result = {}
    for kind in ("workshop", "intervision"):
        active = [
            m.groups[kind][1]
            for m in managers
            if kind in m.groups and m.groups[kind][0] in TOOK_PART
        ]
        held = {meeting for record in active for meeting in record}
        att = Counter(status.value for record in active for status in record.values())
        result[kind] = (
            len(active),
            len(held),
            {s: att.get(s, 0) for s in ("present", "excused", "absent")},
        )
    return result
