"""Find the content files under a root and parse each one into schema objects.

Everything that can be checked inside one file is checked here, while reading; the checks that
need more than one file (references, duplicate slugs across files) live in ``checks``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypedDict, TypeVar

from learnpath.content.reader import MAX_MINUTES, Reader, Sink, report_duplicates
from learnpath.content.schema import (
    ASSIGNMENT_KINDS,
    COLUMN_TYPES,
    DEFAULT_JOIN_OPENS_MINUTES,
    EVALUATION_KINDS,
    SESSION_KINDS,
    AgendaItem,
    Assignment,
    Block,
    Column,
    Competency,
    EvaluationItem,
    FeedbackRequestBlock,
    Instrument,
    IntervisionMethod,
    IntervisionRole,
    Item,
    ListBlock,
    Material,
    Option,
    Phase,
    Problem,
    Programme,
    RankingBlock,
    RatingBlock,
    Scale,
    SessionBlueprint,
    TableBlock,
    Text,
    TextBlock,
    WorkshopMeeting,
    WorkshopSeries,
)

SUPPORTED_SCHEMA_VERSIONS = (1,)
CONTENT_DIRS = ("modules", "assignments")
#: Upper bound on list items, table rows and participant-written rating rows.
MAX_ROWS = 20


class Slugged(Protocol):
    @property
    def slug(self) -> str: ...


class Ordered(Protocol):
    @property
    def order(self) -> int: ...


S = TypeVar("S", bound=Slugged)


@dataclass(frozen=True)
class Located(Generic[S]):
    """A content item with the file it came from and the path of its slug field there."""

    file: str
    slug_field: str
    item: S


@dataclass
class Tree:
    """Everything read from one content root, before the cross-file checks."""

    sink: Sink
    version: str
    competencies: list[Located[Competency]] = field(default_factory=list)
    programmes: list[Located[Programme]] = field(default_factory=list)
    workshop_series: list[Located[WorkshopSeries]] = field(default_factory=list)
    intervision_methods: list[Located[IntervisionMethod]] = field(default_factory=list)
    instruments: list[Located[Instrument]] = field(default_factory=list)
    assignments: list[Located[Assignment]] = field(default_factory=list)


# -- shared field checks -------------------------------------------------------------------------


def check_order(r: Reader, key: str, items: Sequence[Ordered]) -> None:
    """Require ``order`` to run 1..n in the listed order, without gaps."""
    for i, item in enumerate(items):
        if item.order and item.order != i + 1:
            r.problem(
                f"{key}[{i}].order",
                f"expected {i + 1}: entries are numbered 1..n in the order they are listed",
            )


def check_not_above(
    r: Reader, low_key: str, low: int | None, high_key: str, high: int | None
) -> None:
    if low is not None and high is not None and low > high:
        r.problem(low_key, f"must not be more than {high_key} ({high}), got {low}")


def check_total(r: Reader, key: str, total: int, limit: int, limit_name: str) -> None:
    if limit > 0 and total > limit:
        r.problem(key, f"adds up to {total} minutes, more than {limit_name} ({limit})")


def check_scale(r: Reader, low: int, high: int) -> None:
    if low >= high:
        r.problem("scale_min", f"must be less than scale_max ({high}), got {low}")
    elif high - low > 10:
        r.problem("scale_max", "a scale has at most 11 points")


def read_agenda(r: Reader, duration: int) -> tuple[AgendaItem, ...]:
    """Read an agenda whose minutes must fit in ``duration``."""
    agenda = r.tables("agenda", parse_agenda_item)
    check_total(r, "agenda", sum(item.minutes for item in agenda), duration, "duration_minutes")
    return agenda


# -- modules/ ------------------------------------------------------------------------------------


def parse_competency(r: Reader) -> Competency:
    return Competency(
        slug=r.slug(),
        name=r.text("name"),
        question=r.text("question"),
        description=r.text("description"),
        order=r.integer("order", low=1),
    )


def parse_competencies_file(r: Reader) -> list[tuple[str, Competency]]:
    competencies = r.tables("competencies", parse_competency, unique="slug")
    check_order(r, "competencies", competencies)
    return [(f"competencies[{i}].slug", c) for i, c in enumerate(competencies)]


def parse_agenda_item(r: Reader) -> AgendaItem:
    return AgendaItem(minutes=r.minutes("minutes"), title=r.text("title"))


def parse_evaluation_item(r: Reader) -> EvaluationItem:
    return EvaluationItem(
        slug=r.slug(),
        kind=r.string("kind", choices=EVALUATION_KINDS),
        question=r.text("question"),
    )


def read_evaluation(r: Reader) -> tuple[EvaluationItem, ...]:
    """The optional evaluation after a session: 3-5 items, scale items and one open question."""
    if not r.has("evaluation"):
        return ()
    items = r.tables("evaluation", parse_evaluation_item, low=3, high=5, unique="slug")
    if items and sum(1 for item in items if item.kind == "open") != 1:
        r.problem("evaluation", 'needs exactly one open question (kind = "open")')
    return items


def read_join_opens(r: Reader) -> int:
    """Minutes before the start that the join button appears (default 15)."""
    minutes = r.optional_integer("join_opens_minutes", low=0, high=120)
    return DEFAULT_JOIN_OPENS_MINUTES if minutes is None else minutes


def parse_session(r: Reader) -> SessionBlueprint:
    slug, kind, order = r.slug(), r.string("kind", choices=SESSION_KINDS), r.integer("order", low=1)
    name, purpose, duration = r.text("name"), r.text("purpose"), r.minutes("duration_minutes")
    competencies = r.refs("competencies", "competencies")
    agenda = read_agenda(r, duration)
    evaluation = read_evaluation(r)
    return SessionBlueprint(
        slug, kind, order, name, purpose, duration, competencies, agenda, evaluation
    )


def check_session_kinds(r: Reader, sessions: Sequence[SessionBlueprint]) -> None:
    """Kinds may repeat but not go back: intro, then deep-dives, then action."""
    rank = {kind: i for i, kind in enumerate(SESSION_KINDS)}
    for i in range(1, len(sessions)):
        before, kind = sessions[i - 1].kind, sessions[i].kind
        if kind in rank and before in rank and rank[kind] < rank[before]:
            r.problem(
                f"sessions[{i}].kind",
                f"{kind!r} after a {before!r} session: kinds follow {' -> '.join(SESSION_KINDS)}",
            )


def parse_programme(r: Reader) -> Programme:
    slug, name, description = r.slug(), r.text("name"), r.text("description")
    min_gap_days = r.integer("min_gap_days", low=1, high=365)
    sessions = r.tables("sessions", parse_session, unique="slug")
    check_order(r, "sessions", sessions)
    check_session_kinds(r, sessions)
    return Programme(
        slug,
        name,
        description,
        min_gap_days,
        sessions,
        read_join_opens(r),
        certificate_sessions=read_certificate_sessions(r, sessions),
    )


def read_certificate_sessions(r: Reader, sessions: Sequence[SessionBlueprint]) -> tuple[str, ...]:
    """The sessions a certificate of participation requires: slugs of this programme's
    sessions, at least one; all of them when the key is left out."""
    slugs = tuple(s.slug for s in sessions)
    if not r.has("certificate_sessions"):
        return slugs
    if len(set(slugs)) != len(slugs):
        # The sessions' slugs are already reported; checking against them would only echo it.
        return r.strings("certificate_sessions", low=1)
    return r.strings("certificate_sessions", choices=slugs, low=1)


#: Raw HTML in Markdown (a tag, a closing tag, a comment): it would show as literal text,
#: since pages never pass HTML from content through.
RAW_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^>]*)?/?>|<!--")
#: A level-1 Markdown heading ("# Title" or a line underlined with "===").
LEVEL_ONE_HEADING = re.compile(r"^ {0,3}#(\s|$)|^ {0,3}=+\s*$", re.MULTILINE)
#: Upper bound on a material's body, per language: a handout, not a book.
MAX_MATERIAL_CHARS = 20_000


def check_markdown_page(r: Reader, key: str, text: Text) -> None:
    """A Markdown text shown as a page under its own title: no raw HTML, no level-1 heading."""
    for lang in ("nl", "en"):
        value = getattr(text, lang)
        field = f"{key}.{lang}"
        if RAW_HTML.search(value):
            r.problem(field, "raw HTML is not shown as HTML; use Markdown instead")
        if LEVEL_ONE_HEADING.search(value):
            r.problem(
                field,
                "start headings at level 2 (##): the title is the page's only level-1 heading",
            )
        if len(value) > MAX_MATERIAL_CHARS:
            r.problem(field, f"is {len(value)} characters; at most {MAX_MATERIAL_CHARS}")


def parse_material(r: Reader) -> Material:
    slug, title, body = r.slug(), r.text("title"), r.text("body")
    check_markdown_page(r, "body", body)
    return Material(slug, title, body)


def parse_meeting(r: Reader) -> WorkshopMeeting:
    order, name, purpose = r.integer("order", low=1), r.text("name"), r.text("purpose")
    duration = r.minutes("duration_minutes")
    agenda = read_agenda(r, duration)
    materials = (
        r.tables("materials", parse_material, low=0, unique="slug") if r.has("materials") else ()
    )
    evaluation = read_evaluation(r)
    return WorkshopMeeting(order, name, purpose, duration, agenda, materials, evaluation)


def parse_workshop_series(r: Reader) -> WorkshopSeries:
    slug, name, goal = r.slug(), r.text("name"), r.text("goal")
    meetings = r.tables("meetings", parse_meeting)
    check_order(r, "meetings", meetings)
    # A material is opened by its slug within the series: unique across the meetings.
    seen: dict[str, int] = {}
    for i, meeting in enumerate(meetings):
        for j, material in enumerate(meeting.materials):
            first = seen.setdefault(material.slug, i)
            if first != i and material.slug:
                r.problem(
                    f"meetings[{i}].materials[{j}].slug",
                    f"duplicate slug {material.slug!r} (already used in meetings[{first}])",
                )
    return WorkshopSeries(slug, name, goal, meetings, read_join_opens(r))


def parse_phase(r: Reader) -> Phase:
    return Phase(
        order=r.integer("order", low=1),
        name=r.text("name"),
        minutes=r.minutes("minutes"),
        guidance=r.text("guidance"),
    )


def parse_intervision_method(r: Reader) -> IntervisionMethod:
    slug, name, description = r.slug(), r.text("name"), r.text("description")
    min_size = r.integer("min_group_size", low=2, high=12)
    max_size = r.integer("max_group_size", low=2, high=12)
    check_not_above(r, "min_group_size", min_size, "max_group_size", max_size)
    roles = tuple(
        IntervisionRole(role)
        for role in r.strings("roles", choices=[role.value for role in IntervisionRole])
    )
    phases = r.tables("phases", parse_phase, low=2)
    check_order(r, "phases", phases)
    check_total(r, "phases", sum(p.minutes for p in phases), MAX_MINUTES, "8 hours")
    return IntervisionMethod(slug, name, description, min_size, max_size, roles, phases)


def parse_item(r: Reader) -> Item:
    return Item(
        slug=r.slug(),
        order=r.integer("order", low=1),
        text=r.text("text"),
        reverse_scored=r.boolean("reverse_scored", default=False),
    )


def parse_scale(r: Reader) -> Scale:
    competency = r.ref("competency", "competencies")
    # Item slugs are unique within the whole instrument: parse_instrument checks them.
    items = r.tables("items", parse_item)
    check_order(r, "items", items)
    return Scale(competency, items)


def parse_instrument(r: Reader) -> Instrument:
    slug, name, description = r.slug(), r.text("name"), r.text("description")
    low, high = r.integer("scale_min"), r.integer("scale_max")
    check_scale(r, low, high)
    labels = r.texts("scale_labels")
    if labels and low < high and len(labels) != high - low + 1:
        r.problem("scale_labels", f"needs one label per scale point: {high - low + 1}")
    scales = r.tables("scales", parse_scale, unique="competency")
    report_duplicates(
        r,
        [
            (f"scales[{i}].items[{j}].slug", item.slug)
            for i, scale in enumerate(scales)
            for j, item in enumerate(scale.items)
        ],
    )
    opens = r.optional_integer("follow_up_opens_after_months", low=1, high=24)
    closes = r.optional_integer("follow_up_closes_after_months", low=1, high=36)
    follow_up = None
    if opens is not None or closes is not None:
        if opens is None or closes is None:
            r.problem("follow_up_opens_after_months", "needs follow_up_closes_after_months too")
        elif closes <= opens:
            r.problem("follow_up_closes_after_months", "must be after the opening month")
        else:
            follow_up = (opens, closes)
    return Instrument(slug, name, description, low, high, labels, scales, follow_up)


# -- assignments/ --------------------------------------------------------------------------------


class BlockBase(TypedDict):
    slug: str
    label: Text
    help: Text | None
    required: bool


def parse_option(r: Reader) -> Option:
    return Option(slug=r.slug(), label=r.text("label"))


def parse_column(r: Reader) -> Column:
    slug, label, kind = r.slug(), r.text("label"), r.string("type", choices=COLUMN_TYPES)
    if kind == "choice":
        choices = r.tables("choices", parse_option, low=2, unique="slug")
    else:
        r.forbid("choices", "for a column of type 'text'")
        choices = ()
    return Column(slug, label, kind, choices)


def read_bounds(r: Reader, low_key: str, high_key: str, low: int, high: int) -> tuple[int, int]:
    """Read a pair like min_items/max_items, each within [low, high], the first not above."""
    first, second = r.integer(low_key, low=low, high=high), r.integer(high_key, low=low, high=high)
    check_not_above(r, low_key, first, high_key, second)
    return first, second


def parse_text_block(r: Reader, base: BlockBase) -> TextBlock:
    min_length = r.optional_integer("min_length", low=0)
    max_length = r.optional_integer("max_length", low=1)
    check_not_above(r, "min_length", min_length, "max_length", max_length)
    return TextBlock(**base, min_length=min_length, max_length=max_length)


def parse_list_block(r: Reader, base: BlockBase) -> ListBlock:
    min_items, max_items = read_bounds(r, "min_items", "max_items", 1, MAX_ROWS)
    item_label = r.text("item_label")
    with_example = r.boolean("with_example", default=False)
    if with_example:
        example_label = r.optional_text("example_label")
    else:
        r.forbid("example_label", "unless with_example = true")
        example_label = None
    return ListBlock(
        **base,
        min_items=min_items,
        max_items=max_items,
        item_label=item_label,
        with_example=with_example,
        example_label=example_label,
    )


def parse_rating_block(r: Reader, base: BlockBase) -> RatingBlock:
    scale_min, scale_max = r.integer("scale_min", low=-10), r.integer("scale_max", high=10)
    check_scale(r, scale_min, scale_max)
    low_label, high_label = r.text("low_label"), r.text("high_label")
    from_participant = r.boolean("rows_from_participant", default=False)
    if from_participant:
        r.forbid("rows", "when rows_from_participant = true")
        rows: tuple[Text, ...] = ()
        row_label = r.text("row_label")
        min_rows, max_rows = read_bounds(r, "min_rows", "max_rows", 1, MAX_ROWS)
    else:
        for key in ("row_label", "min_rows", "max_rows"):
            r.forbid(key, "unless rows_from_participant = true")
        rows, row_label, min_rows, max_rows = r.texts("rows", high=MAX_ROWS), None, None, None
    return RatingBlock(
        **base,
        scale_min=scale_min,
        scale_max=scale_max,
        low_label=low_label,
        high_label=high_label,
        rows=rows,
        rows_from_participant=from_participant,
        row_label=row_label,
        min_rows=min_rows,
        max_rows=max_rows,
    )


def parse_ranking_block(r: Reader, base: BlockBase) -> RankingBlock:
    options = r.tables("options", parse_option, low=2, unique="slug")
    pick = r.integer("pick", low=1)
    if options and pick > len(options):
        r.problem("pick", f"must be at most the number of options ({len(options)}), got {pick}")
    return RankingBlock(**base, options=options, pick=pick)


def parse_table_block(r: Reader, base: BlockBase) -> TableBlock:
    columns = r.tables("columns", parse_column, high=8, unique="slug")
    min_rows, max_rows = read_bounds(r, "min_rows", "max_rows", 1, MAX_ROWS)
    return TableBlock(**base, columns=columns, min_rows=min_rows, max_rows=max_rows)


def parse_feedback_request_block(r: Reader, base: BlockBase) -> FeedbackRequestBlock:
    min_people, max_people = read_bounds(r, "min_people", "max_people", 1, 5)
    intro = r.text("intro")
    questions = r.texts("questions", high=5)
    return FeedbackRequestBlock(
        **base, min_people=min_people, max_people=max_people, intro=intro, questions=questions
    )


BLOCK_PARSERS: dict[str, Callable[[Reader, BlockBase], Block]] = {
    "text": parse_text_block,
    "list": parse_list_block,
    "rating": parse_rating_block,
    "ranking": parse_ranking_block,
    "table": parse_table_block,
    "feedback_request": parse_feedback_request_block,
}


def parse_block(r: Reader) -> Block | None:
    block_type = r.string("type")
    parser = BLOCK_PARSERS.get(block_type)
    if parser is None:
        if block_type:
            known = ", ".join(BLOCK_PARSERS)
            r.problem("type", f"unknown block type {block_type!r}; expected one of: {known}")
        return None
    base = BlockBase(
        slug=r.slug(),
        label=r.text("label"),
        help=r.optional_text("help"),
        required=r.boolean("required", default=True),
    )
    return parser(r, base)


#: A reflection is due at most this many days after its session.
MAX_DAYS_AFTER = 60


def read_due_rule(r: Reader) -> tuple[int | None, int | None]:
    """Read the due rule: days before the next session, or days after the own session."""
    before = r.optional_integer("due_days_before_next_session", low=0)
    after = r.optional_integer("due_days_after_session", low=1, high=MAX_DAYS_AFTER)
    if r.has("due_days_before_next_session") == r.has("due_days_after_session"):
        r.problem(
            "due_days_before_next_session",
            "set exactly one of due_days_before_next_session and due_days_after_session",
        )
    return before, after


def parse_assignment(r: Reader) -> Assignment:
    slug, competency = r.slug(), r.ref("competency", "competencies")
    # A programme or a workshop series: checks.unresolved knows both.
    programme, after_session = r.ref("programme", "programmes"), r.string("after_session")
    before, after = read_due_rule(r)
    return Assignment(
        slug=slug,
        competency=competency,
        programme=programme,
        after_session=after_session,
        due_days_before_next_session=before,
        due_days_after_session=after,
        estimated_minutes=r.minutes("estimated_minutes"),
        title=r.text("title"),
        instructions=r.text("instructions"),
        kind=r.string("kind", choices=ASSIGNMENT_KINDS),
        blocks=r.tables("blocks", parse_block, unique="slug"),
    )


# -- files ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    """Where files of one kind live, how to parse one, and which Tree list they fill."""

    pattern: str
    attribute: str
    parse: Callable[[Reader], list[tuple[str, Any]]]
    required: bool = False


def single(parse: Callable[[Reader], Any]) -> Callable[[Reader], list[tuple[str, Any]]]:
    """Adapt the parser of a one-item file to the list-of-(slug field, item) form."""
    return lambda r: [("slug", parse(r))]


FILE_KINDS = (
    FileKind("modules/competencies.toml", "competencies", parse_competencies_file, required=True),
    FileKind("modules/programmes/*.toml", "programmes", single(parse_programme)),
    FileKind("modules/workshops/*.toml", "workshop_series", single(parse_workshop_series)),
    FileKind("modules/intervision/*.toml", "intervision_methods", single(parse_intervision_method)),
    FileKind("modules/instruments/*.toml", "instruments", single(parse_instrument)),
    FileKind("assignments/*.toml", "assignments", single(parse_assignment)),
)


def relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def content_files(root: Path) -> list[Path]:
    """Return every TOML file under the content directories, sorted by relative path."""
    files = (p for d in CONTENT_DIRS for p in (root / d).rglob("*.toml") if p.is_file())
    return sorted(files, key=lambda p: relative(root, p))


def content_version(root: Path, files: Sequence[Path]) -> str:
    """Hash the relative paths and bytes of ``files``: equal content, equal version."""
    digest = hashlib.sha256()
    for path in files:
        for part in (relative(root, path).encode(), path.read_bytes()):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()[:16]


def load_toml(sink: Sink, file: str, path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        sink.problems.append(Problem(file, "", "not valid UTF-8"))
    except tomllib.TOMLDecodeError as exc:
        sink.problems.append(Problem(file, "", f"TOML syntax error: {exc}"))
    return None


def check_schema_version(r: Reader) -> bool:
    """Report a missing or unsupported schema_version; False means: do not read further."""
    if not r.has("schema_version"):
        r.problem("schema_version", "required field is missing (use schema_version = 1)")
        return True
    version = r.integer("schema_version")
    if version and version not in SUPPORTED_SCHEMA_VERSIONS:
        r.problem("schema_version", f"unsupported version {version}; supported: 1")
    return version in SUPPORTED_SCHEMA_VERSIONS


def read_file(tree: Tree, kind: FileKind, root: Path, path: Path) -> None:
    file = relative(root, path)
    data = load_toml(tree.sink, file, path)
    if data is None:
        return
    r = Reader(tree.sink, file, data)
    if not check_schema_version(r):
        return
    entries = kind.parse(r)
    r.finish()
    located = getattr(tree, kind.attribute)
    located.extend(Located(file, slug_field, item) for slug_field, item in entries)


def read_tree(root: str | Path) -> Tree:
    """Read and parse every content file under ``root``, collecting the problems in each."""
    root = Path(root)
    files = content_files(root)
    tree = Tree(Sink(), content_version(root, files))
    for directory in CONTENT_DIRS:
        if not (root / directory).is_dir():
            tree.sink.problems.append(Problem(directory, "", "content directory is missing"))
    known: set[Path] = set()
    for kind in FILE_KINDS:
        paths = sorted(path for path in root.glob(kind.pattern) if path.is_file())
        if kind.required and not paths:
            tree.sink.problems.append(Problem(kind.pattern, "", "file is missing"))
        for path in paths:
            known.add(path)
            read_file(tree, kind, root, path)
    for path in files:
        if path not in known:
            tree.sink.problems.append(Problem(relative(root, path), "", unknown_location()))
    return tree


def unknown_location() -> str:
    places = ", ".join(kind.pattern for kind in FILE_KINDS)
    return f"not in a known place for content files ({places})"
