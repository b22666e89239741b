"""The career-competency self-assessment: windows, scoring, storing, cohort aggregate.

Windows: the **start** measurement can be taken from enrolment until the end of the intro
session (before or at the intro; always while the intro is not planned); the **end**
measurement from the start of the local day of the action session onwards (never while the
action session is not planned); the **follow-up** from the months the instrument names
(3 to 6) after the local day of the last session, by members and those who completed. Each can be taken once: a measurement that could be redone
would no longer show change.

Scoring: the score on a competency is the mean of its items; a reverse-scored item counts as
``scale_min + scale_max - answer`` (6 - x on a 1–5 scale).

Privacy: a facilitator sees the cohort's mean per competency only when at least
``MIN_GROUP`` participants answered, so no individual score can be read or derived.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from statistics import mean
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from learnpath.assignments.models import AssessmentMoment, SelfAssessment, SelfAssessmentShare
from learnpath.assignments.services import AssignmentError
from learnpath.cohorts.models import Cohort, CohortSession, EnrolmentStatus
from learnpath.content.schema import Content, Instrument
from learnpath.extensions import db

INSTRUMENT_SLUG = "zelfscan-loopbaancompetenties"
#: Smallest group whose aggregate a facilitator may see (DESIGN §6: groups under 5 suppressed).
MIN_GROUP = 5


def instrument(content: Content) -> Instrument:
    return content.instruments[INSTRUMENT_SLUG]


def item_field(slug: str) -> str:
    return f"item-{slug}"


@dataclass(frozen=True)
class Windows:
    start_closes_at: datetime | None
    end_opens_at: datetime | None
    #: The follow-up: [opens, closes) months after the last session (None: not planned or
    #: the instrument has no follow-up).
    follow_up_opens_at: datetime | None = None
    follow_up_closes_at: datetime | None = None

    def is_open(self, moment: AssessmentMoment, now: datetime) -> bool:
        if moment == AssessmentMoment.START:
            return self.start_closes_at is None or now <= self.start_closes_at
        if moment == AssessmentMoment.FOLLOW_UP:
            return (
                self.follow_up_opens_at is not None
                and self.follow_up_closes_at is not None
                and self.follow_up_opens_at <= now < self.follow_up_closes_at
            )
        return self.end_opens_at is not None and now >= self.end_opens_at


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def may_take(status: EnrolmentStatus, moment: AssessmentMoment) -> bool:
    """Whose place allows the moment: the follow-up comes after the programme (completed
    too); start and end are for members who can still work (``services.can_edit``)."""
    if moment == AssessmentMoment.FOLLOW_UP:
        return status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)
    return True


def windows(cohort: Cohort, content: Content, sessions: Iterable[CohortSession]) -> Windows:
    """Return when the start measurement closes and the end measurement opens."""
    programme = content.programme(cohort.programme_slug)
    kinds = {b.slug: b.kind for b in programme.sessions}
    planned = sorted(sessions, key=lambda s: s.position)
    intro = next((s for s in planned if kinds.get(s.blueprint_slug) == "intro"), None)
    action = next((s for s in planned if kinds.get(s.blueprint_slug) == "action"), None)
    end_opens_at = None
    zone = ZoneInfo(cohort.organisation.timezone)
    if action is not None:
        day = action.starts_at.astimezone(zone).date()
        end_opens_at = datetime.combine(day, time(0, 0), tzinfo=zone)
    follow_up: tuple[datetime | None, datetime | None] = (None, None)
    inst = content.instruments.get(INSTRUMENT_SLUG)
    held = [s for s in planned if not s.is_cancelled]
    if inst is not None and inst.follow_up_months is not None and held:
        last = max(held, key=lambda s: s.starts_at).starts_at.astimezone(zone).date()
        opens, closes = (
            datetime.combine(add_months(last, months), time(0, 0), tzinfo=zone)
            for months in inst.follow_up_months
        )
        follow_up = (opens, closes)
    return Windows(intro.ends_at if intro else None, end_opens_at, *follow_up)


def scores(inst: Instrument, answers: Mapping[str, int]) -> dict[str, float | None]:
    """Return competency -> mean item score (reverse-scored items flipped); None if unanswered."""
    result: dict[str, float | None] = {}
    for scale in inst.scales:
        values = []
        for item in scale.items:
            answer = answers.get(item.slug)
            if isinstance(answer, int):
                flipped = inst.scale_min + inst.scale_max - answer
                values.append(flipped if item.reverse_scored else answer)
        # sum/len, not statistics.mean: exact for integers and much faster (HR figures
        # score every participant's start and end).
        result[scale.competency] = round(sum(values) / len(values), 2) if values else None
    return result


def parse(inst: Instrument, form: Mapping[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    """Read the answers from a form; return (answers, field id -> message)."""
    answers: dict[str, int] = {}
    errors: dict[str, str] = {}
    for scale in inst.scales:
        for item in scale.items:
            raw = (form.get(item_field(item.slug)) or "").strip()
            try:
                value = int(raw)
            except ValueError:
                errors[item_field(item.slug)] = _("Choose an answer.")
                continue
            if not inst.scale_min <= value <= inst.scale_max:
                errors[item_field(item.slug)] = _("Choose an answer.")
            else:
                answers[item.slug] = value
    return answers, errors


def find(user_id: int, cohort_id: int) -> dict[AssessmentMoment, SelfAssessment]:
    rows = db.session.scalars(
        select(SelfAssessment).where(
            SelfAssessment.user_id == user_id, SelfAssessment.cohort_id == cohort_id
        )
    )
    return {row.moment: row for row in rows}


def save(
    user_id: int,
    cohort: Cohort,
    moment: AssessmentMoment,
    content: Content,
    answers: dict[str, int],
    errors: Mapping[str, str],
    window: Windows,
    now: datetime,
) -> SelfAssessment:
    """Store a completed self-assessment; raises AssignmentError (nothing stored)."""
    if not window.is_open(moment, now):
        raise AssignmentError(_l("This self-assessment is not open now."))
    if find(user_id, cohort.id).get(moment) is not None:
        raise AssignmentError(_l("You have completed this self-assessment already."))
    if errors:
        raise AssignmentError(_l("Answer every statement; the ones still open are marked."), errors)
    row = SelfAssessment(
        user_id=user_id,
        cohort_id=cohort.id,
        moment=moment,
        instrument_slug=INSTRUMENT_SLUG,
        content_version=content.version,
        answers=answers,
        completed_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class Aggregate:
    moment: AssessmentMoment
    respondents: int
    #: competency -> mean of the participants' scores; empty when suppressed.
    means: dict[str, float]

    @property
    def is_suppressed(self) -> bool:
        return self.respondents < MIN_GROUP


def cohort_aggregate(cohort: Cohort, content: Content) -> list[Aggregate]:
    """Mean score per competency per moment; suppressed below MIN_GROUP respondents."""
    inst = instrument(content)
    rows = db.session.scalars(select(SelfAssessment).where(SelfAssessment.cohort_id == cohort.id))
    per_moment: dict[AssessmentMoment, list[dict[str, float | None]]] = {
        m: [] for m in AssessmentMoment
    }
    for row in rows:
        per_moment[row.moment].append(scores(inst, row.answers))
    result = []
    for moment, people in per_moment.items():
        means: dict[str, float] = {}
        if len(people) >= MIN_GROUP:
            for scale in inst.scales:
                values = [p[scale.competency] for p in people if p[scale.competency] is not None]
                if values:
                    means[scale.competency] = round(mean(v for v in values if v is not None), 2)
        result.append(Aggregate(moment, len(people), means))
    return result


def is_shared(enrolment_id: int) -> bool:
    """Whether the participant shares their scores with the cohort's facilitators."""
    return (
        db.session.scalar(
            select(SelfAssessmentShare.id).where(SelfAssessmentShare.enrolment_id == enrolment_id)
        )
        is not None
    )


def set_shared(enrolment_id: int, shared: bool) -> None:
    """Share the scores with the facilitators, or stop sharing (takes effect at once)."""
    if shared and not is_shared(enrolment_id):
        db.session.add(SelfAssessmentShare(enrolment_id=enrolment_id))
    elif not shared:
        db.session.execute(
            delete(SelfAssessmentShare).where(SelfAssessmentShare.enrolment_id == enrolment_id)
        )
    db.session.flush()
