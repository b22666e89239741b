"""Structured answers per block type: read them from a form, validate them against the blocks.

Stored shape (``Submission.answers``), one entry per block slug, each naming its type so it
stays readable without the content it was written against:

- text: ``{"type": "text", "value": str}``
- list: ``{"type": "list", "items": [{"item": str, "example": str}]}``
- rating: fixed rows ``{"type": "rating", "scores": [int | None, ...]}`` (one per row, in
  order); rows written by the participant ``{"type": "rating", "rows": [{"row": str,
  "score": int | None}]}``
- ranking: ``{"type": "ranking", "ranked": [option slug, ...]}`` (most important first)
- table: ``{"type": "table", "rows": [{column slug: str}]}``
- feedback_request: ``{"type": "feedback_request", "sender_name": str, "pending": [{"email":
  str, "name": str}]}`` — addresses typed but not yet invited; invitations themselves are
  FeedbackRequest rows.

Form field names (and element ids) are ``b-<block>``, ``b-<block>-<row>-<part>``. Empty rows
are dropped, so row numbers in errors refer to the stored (compacted) rows, which is also how
the form is shown again. Drafts are checked only for hard limits (lengths, valid choices);
handing in also checks what is required. Answers of blocks that are no longer in the content
are kept untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from learnpath.content.schema import (
    Assignment,
    Block,
    FeedbackRequestBlock,
    ListBlock,
    RankingBlock,
    RatingBlock,
    TableBlock,
    TextBlock,
)
from learnpath.web.forms import single_line_error

#: Upper limit of a free text without its own max_length, and of short fields.
TEXT_MAX = 10_000
SHORT_MAX = 500
NAME_MAX = 100

Answers = dict[str, Any]
Errors = dict[str, str]


def field_id(block: Block | str, *parts: object) -> str:
    """The name and id of a form field of a block, e.g. ``b-kaart-2-cirkel``."""
    slug = block if isinstance(block, str) else block.slug
    return "-".join(["b", slug, *(str(p) for p in parts)])


def _text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").replace("\r\n", "\n").strip()


def _int_or_raw(value: str) -> int | str | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return value


# --- reading a form ------------------------------------------------------------------------


def parse_block(block: Block, form: Mapping[str, str]) -> dict[str, Any]:
    """Read one block's answer from submitted form data, as typed (trimmed)."""
    fid = field_id(block)
    if isinstance(block, TextBlock):
        return {"type": "text", "value": _text(form, fid)}
    if isinstance(block, ListBlock):
        items = []
        for i in range(block.max_items):
            item = _text(form, field_id(block, i, "item"))
            example = _text(form, field_id(block, i, "example")) if block.with_example else ""
            if item or example:
                items.append({"item": item, "example": example})
        return {"type": "list", "items": items}
    if isinstance(block, RatingBlock):
        if not block.rows_from_participant:
            scores = [
                _int_or_raw(form.get(field_id(block, i, "score")) or "")
                for i in range(len(block.rows))
            ]
            return {"type": "rating", "scores": scores}
        rows = []
        for i in range(block.max_rows or 0):
            row = _text(form, field_id(block, i, "row"))
            score = _int_or_raw(form.get(field_id(block, i, "score")) or "")
            if row or score is not None:
                rows.append({"row": row, "score": score})
        return {"type": "rating", "rows": rows}
    if isinstance(block, RankingBlock):
        picked = [_text(form, field_id(block, r)) for r in range(block.pick)]
        return {"type": "ranking", "ranked": [p for p in picked if p]}
    if isinstance(block, TableBlock):
        table_rows = []
        for i in range(block.max_rows):
            cells = {c.slug: _text(form, field_id(block, i, c.slug)) for c in block.columns}
            if any(cells.values()):
                table_rows.append(cells)
        return {"type": "table", "rows": table_rows}
    if isinstance(block, FeedbackRequestBlock):
        pending = []
        for i in range(block.max_people):
            email = _text(form, field_id(block, i, "email")).lower()
            name = _text(form, field_id(block, i, "name"))
            if email or name:
                pending.append({"email": email, "name": name})
        return {
            "type": "feedback_request",
            "sender_name": _text(form, field_id(block, "sender")),
            "pending": pending,
        }
    raise ValueError(f"unknown block type {block.type}")


