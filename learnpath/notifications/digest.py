"""Reminders as items: what falls due for one person in one run goes out as one message.

A reminder job describes each item (one person, one thing, one moment) with a unique ``key``
and hands the lot to ``queue_reminders``. Per person, the items not yet marked become one
outbox row: the item's own mail when there is one, else one digest listing every item (each
with its moment and link). The items are marked (``ReminderItem``) in the same savepoint as
the row, so:

- a crash before the commit leaves neither row nor marks, and the next run queues them again;
- two schedulers racing both try to mark the same keys; the unique key lets one commit and
  the other's savepoint (its row included) rolls back, so each item is mailed exactly once.

Rows are written per person in user-id order and the marks in key order, so two racing
schedulers on PostgreSQL wait for each other instead of deadlocking.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage, ReminderItem
from learnpath.notifications.services import Recipient, queue_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    """One item to remind someone of, and how it is mailed alone or as part of a digest."""

    #: Unique per person, thing and moment (e.g. "reminder:session:24h:<uid>:<start>:<user>").
    key: str
    recipient: Recipient
    #: The outbox kind when mailed alone (also stored on the item's mark).
    kind: str
    #: The subject when mailed alone (a lazy string or a ``text.Deferred``).
    subject: object
    #: The template pair (under templates/email) when mailed alone.
    template: str
    #: The item's part of a digest: ``email/<partial>.txt`` / ``.html``, given ``item``.
    partial: str
    #: Its moment (a deadline, a start): the digest lists its items in this order.
    at: datetime
    context: dict[str, Any] = field(default_factory=dict)


class _Taken(Exception):
    """The message could not be queued (already there, or no deliverable address)."""


def already_marked(keys: Iterable[str]) -> set[str]:
    """The keys that were mailed already: marked items, or (before items were marked) an
    outbox message with that idempotency key. Two queries, whatever the number of keys."""
    keys = list(keys)
    if not keys:
        return set()
    marked = set(db.session.scalars(select(ReminderItem.key).where(ReminderItem.key.in_(keys))))
    marked |= set(
        db.session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(keys))
        )
    )
    return marked


def queue_reminders(
    reminders: Iterable[Reminder],
    *,
    digest_kind: str,
    digest_subject: Callable[[Sequence[Reminder]], object],
    digest_template: str = "reminders/digest",
    **digest_context: Any,
) -> int:
    """Queue the items not yet mailed, one message per person; return how many messages.

    ``digest_subject(items)`` gives the subject of a person's digest (items in moment order);
    the digest template gets ``items`` and ``digest_context``.
    """
    wanted = {r.key: r for r in reminders}
    done = already_marked(wanted)
    by_person: dict[int, list[Reminder]] = {}
    for reminder in wanted.values():
        if reminder.key not in done:
            by_person.setdefault(reminder.recipient.id, []).append(reminder)
    queued = 0
    for user_id in sorted(by_person):
        items = sorted(by_person[user_id], key=lambda r: (r.at, r.key))
        try:
            with db.session.begin_nested():
                message = _queue_one(
                    items, digest_kind, digest_subject, digest_template, digest_context
                )
                for item in sorted(items, key=lambda r: r.key):
                    db.session.add(
                        ReminderItem(
                            key=item.key,
                            recipient_user_id=user_id,
                            outbox_message_id=message.id,
                            kind=item.kind,
                        )
                    )
                db.session.flush()
        except _Taken:
            continue
        except IntegrityError:
            # Another scheduler marked (some of) these items first; what it did not take is
            # found again by the next run.
            log.info("reminders for user %s were queued concurrently; skipped", user_id)
            continue
        queued += 1
    log.info("queued %s reminder messages (%s items)", queued, sum(map(len, by_person.values())))
    return queued


def _queue_one(
    items: Sequence[Reminder],
    digest_kind: str,
    digest_subject: Callable[[Sequence[Reminder]], object],
    digest_template: str,
    digest_context: dict[str, Any],
) -> OutboxMessage:
    if len(items) == 1:
        item = items[0]
        message = queue_message(
            item.kind,
            item.recipient,
            item.subject,
            item.template,
            idempotency_key=item.key,
            **item.context,
        )
    else:
        keys = "\n".join(sorted(item.key for item in items))
        digest_key = f"digest:{items[0].recipient.id}:{hashlib.sha256(keys.encode()).hexdigest()}"
        message = queue_message(
            digest_kind,
            items[0].recipient,
            digest_subject(items),
            digest_template,
            idempotency_key=digest_key,
            items=items,
            **digest_context,
        )
    if message is None:
        raise _Taken
    return message
