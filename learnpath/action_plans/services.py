"""Action plan rules: building and finalising, versions, sharing with a manager (per section,
revocable), what each role may read, the audit trail and the career conversation.

Privacy (DESIGN §6): the participant sees everything of their plan; a facilitator of the
cohort sees the plan but never the manager's notes; a manager sees only the sections of an
active share, taken from the latest finalised version; HR, other managers and other
participants see nothing. Every read by a manager or facilitator, every export they make and
every share change is written to the audit log (``AuditEvent``, object ``action_plan:<id>``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import Role, User, UserRole
from learnpath.action_plans import plan_data
from learnpath.action_plans.models import (
    ActionPlan,
    Conversation,
    ConversationProposal,
    PlanFollowUp,
    PlanGoal,
    PlanShare,
    PlanStatus,
    PlanVersion,
)
from learnpath.action_plans.outcomes import (
    ACHIEVEMENTS,
    RESULTS,
    Achievement,
    GoalCategory,
    TrajectoryResult,
)
from learnpath.action_plans.prefill import fillable_values, note_edits, prefill, refill
from learnpath.action_plans.signals import conversation_agreed, conversation_cancelled
from learnpath.assignments.services import workspace_enrolment
from learnpath.cohorts.models import Enrolment
from learnpath.cohorts.services import facilitates
from learnpath.content.schema import Content
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.notifications.services import queue_message
from learnpath.privacy.models import AuditAction, AuditEvent
from learnpath.privacy.services import record_audit
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

MANAGER_NOTES_MAX = 5000
AGREEMENTS_MAX = 5000
MAX_PROPOSALS = 3
#: Longest place or meeting link of a career conversation.
LOCATION_MAX = 500
#: Preparation items per side of the conversation (DOMAIN: both prepare).
CHECKLIST = {
    "participant": {
        "energy": _l("I know what gives me energy and what costs me energy."),
        "develop": _l("I know what I want to develop."),
        "ambitions": _l("I can name my ambitions inside and outside the organisation."),
        "ask": _l("I know which support I will ask for."),
    },
    "manager": {
        "purpose": _l("I will open with the purpose: this is not an appraisal."),
        "read": _l("I have read the shared sections of the plan."),
        "options": _l("I know which opportunities the organisation can offer."),
        "support": _l("I know what support (time, budget, training) I can give."),
    },
}


class PlanError(Refusal):
    """A rule refused the request; ``errors`` maps field ids to messages (may be empty)."""


def plan_ref(plan: ActionPlan) -> str:
    return f"action_plan:{plan.id}"


# --- the participant's plan ------------------------------------------------------------------


def find_plan(enrolment: Enrolment) -> ActionPlan | None:
    return db.session.scalar(
        select(ActionPlan).where(
            ActionPlan.user_id == enrolment.user_id, ActionPlan.cohort_id == enrolment.cohort_id
        )
    )


def own_plan(user: User) -> ActionPlan | None:
    """The plan of the participant's current (or last) programme, if started."""
    enrolment = workspace_enrolment(user)
    return find_plan(enrolment) if enrolment else None


def start_plan(enrolment: Enrolment, content: Content, locale: str) -> ActionPlan:
    """Return the participant's plan, creating it pre-filled from their own work; a draft's
    fields the participant has not edited take what later work says (prefill.refill)."""
    plan = find_plan(enrolment)
    seed = prefill(enrolment, content, locale)
    if plan is not None:
        if plan.status == PlanStatus.DRAFT:
            data, record = refill(plan.data, plan.prefilled or {}, seed)
            if data != plan.data or record != (plan.prefilled or {}):
                plan.data, plan.prefilled = data, record
                db.session.flush()
        return plan
    data = plan_data.empty() | {
        "insights": seed.insights,
        "career_question": seed.career_question,
        "ambition": seed.ambition,
    }
    plan = ActionPlan(
        user_id=enrolment.user_id,
        cohort_id=enrolment.cohort_id,
        content_version=content.version,
        data=data,
        prefilled=fillable_values(seed),
        status=PlanStatus.DRAFT,
        version=1,
    )
    db.session.add(plan)
    db.session.flush()
    return plan