def parse_answers(
    assignment: Assignment, form: Mapping[str, str], previous: Mapping[str, Any] | None = None
) -> Answers:
    """Read all blocks from a form, keeping stored answers of blocks no longer in the content.

    An earlier answer whose block changed type is kept under ``<slug>~<old type>``.
    """
    answers: Answers = dict(previous or {})
    for block in assignment.blocks:
        old = answers.get(block.slug)
        if isinstance(old, dict) and old.get("type") not in (None, block.type):
            answers[f"{block.slug}~{old['type']}"] = old
        answers[block.slug] = parse_block(block, form)
    return answers


# --- validation ----------------------------------------------------------------------------


def _too_long(value: str, limit: int) -> str | None:
    if len(value) > limit:
        return _("Use at most %(n)s characters (now %(count)s).", n=limit, count=len(value))
    return None


def _one_line(value: str, limit: int) -> str | None:
    """The problem with a value typed in a one-line input (a name, an item, a cell): a line
    break or control character (it may end up in a mail header), or its length."""
    return single_line_error(value) or _too_long(value, limit)


def _count_error(count: int, low: int, high: int, required: bool, final: bool) -> str | None:
    if count > high:
        return _("Fill in at most %(n)s.", n=high)
    if final and count < low and (required or count > 0):
        return _("Fill in at least %(n)s.", n=low)
    return None


def _check_text(block: TextBlock, answer: Mapping[str, Any], final: bool, errors: Errors) -> None:
    value = str(answer.get("value") or "")
    fid = field_id(block)
    message = _too_long(value, block.max_length or TEXT_MAX)
    if message:
        errors[fid] = message
    elif final and not value and block.required:
        errors[fid] = _("Answer this question.")
    elif final and value and block.min_length and len(value) < block.min_length:
        errors[fid] = _(
            "Write at least %(n)s characters (now %(count)s).",
            n=block.min_length,
            count=len(value),
        )


def _check_list(block: ListBlock, answer: Mapping[str, Any], final: bool, errors: Errors) -> None:
    items = list(answer.get("items") or [])
    for i, entry in enumerate(items):
        item, example = str(entry.get("item") or ""), str(entry.get("example") or "")
        message = _one_line(item, SHORT_MAX)
        if message:
            errors[field_id(block, i, "item")] = message
        elif final and not item:
            errors[field_id(block, i, "item")] = _("Fill this in too, or clear the row.")
        message = _too_long(example, TEXT_MAX)
        if message:
            errors[field_id(block, i, "example")] = message
    message = _count_error(len(items), block.min_items, block.max_items, block.required, final)
    if message:
        errors[field_id(block)] = message


def _score_error(block: RatingBlock, score: object, final: bool) -> str | None:
    if score is None:
        return _("Choose a value.") if final else None
    if not isinstance(score, int) or not block.scale_min <= score <= block.scale_max:
        return _("Choose a value from %(lo)s to %(hi)s.", lo=block.scale_min, hi=block.scale_max)
    return None


def _check_rating(
    block: RatingBlock, answer: Mapping[str, Any], final: bool, errors: Errors
) -> None:
    if not block.rows_from_participant:
        scores = list(answer.get("scores") or [])
        scores += [None] * (len(block.rows) - len(scores))
        answered = any(s is not None for s in scores)
        for i, score in enumerate(scores[: len(block.rows)]):
            message = _score_error(block, score, final and (block.required or answered))
            if message:
                errors[field_id(block, i, "score")] = message
        return
    rows = list(answer.get("rows") or [])
    for i, entry in enumerate(rows):
        text, score = str(entry.get("row") or ""), entry.get("score")
        message = _one_line(text, SHORT_MAX) or (
            _("Fill this in too, or clear the row.") if final and not text else None
        )
        if message:
            errors[field_id(block, i, "row")] = message
        message = _score_error(block, score, final)
        if message:
            errors[field_id(block, i, "score")] = message
    message = _count_error(
        len(rows), block.min_rows or 0, block.max_rows or 0, block.required, final
    )
    if message:
        errors[field_id(block)] = message


