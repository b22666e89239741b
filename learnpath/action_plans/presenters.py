"""Prepared values for pages and exports: competency names, export header, file names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import gettext as _

from learnpath.accounts.models import User
from learnpath.action_plans import plan_data
from learnpath.action_plans.models import ActionPlan, PlanVersion
from learnpath.content.schema import Content
from learnpath.db import utcnow
from learnpath.i18n import current_locale
from learnpath.opportunities.queries import accepted_for


def render_pdf(*args: Any, **kwargs: Any) -> bytes:
    """The PDF export, imported on first use: fpdf2 with its fonts and images costs about
    45 MB per worker, which most workers never need."""
    from learnpath.action_plans.export_pdf import render_pdf as render

    return render(*args, **kwargs)


def render_docx(*args: Any, **kwargs: Any) -> bytes:
    """The Word export, imported on first use (as ``render_pdf``)."""
    from learnpath.action_plans.export_docx import render_docx as render

    return render(*args, **kwargs)


FORMATS = {
    "pdf": ("application/pdf", render_pdf),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        render_docx,
    ),
}


def competency_names(content: Content) -> dict[str, str]:
    """competency slug -> name in the current language, in programme order."""
    locale = current_locale()
    ordered = sorted(content.competencies.values(), key=lambda c: c.order)
    return {c.slug: c.name.get(locale) for c in ordered}


def today_for(user: User) -> date:
    """Today in the user's organisation's time zone."""
    return utcnow().astimezone(ZoneInfo(user.organisation.timezone)).date()


def empty_text() -> str:
    return _("Nothing filled in yet.")


def sections_of(
    data: Mapping[str, Any], chosen: Iterable[str], content: Content
) -> list[plan_data.Section]:
    return plan_data.document(data, chosen, competency_names(content))


def with_kansen(
    sections: list[plan_data.Section], user_id: int, *, shared_only: bool
) -> list[plan_data.Section]:
    """The sections with "Je kansen uit de kansenbank" after them when there are any: the
    person's accepted opportunities (``shared_only``: those they show in their shared plan)."""
    kansen = accepted_for(user_id, shared_only=shared_only)
    if not kansen:
        return sections
    paragraphs = [
        (str(o.kind.label), f"{o.title} ({o.organisation.name}, {o.team})") for o in kansen
    ]
    title = _("Your opportunities from the kansenbank")
    return [*sections, plan_data.Section("kansen", title, paragraphs)]


def status_line(plan: ActionPlan, version: PlanVersion | None) -> str:
    if version is None:
        return _("Draft (not finalised)")
    return _(
        "Version %(n)s, finalised on %(when)s",
        n=version.number,
        when=format_date(version.finalised_at, "d MMMM y"),
    )


def header(plan: ActionPlan, version: PlanVersion | None) -> plan_data.Header:
    participant = plan.user
    return plan_data.Header(
        title=_("Career action plan"),
        organisation=participant.organisation.name,
        participant=participant.name,
        status_line=status_line(plan, version),
        made_on=_("Made on %(when)s", when=format_date(utcnow(), "d MMMM y")),
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "plan"


def filename(participant: User, kind: str, now: datetime | None = None) -> str:
    """E.g. ``actieplan-anouk-de-vries-2027-03-01.pdf`` (date in the organisation's zone)."""
    day = (now or utcnow()).astimezone(ZoneInfo(participant.organisation.timezone)).date()
    return f"actieplan-{_slug(participant.name)}-{day.isoformat()}.{kind}"


def render_export(
    kind: str, plan: ActionPlan, version: PlanVersion | None, sections: list[plan_data.Section]
) -> tuple[bytes, str]:
    """Return (file bytes, MIME type) of an export, generated now (never stored)."""
    mimetype, render = FORMATS[kind]
    return render(header(plan, version), sections, empty_text()), mimetype


#: Reads by the same person of the same kind closer together than this are one line of the log.
AUDIT_GROUP_GAP_MINUTES = 30


@dataclass(frozen=True)
class AuditLine:
    """One line of the participant's log: the same person doing the same thing, once or in a
    run of repeats close together (``first`` to ``last``)."""

    actor: User
    action: str
    first: datetime
    last: datetime
    count: int


def audit_lines(events: Iterable[tuple[Any, User]]) -> list[AuditLine]:
    """Group a newest-first log: repeats by one person of one action, each within
    AUDIT_GROUP_GAP_MINUTES of the next, become one line with their count."""
    lines: list[AuditLine] = []
    gap = timedelta(minutes=AUDIT_GROUP_GAP_MINUTES)
    for event, actor in events:
        previous = lines[-1] if lines else None
        if (
            previous is not None
            and previous.actor.id == actor.id
            and previous.action == event.action
            and previous.first - event.created_at <= gap
        ):
            lines[-1] = replace(previous, first=event.created_at, count=previous.count + 1)
        else:
            lines.append(AuditLine(actor, event.action, event.created_at, event.created_at, 1))
    return lines