def lock_plan(plan: ActionPlan) -> None:
    """Hold the plan's row lock until commit and re-read it.

    Every change of the plan's state or of its shares starts here, so two requests at once
    (a double-clicked "save and finalise", ten "Delen" posts) take turns: the second sees
    what the first did (a final plan, an active share) instead of writing a second version
    number or a second active share and mail. (SQLite serialises writers by BEGIN IMMEDIATE
    anyway; see learnpath/db.py.)
    """
    db.session.refresh(plan, with_for_update=True)


def save_plan(plan: ActionPlan, raw: Mapping[str, Any], today: date, *, final: bool) -> None:
    """Save the plan (and finalise it as a new version when ``final``); PlanError on problems."""
    lock_plan(plan)
    if plan.status != PlanStatus.DRAFT:
        raise PlanError(_l("This plan is final. Reopen it to make changes."))
    data = plan_data.normalise(raw)
    errors = plan_data.validate(data, plan.data, today, final=final)
    if errors:
        raise PlanError(_l("Not saved: check the fields marked below."), errors)
    plan.data = data
    plan.prefilled = note_edits(data, plan.prefilled or {})
    if final:
        db.session.add(
            PlanVersion(plan=plan, number=plan.version, data=data, finalised_at=utcnow())
        )
        plan.status = PlanStatus.FINAL
        sync_goals(plan, data)
    db.session.flush()


def reopen(plan: ActionPlan) -> None:
    """Make a final plan editable as the next version; the finalised one stays as it was."""
    lock_plan(plan)
    if plan.status == PlanStatus.DRAFT:
        raise PlanError(_l("This plan is already open for changes."))
    plan.status = PlanStatus.DRAFT
    plan.version += 1
    db.session.flush()


def latest_version(plan: ActionPlan) -> PlanVersion | None:
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan.id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    )


def version_of(plan: ActionPlan, number: int) -> PlanVersion | None:
    return db.session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == number)
    )


# --- sharing ---------------------------------------------------------------------------------


def manager_choices(participant: User) -> list[User]:
    """Managers of the participant's organisation; their own manager on record first."""
    managers = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.MANAGER,
            User.organisation_id == participant.organisation_id,
            User.is_active_account.is_(True),
            User.id != participant.id,
        )
        .order_by(User.name, User.id)
    ).all()
    return sorted(managers, key=lambda m: m.id != participant.manager_id)


def active_share(plan: ActionPlan) -> PlanShare | None:
    return db.session.scalar(
        select(PlanShare).where(PlanShare.plan_id == plan.id, PlanShare.revoked_at.is_(None))
    )


def shares_of(plan: ActionPlan) -> list[PlanShare]:
    return list(
        db.session.scalars(
            select(PlanShare)
            .options(selectinload(PlanShare.manager))
            .where(PlanShare.plan_id == plan.id)
            .order_by(PlanShare.created_at.desc(), PlanShare.id.desc())
        )
    )


def _clean_sections(sections: Iterable[str]) -> list[str]:
    chosen = set(sections)
    result = [s for s in plan_data.SECTIONS if s in chosen]
    if not result:
        raise PlanError(
            _l("Tick at least one section to share."),
            {"sections": str(_l("Tick at least one section."))},
        )
    return result


