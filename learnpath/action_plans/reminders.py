"""Reminders around the action plan: a shared plan the manager has not acknowledged after
PLAN_ACK_REMINDER_DAYS, and the follow-up date agreed in the career conversation.

Like the session reminders they are computed at run time and keyed, so each goes out once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.action_plans.models import ActionPlan, Conversation, PlanShare
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.services import not_yet_queued, queue_message
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

#: A follow-up reminder still goes out this many days after the date (a scheduler that was
#: down catches up), not later.
FOLLOW_UP_WINDOW = timedelta(days=7)


def unacknowledged_plan_reminders(now: datetime | None = None) -> int:
    """Remind managers once of a plan shared with them that they have not acknowledged."""
    now = now or utcnow()
    days = current_app.config["PLAN_ACK_REMINDER_DAYS"]
    shares = db.session.scalars(
        select(PlanShare)
        .where(
            PlanShare.revoked_at.is_(None),
            PlanShare.acknowledged_at.is_(None),
            PlanShare.created_at <= now - timedelta(days=days),
        )
        .options(
            selectinload(PlanShare.manager).selectinload(User.organisation),
            selectinload(PlanShare.plan).selectinload(ActionPlan.user),
        )
    ).all()
    wanted = {f"reminder:plan_ack:{share.id}": share for share in shares}
    queued = 0
    for key in not_yet_queued(wanted):
        share = wanted[key]
        message = queue_message(
            "reminder.plan_ack",
            share.manager,
            _l("An action plan shared with you is waiting"),
            "reminders/plan_ack",
            idempotency_key=key,
            person=share.plan.user,
            days=days,
            link=external_url("action_plans.shared_plan", share_id=share.id),
        )
        queued += message is not None
    return queued


def follow_up_reminders(now: datetime | None = None) -> int:
    """On the agreed follow-up date, remind the participant and the manager (once each)."""
    now = now or utcnow()
    conversations = db.session.scalars(
        select(Conversation)
        .where(
            Conversation.follow_up_on.is_not(None),
            Conversation.follow_up_on <= now.date() + timedelta(days=1),
            Conversation.follow_up_on >= (now - FOLLOW_UP_WINDOW).date(),
        )
        .options(
            selectinload(Conversation.share)
            .selectinload(PlanShare.plan)
            .selectinload(ActionPlan.user)
            .selectinload(User.organisation),
            selectinload(Conversation.share).selectinload(PlanShare.manager),
        )
    ).all()
    wanted: dict[str, tuple[Conversation, User, str, str | None]] = {}
    for conversation in conversations:
        participant = conversation.share.plan.user
        local_today = now.astimezone(ZoneInfo(participant.organisation.timezone)).date()
        due = conversation.follow_up_on
        if due is None or not local_today >= due or local_today > (due + FOLLOW_UP_WINDOW):
            continue
        # The participant also records how far they got (for themselves; HR sees counts).
        look_back = external_url("action_plans.follow_up")
        for user, endpoint, values, own_link in (
            (participant, "action_plans.conversation", {}, look_back),
            (
                conversation.share.manager,
                "action_plans.shared_plan",
                {"share_id": conversation.share_id},
                None,
            ),
        ):
            key = f"reminder:follow_up:{conversation.id}:{due.isoformat()}:{user.id}"
            wanted[key] = (conversation, user, external_url(endpoint, **values), own_link)
    queued = 0
    for key in not_yet_queued(wanted):
        conversation, user, link, look_back_link = wanted[key]
        message = queue_message(
            "reminder.follow_up",
            user,
            _l("Today is the follow-up date of your career conversation"),
            "reminders/follow_up",
            idempotency_key=key,
            person=conversation.share.plan.user,
            when=format_date(conversation.follow_up_on, "d MMMM y", locale=user.locale),
            link=link,
            look_back_link=look_back_link,
        )
        queued += message is not None
    return queued
