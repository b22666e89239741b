"""Calendar invitations (iMIP REQUEST through the outbox) for an agreed career conversation
(sent when action_plans announces ``conversation_agreed``; the event also shows in the feeds).

Both the participant and the manager get one; the manager organises. The UID is stable per
conversation and SEQUENCE follows ``Conversation.sequence``, so a new time updates the event.
The event text names no plan content: a calendar is often visible to others.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from learnpath.accounts.models import User
from learnpath.action_plans.models import Conversation
from learnpath.ical import discreet
from learnpath.ical.builder import EventData, Person, invitation_ics
from learnpath.notifications.services import queue_message
from learnpath.timefmt import for_user
from learnpath.web.urls import external_url


def conversation_event(conversation: Conversation) -> EventData:
    """The calendar event of an agreed career conversation (no plan content in it)."""
    return _event(conversation, conversation.share.manager, conversation.share.plan.user)


def _event(conversation: Conversation, manager: User, participant: User) -> EventData:
    assert conversation.starts_at is not None
    return EventData(
        uid=f"career-conversation-{conversation.id}@learnpath",
        sequence=conversation.sequence,
        starts_at=conversation.starts_at,
        ends_at=conversation.starts_at + timedelta(minutes=conversation.duration_minutes),
        zone=participant.organisation.timezone,
        summary=_("Career conversation: %(a)s and %(b)s", a=participant.name, b=manager.name),
        description=_("Prepare with the checklist on the conversation page."),
        meeting_url=conversation.location,
        organizer=Person(manager.name, manager.email),
        created_at=conversation.created_at,
        changed_at=conversation.updated_at or conversation.created_at,
        is_cancelled=False,
    )


def invite_both(conversation: Conversation, now: datetime) -> None:
    """Queue a calendar invitation for the participant and for the manager."""
    share = conversation.share
    links = {
        share.plan.user_id: external_url("action_plans.conversation"),
        share.manager_id: external_url("action_plans.shared_plan", share_id=share.id),
    }
    _queue_both(conversation, now, "REQUEST", links)


def cancel_both(conversation: Conversation, now: datetime) -> None:
    """Queue a calendar cancellation (METHOD:CANCEL) of the conversation for both people."""
    _queue_both(conversation, now, "CANCEL", None)


def _queue_both(
    conversation: Conversation, now: datetime, method: str, links: dict[int, str] | None
) -> None:
    """One iMIP message (REQUEST with a link to the page, or CANCEL) for each of the two."""
    share = conversation.share
    manager, participant = share.manager, share.plan.user
    sender = parseaddr(current_app.config["MAIL_FROM"])[1]
    cancel = method == "CANCEL"
    for user in (participant, manager):
        hidden = discreet.is_discreet(user)
        with force_locale(user.locale):
            data = replace(_event(conversation, manager, participant), is_cancelled=cancel)
            if hidden:
                data = discreet.neutral(
                    data, mark_cancelled=False, organizer=discreet.organizer(sender)
                )
            ics = invitation_ics(
                data, method, Person(user.name, user.email), sender, now, with_status=True
            )
            when = for_user(data.starts_at, user, "d MMM y, HH:mm")
            subject = (
                _("Cancelled: %(title)s, %(when)s", title=data.summary, when=when)
                if cancel
                else _("Invitation: %(title)s, %(when)s", title=data.summary, when=when)
            )
            neutral_subject = discreet.subject("cancelled" if cancel else "new", when)
        kind = "cancel" if cancel else "request"
        key = "career-conversation-cancel" if cancel else "career-conversation"
        extra = {} if links is None else {"link": links[user.id]}
        queue_message(
            f"career_conversation.{kind}",
            user,
            subject,
            discreet.INVITATION_TEMPLATE
            if hidden
            else "action_plans/conversation_cancelled"
            if cancel
            else "action_plans/invitation",
            discreet_subject=neutral_subject,
            idempotency_key=f"{key}:{conversation.id}:{conversation.sequence}:{user.id}",
            ics=ics,
            ics_method=method,
            title=data.summary,
            starts_at=data.starts_at,
            event=data,
            reason="cancelled" if cancel else "new",
            **extra,
        )
