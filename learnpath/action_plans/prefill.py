"""Starting text for the plan from the participant's own work: a summary per competency of
their earlier answers and self-assessment scores, with the sources to link to.

Only the participant's own submissions are read (they are the author), so no audit is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from learnpath.assignments import selfassessment
from learnpath.assignments.models import AssessmentMoment, Submission
from learnpath.cohorts.models import Enrolment
from learnpath.content.schema import (
    Assignment,
    Block,
    Content,
    ListBlock,
    RankingBlock,
    RatingBlock,
    TableBlock,
    TextBlock,
)
from learnpath.extensions import db

#: Longest piece of a free-text answer quoted in a summary.
QUOTE_MAX = 300
#: Content slugs of the answers that seed the career question and the ambition.
CAREER_QUESTION_SOURCE = ("loopbaanvraag", "vraag")
AMBITION_SOURCE = ("actieplan", "ambitie")


@dataclass(frozen=True)
class Source:
    """Where an insight came from: an assignment page or the self-assessment."""

    title: str
    #: Assignment slug; None for the self-assessment.
    assignment_slug: str | None


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1].rstrip() + "…"


def _choice_label(block: TableBlock, column_slug: str, value: str, locale: str) -> str:
    column = next(c for c in block.columns if c.slug == column_slug)
    labels = {o.slug: o.label.get(locale) for o in column.choices}
    return labels.get(value, value)


def summarise(block: Block, answer: Mapping[str, Any], locale: str) -> str:
    """One line with the gist of an answer to a block ("" when there is nothing to say)."""
    if isinstance(block, TextBlock):
        return _quote(str(answer.get("value") or ""))
    if isinstance(block, ListBlock):
        return "; ".join(
            str(i.get("item") or "") for i in answer.get("items") or [] if i.get("item")
        )
    if isinstance(block, RankingBlock):
        labels = {o.slug: o.label.get(locale) for o in block.options}
        return ", ".join(labels.get(s, s) for s in answer.get("ranked") or [])
    if isinstance(block, TableBlock) and block.columns:
        first = block.columns[0]
        values = [str(r.get(first.slug) or "") for r in answer.get("rows") or []]
        return "; ".join(_choice_label(block, first.slug, v, locale) for v in values if v)
    if isinstance(block, RatingBlock) and block.rows_from_participant:
        rows = answer.get("rows") or []
        return "; ".join(f"{r.get('row')} ({r.get('score')})" for r in rows if r.get("row"))
    return ""


def _assignment_lines(assignment: Assignment, answers: Mapping[str, Any], locale: str) -> list[str]:
    lines = []
    for block in assignment.blocks:
        answer = answers.get(block.slug)
        if isinstance(answer, dict) and (gist := summarise(block, answer, locale)):
            lines.append(f"{block.label.get(locale)}: {gist}")
    return lines


def _score(value: float | None, locale: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}"
    return text.replace(".", ",") if locale.startswith("nl") else text


@dataclass(frozen=True)
class Prefill:
    insights: dict[str, str]
    sources: dict[str, list[Source]]
    career_question: str
    ambition: str


def _text_answer(submissions: Mapping[str, Submission], source: tuple[str, str]) -> str:
    submission = submissions.get(source[0])
    answer = submission.answers.get(source[1]) if submission else None
    return str(answer.get("value") or "") if isinstance(answer, dict) else ""


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _self_assessment_line(enrolment: Enrolment, content: Content, locale: str) -> dict[str, str]:
    """competency -> a sentence with the scores of the moments taken ("At the start you gave
    yourself 3.2 out of 5 for career reflection, at the end 3.9.")."""
    taken = selfassessment.find(enrolment.user_id, enrolment.cohort_id)
    inst = selfassessment.instrument(content)
    per_moment = {m: selfassessment.scores(inst, row.answers) for m, row in taken.items()}
    lines = {}
    with force_locale(locale):
        for scale in inst.scales:
            competency = content.competencies.get(scale.competency)
            name = _lower_first(competency.name.get(locale)) if competency else scale.competency
            start = per_moment.get(AssessmentMoment.START, {}).get(scale.competency)
            end = per_moment.get(AssessmentMoment.END, {}).get(scale.competency)
            values = {"competency": name, "max": inst.scale_max}
            if start is not None and end is not None:
                lines[scale.competency] = _(
                    "At the start you gave yourself %(start)s out of %(max)s for "
                    "%(competency)s, at the end %(end)s.",
                    start=_score(start, locale),
                    end=_score(end, locale),
                    **values,
                )
            elif start is not None:
                lines[scale.competency] = _(
                    "At the start you gave yourself %(score)s out of %(max)s for %(competency)s.",
                    score=_score(start, locale),
                    **values,
                )
            elif end is not None:
                lines[scale.competency] = _(
                    "At the end you gave yourself %(score)s out of %(max)s for %(competency)s.",
                    score=_score(end, locale),
                    **values,
                )
    return lines


def prefill(enrolment: Enrolment, content: Content, locale: str) -> Prefill:
    """Summaries per competency of the participant's own answers and self-assessment."""
    submissions = {
        s.assignment_slug: s
        for s in db.session.scalars(
            select(Submission).where(Submission.enrolment_id == enrolment.id)
        )
    }
    insights: dict[str, list[str]] = {slug: [] for slug in content.competencies}
    sources: dict[str, list[Source]] = {slug: [] for slug in content.competencies}
    for assignment in content.assignments_for(enrolment.cohort.programme_slug):
        submission = submissions.get(assignment.slug)
        if submission is None or assignment.is_action_plan:
            continue
        lines = _assignment_lines(assignment, submission.answers, locale)
        if lines and assignment.competency in insights:
            insights[assignment.competency].extend(lines)
            sources[assignment.competency].append(
                Source(assignment.title.get(locale), assignment.slug)
            )
    inst_title = selfassessment.instrument(content).name.get(locale)
    for competency, line in _self_assessment_line(enrolment, content, locale).items():
        if competency in insights:
            insights[competency].append(line)
            sources[competency].append(Source(inst_title, None))
    return Prefill(
        insights={k: "\n".join(v) for k, v in insights.items() if v},
        sources=sources,
        career_question=_text_answer(submissions, CAREER_QUESTION_SOURCE),
        ambition=_text_answer(submissions, AMBITION_SOURCE),
    )


# --- filling fields from later work ----------------------------------------------------------


def fillable_values(seed: Prefill) -> dict[str, str]:
    """The plan fields pre-fill writes, by key ("career_question", "insights.<slug>", ...)."""
    values = {"career_question": seed.career_question, "ambition": seed.ambition}
    values |= {f"insights.{slug}": text for slug, text in seed.insights.items()}
    return values


def _get(data: Mapping[str, Any], key: str) -> str:
    if key.startswith("insights."):
        return str((data.get("insights") or {}).get(key.removeprefix("insights.")) or "")
    return str(data.get(key) or "")


def _set(data: dict[str, Any], key: str, value: str) -> None:
    if key.startswith("insights."):
        insights = dict(data.get("insights") or {})
        insights[key.removeprefix("insights.")] = value
        data["insights"] = insights
    else:
        data[key] = value


def refill(
    data: Mapping[str, Any], prefilled: Mapping[str, str | None], seed: Prefill
) -> tuple[dict[str, Any], dict[str, str | None]]:
    """Fill the fields the participant has not edited with what their work says now.

    A field is the participant's once they changed it (``prefilled[key]`` is None); until then
    it holds what pre-fill wrote (or nothing) and takes the newer text. Returns the new data
    and the new record of what pre-fill wrote.
    """
    new_data = dict(data)
    record = dict(prefilled)
    for key, value in fillable_values(seed).items():
        if not value or key in record and record[key] is None:
            continue
        current = _get(new_data, key)
        if current == "" or current == record.get(key):
            _set(new_data, key, value)
            record[key] = value
    return new_data, record


def note_edits(
    saved: Mapping[str, Any], prefilled: Mapping[str, str | None]
) -> dict[str, str | None]:
    """After a save: every field whose text is no longer what pre-fill wrote is the
    participant's from now on (None); an empty field pre-fill never wrote stays fillable."""
    record = dict(prefilled)
    keys = {"career_question", "ambition"} | {
        f"insights.{slug}" for slug in (saved.get("insights") or {})
    }
    for key in keys | set(record):
        value = _get(saved, key)
        written = record.get(key)
        if key in record and written is None:
            continue
        if value != (written or ""):
            record[key] = None
    return record