def _check_ranking(
    block: RankingBlock, answer: Mapping[str, Any], final: bool, errors: Errors
) -> None:
    ranked = list(answer.get("ranked") or [])
    known = {o.slug for o in block.options}
    seen: set[str] = set()
    for r, slug in enumerate(ranked):
        if slug not in known:
            errors[field_id(block, r)] = _("Choose one of the options.")
        elif slug in seen:
            errors[field_id(block, r)] = _("You chose this one already; choose another.")
        seen.add(slug)
    if len(ranked) > block.pick:
        errors[field_id(block)] = _("Choose %(n)s.", n=block.pick)
    elif final and len(ranked) < block.pick and (block.required or ranked):
        errors[field_id(block)] = _(
            "Choose %(n)s and put them in order (now %(count)s).",
            n=block.pick,
            count=len(ranked),
        )


def _check_table(block: TableBlock, answer: Mapping[str, Any], final: bool, errors: Errors) -> None:
    rows = list(answer.get("rows") or [])
    for i, cells in enumerate(rows):
        for column in block.columns:
            value = str(cells.get(column.slug) or "")
            fid = field_id(block, i, column.slug)
            if column.type == "choice" and value and value not in {c.slug for c in column.choices}:
                errors[fid] = _("Choose one of the options.")
            elif message := _one_line(value, SHORT_MAX):
                errors[fid] = message
            elif final and not value:
                errors[fid] = _("Fill this in too, or clear the row.")
    message = _count_error(len(rows), block.min_rows, block.max_rows, block.required, final)
    if message:
        errors[field_id(block)] = message


def check_email(value: str) -> str | None:
    """Return an error message when value is not a usable email address."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return _("Enter a valid email address, like name@example.org.")
    return None


def _check_feedback_request(
    block: FeedbackRequestBlock,
    answer: Mapping[str, Any],
    final: bool,
    invited: int,
    errors: Errors,
) -> None:
    sender = str(answer.get("sender_name") or "")
    if message := _one_line(sender, NAME_MAX):
        errors[field_id(block, "sender")] = message
    for i, person in enumerate(answer.get("pending") or []):
        if message := _one_line(str(person.get("name") or ""), NAME_MAX):
            errors[field_id(block, i, "name")] = message
        if final:
            errors[field_id(block, i, "email")] = _(
                "Not invited yet: press “Send invitations”, or clear this address."
            )
    if final and invited < block.min_people and (block.required or invited):
        errors[field_id(block)] = _(
            "Invite at least %(n)s colleagues (now %(count)s).", n=block.min_people, count=invited
        )


def validate_answers(
    assignment: Assignment,
    answers: Mapping[str, Any],
    *,
    final: bool,
    invited: Mapping[str, int] | None = None,
) -> Errors:
    """Return field id -> message for every problem; ``final`` when handing in.

    ``invited`` counts the invitations already sent per feedback-request block.
    """
    errors: Errors = {}
    for block in assignment.blocks:
        answer = answers.get(block.slug) or {}
        if isinstance(block, TextBlock):
            _check_text(block, answer, final, errors)
        elif isinstance(block, ListBlock):
            _check_list(block, answer, final, errors)
        elif isinstance(block, RatingBlock):
            _check_rating(block, answer, final, errors)
        elif isinstance(block, RankingBlock):
            _check_ranking(block, answer, final, errors)
        elif isinstance(block, TableBlock):
            _check_table(block, answer, final, errors)
        elif isinstance(block, FeedbackRequestBlock):
            count = (invited or {}).get(block.slug, 0)
            _check_feedback_request(block, answer, final, count, errors)
    return errors


# --- showing a form --------------------------------------------------------------------------


def rows_to_show(block: Block, answer: Mapping[str, Any] | None) -> int:
    """How many rows a list/table/rating-with-own-rows block shows: one empty row to grow into."""
    answer = answer or {}
    if isinstance(block, ListBlock):
        filled, low, high = len(answer.get("items") or []), block.min_items, block.max_items
    elif isinstance(block, TableBlock):
        filled, low, high = len(answer.get("rows") or []), block.min_rows, block.max_rows
    elif isinstance(block, RatingBlock) and block.rows_from_participant:
        filled, low, high = len(answer.get("rows") or []), block.min_rows or 1, block.max_rows or 1
    elif isinstance(block, FeedbackRequestBlock):
        filled, low, high = len(answer.get("pending") or []), 1, block.max_people
    else:
        return 0
    return min(high, max(low, filled + 1))
