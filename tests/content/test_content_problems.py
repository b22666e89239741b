"""Broken content: every problem is reported with the exact file and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from learnpath.content import ContentError, check_content, load_content
from tests.content.content_tree import FIXTURES, Change, ContentTree, delete, set_at

PROGRAMME = "modules/programmes/loopbaantraject.toml"
KERNKWADRANT = "assignments/kernkwadrant.toml"
REFLECTION = "assignments/reflectie-voeren.toml"
LAST_REFLECTION = "assignments/reflectie-opvolgen.toml"


@dataclass(frozen=True)
class Case:
    """Apply ``changes`` to ``file`` in a copy of the real content; expect exactly ``fields``."""

    name: str
    file: str
    changes: tuple[Change, ...]
    fields: tuple[str, ...]


def case(name: str, file: str, *changes: Change, expect: str | tuple[str, ...]) -> Case:
    return Case(name, file, changes, (expect,) if isinstance(expect, str) else expect)


CASES = [
    case("missing English text", KERNKWADRANT, delete("title.en"), expect="title.en"),
    case(
        "empty Dutch text",
        "modules/competencies.toml",
        set_at("competencies[0].name.nl", " "),
        expect="competencies[0].name.nl",
    ),
    case("text is not a table", KERNKWADRANT, set_at("title", "Kernkwadrant"), expect="title"),
    case(
        "missing required field",
        KERNKWADRANT,
        delete("estimated_minutes"),
        expect="estimated_minutes",
    ),
    case("wrong type", KERNKWADRANT, set_at("estimated_minutes", "30"), expect="estimated_minutes"),
    case("unknown competency", KERNKWADRANT, set_at("competency", "talent"), expect="competency"),
    case(
        "unknown competency in a session",
        PROGRAMME,
        set_at("sessions[0].competencies[1]", "zelfsturing"),
        expect="sessions[0].competencies[1]",
    ),
    case(
        "unknown competency in a scale",
        "modules/instruments/zelfscan-loopbaancompetenties.toml",
        set_at("scales[2].competency", "werkverkenning"),
        expect="scales[2].competency",
    ),
    case("unknown programme", KERNKWADRANT, set_at("programme", "traject"), expect="programme"),
    case(
        "duplicate slug across files",
        "assignments/twee-gesprekken.toml",
        set_at("slug", "netwerkkaart"),
        expect="slug",
    ),
    case(
        "duplicate slug within a file",
        PROGRAMME,
        set_at("sessions[2].slug", "intro"),
        expect="sessions[2].slug",
    ),
    case(
        "after_session unknown",
        KERNKWADRANT,
        set_at("after_session", "start"),
        expect="after_session",
    ),
    case(
        "after_session is the last",
        KERNKWADRANT,
        set_at("after_session", "actie"),
        expect="after_session",
    ),
    case(
        "due after the interval starts",
        KERNKWADRANT,
        set_at("due_days_before_next_session", 7),
        expect="due_days_before_next_session",
    ),
    case(
        "zero duration",
        PROGRAMME,
        set_at("sessions[0].duration_minutes", 0),
        expect="sessions[0].duration_minutes",
    ),
    case(
        "agenda longer than session",
        PROGRAMME,
        set_at("sessions[1].duration_minutes", 120),
        expect="sessions[1].agenda",
    ),
    case(
        "duration over eight hours",
        "modules/workshops/het-goede-loopbaangesprek.toml",
        set_at("meetings[0].duration_minutes", 600),
        expect="meetings[0].duration_minutes",
    ),
    case(
        "session order with a gap",
        PROGRAMME,
        set_at("sessions[2].order", 4),
        expect="sessions[2].order",
    ),
    case(
        "unknown session kind",
        PROGRAMME,
        set_at("sessions[0].kind", "kickoff"),
        expect="sessions[0].kind",
    ),
    case(
        "session kinds out of order",
        PROGRAMME,
        set_at("sessions[0].kind", "action"),
        expect="sessions[1].kind",
    ),
    case("no gap between sessions", PROGRAMME, set_at("min_gap_days", 0), expect="min_gap_days"),
    case(
        "unknown block type",
        KERNKWADRANT,
        set_at("blocks[0].type", "tabel"),
        expect="blocks[0].type",
    ),
    case(
        "ranking picks more than its options",
        "assignments/waardenkaart.toml",
        set_at("blocks[0].pick", 21),
        expect="blocks[0].pick",
    ),
    case(
        "list minimum above maximum",
        "assignments/topkwaliteiten.toml",
        set_at("blocks[0].min_items", 6),
        expect="blocks[0].min_items",
    ),
    case(
        "list of more than 20",
        "assignments/topkwaliteiten.toml",
        set_at("blocks[0].max_items", 21),
        expect="blocks[0].max_items",
    ),
    case(
        "text minimum above maximum",
        "assignments/jij-op-je-best.toml",
        set_at("blocks[1].min_length", 5000),
        expect="blocks[1].min_length",
    ),
    case(
        "choice column without choices",
        "assignments/netwerkkaart.toml",
        delete("blocks[0].columns[1].choices"),
        expect="blocks[0].columns[1].choices",
    ),
    case(
        "choices on a text column",
        "assignments/netwerkkaart.toml",
        set_at("blocks[0].columns[1].type", "text"),
        expect="blocks[0].columns[1].choices",
    ),
    case(
        "feedback from more than five people",
        "assignments/jij-op-je-best.toml",
        set_at("blocks[0].max_people", 6),
        expect="blocks[0].max_people",
    ),
    case(
        "feedback without questions",
        "assignments/jij-op-je-best.toml",
        set_at("blocks[0].questions", []),
        expect="blocks[0].questions",
    ),
    case(
        "fixed rows and participant rows",
        "assignments/energiegevers-en-energietrekkers.toml",
        set_at("blocks[0].rows", [{"nl": "a", "en": "a"}]),
        expect="blocks[0].rows",
    ),
    case(
        "rating without rows",
        "assignments/loopbaanvraag.toml",
        delete("blocks[1].rows"),
        expect="blocks[1].rows",
    ),
    case(
        "second action plan",
        "assignments/jobcrafting.toml",
        set_at("kind", "action_plan"),
        expect="kind",
    ),
    case("unknown assignment kind", KERNKWADRANT, set_at("kind", "extra"), expect="kind"),
    case(
        "unknown intervision role",
        "modules/intervision/roddelmethode.toml",
        set_at("roles[1]", "voorzitter"),
        expect="roles[1]",
    ),
    case(
        "group sizes reversed",
        "modules/intervision/roddelmethode.toml",
        set_at("min_group_size", 9),
        expect="min_group_size",
    ),
    case(
        "one scale label too few",
        "modules/instruments/zelfscan-loopbaancompetenties.toml",
        delete("scale_labels[4]"),
        expect="scale_labels",
    ),
    case(
        "item slug repeated across scales",
        "modules/instruments/zelfscan-loopbaancompetenties.toml",
        set_at("scales[1].items[0].slug", "sterktes-benoemen"),
        expect="scales[1].items[0].slug",
    ),
    case("unknown top-level key", KERNKWADRANT, set_at("titel", "x"), expect="titel"),
    case(
        "unknown nested key",
        PROGRAMME,
        set_at("sessions[0].agenda[0].minuten", 5),
        expect="sessions[0].agenda[0].minuten",
    ),
    case("unknown language", KERNKWADRANT, set_at("title.de", "Kernquadrant"), expect="title.de"),
    case("missing schema_version", KERNKWADRANT, delete("schema_version"), expect="schema_version"),
    case(
        "unsupported schema_version",
        KERNKWADRANT,
        set_at("schema_version", 2),
        expect="schema_version",
    ),
    case("invalid slug", KERNKWADRANT, set_at("slug", "Kern Kwadrant"), expect="slug"),
    # Reflections for managers: assignments of a workshop series.
    case(
        "reflection after a meeting the series does not have",
        REFLECTION,
        set_at("after_session", "meeting-9"),
        expect="after_session",
    ),
    case(
        "reflection after a programme session",
        REFLECTION,
        set_at("after_session", "intro"),
        expect="after_session",
    ),
    case(
        "unknown programme or workshop series",
        REFLECTION,
        set_at("programme", "het-goede-gesprek"),
        expect="programme",
    ),
    case(
        "both due rules",
        REFLECTION,
        set_at("due_days_before_next_session", 2),
        expect="due_days_before_next_session",
    ),
    case(
        "no due rule",
        REFLECTION,
        delete("due_days_after_session"),
        expect="due_days_before_next_session",
    ),
    case(
        "due before the next session after the last meeting",
        LAST_REFLECTION,
        delete("due_days_after_session"),
        set_at("due_days_before_next_session", 2),
        expect="after_session",
    ),
    case(
        "due too long after the session",
        REFLECTION,
        set_at("due_days_after_session", 90),
        expect="due_days_after_session",
    ),
    case(
        "action plan in a workshop series", REFLECTION, set_at("kind", "action_plan"), expect="kind"
    ),
    case(
        "colleague feedback in a workshop series",
        REFLECTION,
        set_at(
            "blocks[0]",
            {
                "slug": "collegas",
                "type": "feedback_request",
                "label": {"nl": "Vraag collega's", "en": "Ask colleagues"},
                "min_people": 1,
                "max_people": 2,
                "intro": {"nl": "Wil je meedenken?", "en": "Will you help?"},
                "questions": [{"nl": "Wat zag je?", "en": "What did you see?"}],
            },
        ),
        expect="blocks[0].type",
    ),
    case(
        "a programme assignment due after its own session",
        KERNKWADRANT,
        delete("due_days_before_next_session"),
        set_at("due_days_after_session", 3),
        expect=(),
    ),
]


@pytest.mark.parametrize("broken", CASES, ids=[c.name for c in CASES])
def test_problem_is_reported_at_file_and_field(tree: ContentTree, broken: Case) -> None:
    tree.edit(broken.file, *broken.changes)
    assert tree.located() == [(broken.file, field) for field in broken.fields]


FIXTURE_CASES = {
    "toml-syntax-error": [("assignments/kapot.toml", "")],
    "missing-schema-version": [("assignments/zonder-versie.toml", "schema_version")],
    "duplicate-slug": [("assignments/kernkwadrant2.toml", "slug")],
    "unknown-key": [
        ("modules/intervision/rondje.toml", "description"),
        ("modules/intervision/rondje.toml", "phases[0].minutes"),
        ("modules/intervision/rondje.toml", "phases[0].minuten"),
        ("modules/intervision/rondje.toml", "beschrijving"),
    ],
    "unknown-location": [("modules/programme/verdwaald.toml", "")],
}


@pytest.mark.parametrize("name", FIXTURE_CASES)
def test_fixture_tree_problems(tree: ContentTree, name: str) -> None:
    tree.overlay(name)
    assert tree.located() == FIXTURE_CASES[name]


def test_toml_syntax_error_is_a_whole_file_problem(tree: ContentTree) -> None:
    tree.overlay("toml-syntax-error")
    (problem,) = check_content(tree.root)
    assert problem.message.startswith("TOML syntax error")
    assert str(problem).startswith("assignments/kapot.toml: TOML syntax error")


def test_all_independent_problems_are_collected() -> None:
    problems = check_content(FIXTURES / "three-problems")
    assert [(p.file, p.field) for p in problems] == [
        ("assignments/mini.toml", "competency"),
        ("modules/competencies.toml", "competencies[0].description.en"),
        ("modules/programmes/mini.toml", "sessions[1].duration_minutes"),
    ]


def test_load_content_raises_with_every_problem() -> None:
    with pytest.raises(ContentError) as raised:
        load_content(FIXTURES / "three-problems")
    assert raised.value.problems == check_content(FIXTURES / "three-problems")
    assert len(str(raised.value).splitlines()) == 3


def test_missing_competencies_file(tree: ContentTree) -> None:
    tree.path("modules/competencies.toml").unlink()
    located = tree.located()
    assert ("modules/competencies.toml", "") in located
    assert ("assignments/kernkwadrant.toml", "competency") in located


def test_missing_content_directory(tmp_path: Path) -> None:
    files = {p.file for p in check_content(tmp_path)}
    assert {"modules", "assignments", "modules/competencies.toml"} <= files
