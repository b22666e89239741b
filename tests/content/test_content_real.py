"""The real content at the project root is valid and has the programme as it is run."""

from __future__ import annotations

from collections import Counter

import pytest

from learnpath.content import Content, check_content, load_content
from learnpath.content.schema import CAREER_PROGRAMME, RatingBlock
from tests.content.content_tree import PROJECT_ROOT

COMPETENCIES = [
    "kwaliteitenreflectie",
    "motievenreflectie",
    "werkexploratie",
    "loopbaansturing",
    "netwerken",
]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(PROJECT_ROOT)


def test_real_content_has_no_problems() -> None:
    problems = check_content(PROJECT_ROOT)
    assert problems == [], "\n".join(str(problem) for problem in problems)


def test_five_competencies_in_order(content: Content) -> None:
    assert list(content.competencies) == COMPETENCIES
    assert [c.order for c in content.competencies.values()] == [1, 2, 3, 4, 5]
    assert content.competencies["netwerken"].question.get("en") == "Who can help me?"


def test_programme_has_three_sessions_of_90_180_90_minutes(content: Content) -> None:
    programme = content.programme(CAREER_PROGRAMME)
    sessions = programme.sessions
    assert [s.name.nl for s in sessions] == [
        "Introductiesessie",
        "Verdiepingssessie",
        "Actiesessie",
    ]
    assert [s.kind for s in sessions] == ["intro", "deepdive", "action"]
    assert [s.duration_minutes for s in sessions] == [90, 180, 90]
    assert programme.min_gap_days == 7
    for session in sessions:
        assert sum(item.minutes for item in session.agenda) <= session.duration_minutes


def test_at_least_two_assignments_per_competency(content: Content) -> None:
    counts = Counter(a.competency for a in content.assignments.values())
    assert {slug: counts[slug] >= 2 for slug in COMPETENCIES} == dict.fromkeys(COMPETENCIES, True)


def test_assignments_fill_both_intervals_and_one_action_plan(content: Content) -> None:
    assignments = content.assignments_for(CAREER_PROGRAMME)
    intervals = [a.after_session for a in assignments]
    assert intervals == sorted(intervals, key=["intro", "verdieping"].index)
    assert set(intervals) == {"intro", "verdieping"}
    (plan,) = [a for a in assignments if a.is_action_plan]
    assert (plan.competency, plan.after_session) == ("loopbaansturing", "verdieping")


def test_every_block_type_is_used(content: Content) -> None:
    blocks = [b for a in content.assignments.values() for b in a.blocks]
    assert {b.type for b in blocks} == {
        "text",
        "list",
        "rating",
        "ranking",
        "table",
        "feedback_request",
    }
    ratings = [b for b in blocks if isinstance(b, RatingBlock)]
    assert {b.rows_from_participant for b in ratings} == {True, False}


def test_intervision_methods(content: Content) -> None:
    methods = content.intervision_methods
    assert {"incidentmethode", "vijf-fasenmodel", "roddelmethode"} <= set(methods)
    for method in methods.values():
        assert (method.min_group_size, method.max_group_size) == (4, 8)
        assert "case_bringer" in method.roles
    assert 65 <= methods["incidentmethode"].total_minutes <= 90
    assert [p.minutes for p in methods["vijf-fasenmodel"].phases][:4] == [5, 20, 15, 15]
    assert methods["roddelmethode"].total_minutes == 60


def test_self_assessment_covers_every_competency(content: Content) -> None:
    instrument = content.instruments["zelfscan-loopbaancompetenties"]
    assert (instrument.scale_min, instrument.scale_max) == (1, 5)
    assert [label.nl for label in instrument.scale_labels][::4] == [
        "Helemaal oneens",
        "Helemaal eens",
    ]
    assert [scale.competency for scale in instrument.scales] == COMPETENCIES
    assert all(3 <= len(scale.items) <= 4 for scale in instrument.scales)
    assert any(item.reverse_scored for scale in instrument.scales for item in scale.items)


def test_workshop_series_for_managers(content: Content) -> None:
    series = content.workshop_series["het-goede-loopbaangesprek"]
    assert [m.order for m in series.meetings] == [1, 2, 3]
    assert all(m.duration_minutes == 150 for m in series.meetings)


def test_version_is_stable_across_loads(content: Content) -> None:
    again = load_content(PROJECT_ROOT)
    assert again.version == content.version
    assert len(content.version) == 16
    int(content.version, 16)