def share(plan: ActionPlan, manager: User, sections: Iterable[str]) -> PlanShare:
    """Share sections of the latest final version with a manager and notify them (outbox).

    An earlier share with someone else ends: the plan is shared with one manager at a time.
    """
    lock_plan(plan)
    participant = plan.user
    if latest_version(plan) is None:
        raise PlanError(_l("Finalise your plan before you share it."))
    if manager.id not in {m.id for m in manager_choices(participant)}:
        raise PlanError(
            _l("Choose a manager of your organisation."), {"manager": str(_l("Choose a manager."))}
        )
    chosen = _clean_sections(sections)
    current = active_share(plan)
    if current is not None and current.manager_id == manager.id:
        update_sections(current, chosen)
        return current
    if current is not None:
        revoke(current)
    row = PlanShare(plan=plan, manager_id=manager.id, sections=chosen, created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    record_audit(participant, participant.id, AuditAction.ACTION_PLAN_SHARE, plan_ref(plan))
    queue_message(
        "action_plan_shared",
        manager,
        _l("%(name)s shared an action plan with you", name=participant.name),
        "action_plans/shared",
        participant=participant,
        url=external_url("action_plans.shared_plan", share_id=row.id),
    )
    return row


def update_sections(row: PlanShare, sections: Iterable[str]) -> None:
    """Change which sections an active share shows (un-ticking one revokes it at once)."""
    if not row.is_active:
        raise PlanError(_l("This share has been revoked; share again to give access."))
    row.sections = _clean_sections(sections)
    record_audit(
        row.plan.user, row.plan.user_id, AuditAction.ACTION_PLAN_SHARE_CHANGED, plan_ref(row.plan)
    )


def revoke(row: PlanShare) -> None:
    """End a share: the manager's pages and exports stop working immediately.

    The manager is told by mail. An agreed career conversation still to come is cancelled:
    both get a calendar cancellation (the event leaves both feeds with the share) and the
    manager's mail says so; the participant is told on the page.
    """
    if row.revoked_at is not None:
        return
    now = utcnow()
    row.revoked_at = now
    participant = row.plan.user
    record_audit(participant, row.plan.user_id, AuditAction.ACTION_PLAN_REVOKE, plan_ref(row.plan))
    conversation = conversation_of(row)
    cancelled = conversation_to_cancel(conversation, now)
    if cancelled is not None:
        cancelled.sequence += 1
        db.session.flush()
        conversation_cancelled.send(None, conversation=cancelled, now=now)
    queue_message(
        "action_plan_revoked",
        row.manager,
        _l("%(name)s no longer shares the action plan with you", name=participant.name),
        "action_plans/revoked",
        participant=participant,
        cancelled_at=cancelled.starts_at if cancelled is not None else None,
    )
    db.session.flush()


def conversation_to_cancel(conversation: Conversation | None, now: datetime) -> Conversation | None:
    """The agreed conversation that a revoke cancels: one with a time still to come."""
    if conversation is None or conversation.starts_at is None or conversation.discussed_at:
        return None
    return conversation if conversation.starts_at > now else None


# --- who reads what ---------------------------------------------------------------------------


def share_for_manager(share_id: int, manager: User) -> PlanShare | None:
    """The share if it is active and addressed to this manager; None otherwise."""
    row = db.session.get(PlanShare, share_id)
    if row is None or row.manager_id != manager.id or not row.is_active:
        return None
    if manager.organisation_id != row.plan.user.organisation_id:  # accounts.managers
        return None
    return row


def manager_read(
    row: PlanShare, manager: User, action: AuditAction = AuditAction.ACTION_PLAN_VIEW
) -> None:
    """Record a manager's read (or export) of a shared plan and when it was opened."""
    now = utcnow()
    row.first_opened_at = row.first_opened_at or now
    row.last_opened_at = now
    record_audit(manager, row.plan.user_id, action, plan_ref(row.plan))


def facilitator_may_read(user: User, plan: ActionPlan) -> bool:
    """Only the cohort's facilitators (not a network coordinator who runs it)."""
    return facilitates(user, plan.cohort)


def facilitator_read(
    user: User, plan: ActionPlan, action: AuditAction = AuditAction.ACTION_PLAN_VIEW
) -> None:
    record_audit(user, plan.user_id, action, plan_ref(plan))


def audit_log(plan: ActionPlan) -> list[tuple[AuditEvent, User]]:
    """Every recorded read and share change of this plan, newest first, with the actor."""
    rows = db.session.execute(
        select(AuditEvent, User)
        .join(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_ref == plan_ref(plan))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    return [(event, user) for event, user in rows]


@dataclass(frozen=True)
class InboxEntry:
    share: PlanShare
    participant: User
    conversation: Conversation | None


def inbox(manager: User) -> list[InboxEntry]:
    """Active shares addressed to the manager, newest first (a fixed number of queries)."""
    rows = db.session.scalars(
        select(PlanShare)
        .options(selectinload(PlanShare.plan).selectinload(ActionPlan.user))
        .where(PlanShare.manager_id == manager.id, PlanShare.revoked_at.is_(None))
        .order_by(PlanShare.created_at.desc(), PlanShare.id.desc())
    ).all()
    conversations = {
        c.share_id: c
        for c in db.session.scalars(
            select(Conversation).where(Conversation.share_id.in_([r.id for r in rows]))
        )
    }
    return [InboxEntry(r, r.plan.user, conversations.get(r.id)) for r in rows]


def acknowledge(row: PlanShare) -> None:
    """Confirm receipt of a shared plan (the participant sees it)."""
    row.acknowledged_at = row.acknowledged_at or utcnow()
    db.session.flush()


# --- the career conversation ------------------------------------------------------------------


def conversation_of(row: PlanShare) -> Conversation | None:
    return db.session.scalar(select(Conversation).where(Conversation.share_id == row.id))


def start_conversation(row: PlanShare) -> Conversation:
    """Return the share's conversation, creating it on first use."""
    conversation = conversation_of(row)
    if conversation is None:
        conversation = Conversation(share=row, checklist={}, manager_notes="", agreements="")
        db.session.add(conversation)
        db.session.flush()
    return conversation


def propose_times(
    row: PlanShare,
    times: Sequence[datetime],
    duration: int,
    now: datetime,
    location: str = "",
) -> Conversation:
    """Replace the proposed times (1–3, in the future) and the place, and notify the
    participant."""
    times = sorted(set(times))
    if not times or len(times) > MAX_PROPOSALS:
        raise PlanError(
            _l("Propose one to three times."), {"times": str(_l("Propose one to three times."))}
        )
    if any(t <= now for t in times):
        raise PlanError(
            _l("Propose times in the future."), {"times": str(_l("Propose times in the future."))}
        )
    location = location.strip()
    if len(location) > LOCATION_MAX:
        message = str(_l("Use at most %(n)s characters.", n=LOCATION_MAX))
        raise PlanError(_l("Not saved: check the fields marked below."), {"location": message})
    conversation = start_conversation(row)
    conversation.proposals = [ConversationProposal(starts_at=t) for t in times]
    conversation.duration_minutes = duration
    conversation.location = location
    db.session.flush()
    participant = row.plan.user
    queue_message(
        "career_conversation_proposed",
        participant,
        _l("%(name)s proposes times for your career conversation", name=row.manager.name),
        "action_plans/proposed",
        manager=row.manager,
        times=times,
        url=external_url("action_plans.conversation"),
    )
    return conversation


def accept_time(conversation: Conversation, proposal_id: int, now: datetime) -> None:
    """Fix the conversation at a proposed time and send both a calendar invitation."""
    proposal = next((p for p in conversation.proposals if p.id == proposal_id), None)
    if proposal is None or proposal.starts_at <= now:
        raise PlanError(_l("Choose one of the proposed times that is still to come."))
    conversation.starts_at = proposal.starts_at
    conversation.sequence += 1
    db.session.flush()
    # The calendar feature sends both of them an invitation.
    conversation_agreed.send(None, conversation=conversation, now=now)


def set_checklist(conversation: Conversation, side: str, ticked: Iterable[str]) -> None:
    """Store which preparation items one side has ticked."""
    known = CHECKLIST[side]
    conversation.checklist = dict(conversation.checklist or {}) | {
        side: [k for k in known if k in set(ticked)]
    }
    db.session.flush()


def save_manager_notes(conversation: Conversation, text: str) -> None:
    """Store the manager's private preparation notes."""
    text = text.strip()
    if len(text) > MANAGER_NOTES_MAX:
        raise PlanError(_l("Use at most %(n)s characters.", n=MANAGER_NOTES_MAX))
    conversation.manager_notes = text
    db.session.flush()


def record_outcome(
    conversation: Conversation,
    agreements: str,
    follow_up_on: date | None,
    discussed: bool,
    today: date,
) -> None:
    """Store agreements and the follow-up date; mark the plan discussed when ``discussed``."""
    errors = {}
    if len(agreements.strip()) > AGREEMENTS_MAX:
        errors["agreements"] = str(_l("Use at most %(n)s characters.", n=AGREEMENTS_MAX))
    if (
        follow_up_on is not None
        and follow_up_on < today
        and follow_up_on != conversation.follow_up_on
    ):
        errors["follow_up_on"] = str(_l("Choose a date from today onwards."))
    if discussed and conversation.starts_at is None:
        errors["discussed"] = str(_l("Agree on a time for the conversation first."))
    elif discussed and conversation.discussed_at is None and not conversation.has_begun(utcnow()):
        errors["discussed"] = str(
            _l("You can record this once the agreed time of the conversation has come.")
        )
    if errors:
        raise PlanError(_l("Not saved: check the fields marked below."), errors)
    conversation.agreements = agreements.strip()
    conversation.follow_up_on = follow_up_on
    if discussed and conversation.discussed_at is None:
        conversation.discussed_at = utcnow()
        plan = conversation.share.plan
        if plan.status == PlanStatus.FINAL:
            plan.status = PlanStatus.DISCUSSED
    db.session.flush()


#: "Het goede gesprek": the agenda both sides prepare for (DOMAIN.md).
AGENDA = (
    _l("Purpose: development and the longer term, not an appraisal"),
    _l("The insights the employee chose to share"),
    _l("Ambitions and options"),
    _l("The manager's view of opportunities"),
    _l("Agreements: who does what, when, with which support"),
    _l("A follow-up date"),
)


# --- follow-up (the participant's look back; never shared) ----------------------------------


def _category(slug: object) -> GoalCategory | None:
    return GoalCategory(slug) if slug in {c.value for c in GoalCategory} else None


def goals_of(plan: ActionPlan) -> list[PlanGoal]:
    return list(
        db.session.scalars(
            select(PlanGoal).where(PlanGoal.plan_id == plan.id).order_by(PlanGoal.position)
        )
    )


def sync_goals(plan: ActionPlan, data: Mapping[str, Any]) -> list[PlanGoal]:
    """Make the goal rows follow the finalised goals (category copied from the plan).

    A goal whose category is unchanged at its position keeps its follow-up; a changed one
    starts afresh, and rows of goals that are gone are removed.
    """
    rows = {row.position: row for row in goals_of(plan)}
    goals = list(data.get("goals") or [])
    result = []
    for position, goal in enumerate(goals):
        category = _category(goal.get("category"))
        row = rows.pop(position, None)
        if row is None:
            row = PlanGoal(plan_id=plan.id, position=position, category=category)
            db.session.add(row)
        elif row.category != category:
            row.category, row.achievement, row.assessed_at = category, None, None
        result.append(row)
    for row in rows.values():
        db.session.delete(row)
    db.session.flush()
    return result


def follow_up_of(plan: ActionPlan) -> PlanFollowUp | None:
    return db.session.scalar(select(PlanFollowUp).where(PlanFollowUp.plan_id == plan.id))


@dataclass(frozen=True)
class FollowUpGoal:
    """A goal as the participant sees it on the follow-up page."""

    description: str
    category: str
    achievement: str | None


def follow_up_goals(plan: ActionPlan, version: PlanVersion) -> list[FollowUpGoal]:
    """The goals of the finalised version with what was recorded so far (rows made if missing)."""
    goals = list(version.data.get("goals") or [])
    rows = goals_of(plan)
    if len(rows) != len(goals):
        rows = sync_goals(plan, version.data)
    return [
        FollowUpGoal(
            goal.get("description", ""),
            plan_data.category_label(goal.get("category", "")),
            row.achievement.value if row.achievement else None,
        )
        for goal, row in zip(goals, rows, strict=True)
    ]


def record_follow_up(
    plan: ActionPlan, achievements: Sequence[str], result: str, now: datetime
) -> PlanFollowUp:
    """Store, per goal of the latest final version, how far it got, and the overall result."""
    version = latest_version(plan)
    if version is None:
        raise PlanError(_l("Finalise your plan before you look back on it."))
    rows = goals_of(plan)
    if len(rows) != len(version.data.get("goals") or []):
        rows = sync_goals(plan, version.data)
    errors = {
        f"goals-{i}-achievement": str(_l("Choose how far you got with this goal."))
        for i in range(len(rows))
        if i >= len(achievements) or achievements[i] not in ACHIEVEMENTS
    }
    if result not in RESULTS:
        errors["result"] = str(_l("Choose where you stand now."))
    if errors:
        raise PlanError(_l("Not saved: check the fields marked below."), errors)
    for row, value in zip(rows, achievements, strict=False):
        if row.achievement != value:
            row.achievement, row.assessed_at = Achievement(value), now
    follow_up = follow_up_of(plan)
    if follow_up is None:
        follow_up = PlanFollowUp(plan_id=plan.id)
        db.session.add(follow_up)
    follow_up.result = TrajectoryResult(result)
    follow_up.version_number = version.number
    db.session.flush()
    return follow_up
