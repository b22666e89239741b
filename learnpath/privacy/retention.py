"""Retention: remove the personal content of finished trajectories after N months.

The rule, for an organisation with ``retention_months`` = N (None: nothing happens until
someone asks for erasure); the cutoff is now minus N calendar months:

- a *trajectory* is one enrolment, in a cohort of any kind (programme, workshop,
  intervision), of a person of the organisation (the person's organisation decides, not the
  organisation that runs the cohort);
- it is *finished before the cutoff* when its cohort's last session started before the
  cutoff (a cohort without sessions: when the enrolment has an ``ended_at`` before the
  cutoff), and the enrolment itself, if it ended (withdrawn, moved, dropped out, completed),
  ended before the cutoff too. The status does not matter once the cohort is over: nothing
  in it is active any more (a place nobody closed, a waitlist that never moved). Someone who
  left a cohort early is kept until the cohort has ended, with the rest of the group;
- applying retention removes the trajectory's personal content exactly as erasure does,
  scoped to the trajectory (``services.trajectory_rows`` + ``services.clear_rows``): answers,
  feedback on them, colleague feedback requests, facilitator notes, the action plan's
  content, versions, shares and the texts of the career conversations, calendar links of the
  cohort, the enrolment's note. Statuses, dates, categories, attendance and self-assessment
  scores stay, so every report figure still adds up. The enrolment gets
  ``retention_applied_at``: it is done once;
- what the group wrote together (session notes, schedule-change details, intervision case
  descriptions and minutes) belongs to the group, not to one member: it is blanked when
  retention has been applied to every enrolment of the cohort (``services.group_rows``);
- the account itself is pseudonymised (``services.erase``, as on request) when it is a
  participant-only account, all its enrolments have had retention applied, it has not signed
  in since the cutoff and was created before it. Accounts with another role (facilitator,
  manager, HR, admin) carry work for others and are kept; erasure on request remains;
- each organisation is one unit of work that first locks the organisation row (PostgreSQL)
  and claims its enrolments with a conditional update, so two jobs at once do the work once.
  A run that did something leaves a ``RetentionRun`` row with counts only.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update

from learnpath.accounts.models import Organisation, Role, User, UserRole
from learnpath.cohorts.models import CohortSession, Enrolment
from learnpath.extensions import db
from learnpath.privacy import services
from learnpath.privacy.models import RetentionRun

log = logging.getLogger(__name__)

MIN_MONTHS = 6
MAX_MONTHS = 120
#: Trajectories cleared per round (keeps the IN lists of the generic queries short).
BATCH = 200


class RetentionRace(Exception):
    """Another process claimed some of the same enrolments; this unit of work is rolled back."""


@dataclass
class Plan:
    """What retention does (or would do) in one organisation."""

    organisation_id: int
    months: int
    cutoff: datetime
    #: (enrolment id, user id, cohort id)
    trajectories: list[tuple[int, int, int]] = field(default_factory=list)
    accounts: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.trajectories or self.accounts or self.groups)


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (31 March - 1 month = 28/29 Feb)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def set_retention(org: Organisation, months: int | None) -> None:
    """Set how many months finished trajectories are kept (None: until erasure is asked)."""
    if months is not None and not MIN_MONTHS <= months <= MAX_MONTHS:
        raise services.PrivacyError(f"months must be from {MIN_MONTHS} to {MAX_MONTHS}")
    org.retention_months = months
    db.session.flush()


def organisations_with_retention() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.retention_months.is_not(None))
            .order_by(Organisation.id)
        )
    )


def plan_retention(org: Organisation, now: datetime) -> Plan:
    """Find the trajectories, accounts and groups that are past the organisation's retention."""
    if org.retention_months is None:
        return Plan(org.id, 0, now)
    plan = Plan(org.id, org.retention_months, months_before(now, org.retention_months))
    cutoff = plan.cutoff
    last = (
        select(CohortSession.cohort_id, func.max(CohortSession.starts_at).label("last_start"))
        .group_by(CohortSession.cohort_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.user_id, Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .join(last, last.c.cohort_id == Enrolment.cohort_id, isouter=True)
        .where(
            User.organisation_id == org.id,
            Enrolment.retention_applied_at.is_(None),
            or_(
                last.c.last_start < cutoff,
                and_(last.c.last_start.is_(None), Enrolment.ended_at < cutoff),
            ),
            or_(Enrolment.ended_at.is_(None), Enrolment.ended_at < cutoff),
        )
        .order_by(Enrolment.id)
    ).all()
    plan.trajectories = [(e, u, c) for e, u, c in rows]
    due = {e for e, _u, _c in plan.trajectories}
    plan.groups = _finished_groups({c for _e, _u, c in plan.trajectories}, due)
    plan.accounts = _finished_accounts(org, cutoff, due)
    return plan


def _finished_groups(cohort_ids: set[int], due: set[int]) -> list[int]:
    """Cohorts in which every enrolment is done (before this run or in it)."""
    pending: dict[int, bool] = {}
    for enrolment_id, cohort_id, applied in db.session.execute(
        select(Enrolment.id, Enrolment.cohort_id, Enrolment.retention_applied_at).where(
            Enrolment.cohort_id.in_(cohort_ids)
        )
    ):
        done = applied is not None or enrolment_id in due
        pending[cohort_id] = pending.get(cohort_id, False) or not done
    return sorted(cohort for cohort, left in pending.items() if not left)


def _finished_accounts(org: Organisation, cutoff: datetime, due: set[int]) -> list[int]:
    """Participant-only accounts whose trajectories are all done and who stayed away."""
    other_role = select(UserRole.user_id).where(UserRole.role != Role.PARTICIPANT)
    candidates = db.session.execute(
        select(User.id)
        .where(
            User.organisation_id == org.id,
            User.id.not_in(other_role),
            User.id.in_(select(Enrolment.user_id)),
            User.created_at < cutoff,
            or_(User.last_login_at.is_(None), User.last_login_at < cutoff),
            ~User.email.like(f"{services.ERASED_PREFIX}%{services.ERASED_DOMAIN}"),
        )
        .order_by(User.id)
    ).all()
    ids = [user_id for (user_id,) in candidates]
    if not ids:
        return []
    open_left: defaultdict[int, int] = defaultdict(int)
    for enrolment_id, user_id, applied in db.session.execute(
        select(Enrolment.id, Enrolment.user_id, Enrolment.retention_applied_at).where(
            Enrolment.user_id.in_(ids)
        )
    ):
        if applied is None and enrolment_id not in due:
            open_left[user_id] += 1
    return [user_id for user_id in ids if not open_left[user_id]]


def apply_retention(org: Organisation, now: datetime) -> Plan:
    """Carry out the organisation's retention (flushes; the caller commits once)."""
    # Serialise runs per organisation: a second job waits here and then finds nothing to do.
    db.session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())
    plan = plan_retention(org, now)
    if plan.is_empty:
        return plan
    ids = [e for e, _u, _c in plan.trajectories]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        claimed = db.session.execute(
            update(Enrolment)
            .where(Enrolment.id.in_(chunk), Enrolment.retention_applied_at.is_(None))
            .values(retention_applied_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != len(chunk):  # type: ignore[attr-defined]
            raise RetentionRace(org.slug)
    for start in range(0, len(plan.trajectories), BATCH):
        chunk_pairs = [(u, c) for _e, u, c in plan.trajectories[start : start + BATCH]]
        services.clear_rows(services.trajectory_rows(chunk_pairs))
    services.clear_rows(services.group_rows(plan.groups))
    db.session.expire_all()
    for user in db.session.scalars(select(User).where(User.id.in_(plan.accounts))):
        services.erase(user, None)
    db.session.add(
        RetentionRun(
            organisation_id=org.id,
            ran_at=now,
            months=plan.months,
            trajectories=len(plan.trajectories),
            accounts=len(plan.accounts),
            groups=len(plan.groups),
        )
    )
    db.session.flush()
    log.info(
        "retention %s: %d trajectories, %d accounts, %d groups",
        org.slug,
        len(plan.trajectories),
        len(plan.accounts),
        len(plan.groups),
    )
    return plan


def run_all(now: datetime) -> int:
    """Apply retention in every organisation that has a setting, one commit per organisation.

    This is a unit of work per organisation, for the scheduler job and the CLI; returns the
    number of trajectories cleared.
    """
    total = 0
    for org_id in [org.id for org in organisations_with_retention()]:
        org = db.session.get(Organisation, org_id)
        if org is None:
            continue
        try:
            total += len(apply_retention(org, now).trajectories)
        except RetentionRace:
            db.session.rollback()
            log.info("retention of organisation %s was done by another process", org_id)
            continue
        db.session.commit()
    return total


def recent_runs(org: Organisation, limit: int = 10) -> list[RetentionRun]:
    return list(
        db.session.scalars(
            select(RetentionRun)
            .where(RetentionRun.organisation_id == org.id)
            .order_by(RetentionRun.ran_at.desc(), RetentionRun.id.desc())
            .limit(limit)
        )
    )
