"""Queue messages in the outbox (delivery happens after commit, elsewhere)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnpath import telemetry
from learnpath.extensions import db
from learnpath.notifications.mime import header_text
from learnpath.notifications.models import OutboxMessage

log = logging.getLogger(__name__)


class Recipient(Protocol):
    """Someone with an account, as the outbox sees them (a ``User``; notifications imports no
    feature). The templates get the object itself as ``recipient``."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...

    @property
    def locale(self) -> str: ...

    @property
    def organisation_id(self) -> int: ...

    @property
    def name(self) -> str: ...


#: The subject of every mail to a recipient in discreet mode, unless the sender gives a
#: neutral one of its own (``discreet_subject``).
DISCREET_SUBJECT = _l("A message from learnpath")


def is_discreet(recipient: object) -> bool:
    """Whether the recipient asked that what we send them does not say what it is about:
    ``discreet_calendar`` on a ``User`` (read by name: notifications imports no feature).
    Inboxes, lock screens and notifications are seen by others: only the subject and the
    first words show there."""
    return bool(getattr(recipient, "discreet_calendar", False))


def _discreet_bodies(text: str, html: str) -> tuple[str, str]:
    """Both bodies with a neutral opening (call in the recipient's language): a line before
    the text, and the same as the hidden preview text of the HTML, padded so that the
    preview stops there."""
    opening = _("You have a personal message. Open it to read it.")
    preview = render_template("email/_discreet_preview.html", opening=opening)
    found = _BODY_TAG.search(html)
    at = found.end() if found else 0
    return f"{opening}\n\n{text}", f"{html[:at]}\n{preview}{html[at:]}"


_BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def not_yet_queued(keys: Iterable[str]) -> list[str]:
    """The idempotency keys (in their order) that no outbox message has yet, found in one query."""
    keys = list(keys)
    done = set(
        db.session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(keys))
        )
    )
    return [key for key in keys if key not in done]


def queue_message(
    kind: str,
    recipient: Recipient,
    subject: object,
    template: str,
    *,
    idempotency_key: str | None = None,
    ics: str | None = None,
    ics_method: str | None = None,
    reply_to: str | None = None,
    discreet_subject: object | None = None,
    **context: Any,
) -> OutboxMessage | None:
    """Render a message in the recipient's language and add it to the outbox.

    ``template`` names a pair ``<template>.txt`` / ``<template>.html`` under templates/email.
    ``reply_to`` is an address for the Reply-To header (a person who wrote the message).
    A recipient in discreet mode (see :func:`is_discreet`) gets ``discreet_subject`` (a subject
    the sender made without the programme's words, e.g. a calendar invitation's) or else
    :data:`DISCREET_SUBJECT`, and a body that opens neutrally (:func:`_discreet_bodies`).
    Returns None when a message with the same idempotency key is already queued.
    """
    if recipient.email.endswith(".invalid"):
        # Accounts without a real address (e.g. created by a learning-platform launch that sent
        # no email) get nothing: a message to an .invalid domain can never be delivered.
        log.info("no message %s for user %s: no deliverable address", kind, recipient.id)
        return None
    discreet = is_discreet(recipient)
    if discreet:
        subject = discreet_subject if discreet_subject is not None else DISCREET_SUBJECT
    return _queue(
        kind,
        recipient.email,
        recipient.locale,
        subject,
        template,
        discreet=discreet,
        recipient_user_id=recipient.id,
        organisation_id=recipient.organisation_id,
        idempotency_key=idempotency_key,
        ics=ics,
        ics_method=ics_method,
        reply_to=reply_to,
        context={"recipient": recipient, **context},
    )


def queue_to_address(
    kind: str,
    email: str,
    locale: str,
    subject: object,
    template: str,
    *,
    organisation_id: int,
    idempotency_key: str | None = None,
    **context: Any,
) -> OutboxMessage | None:
    """Queue a message to someone without an account (e.g. a colleague asked for feedback) on
    behalf of ``organisation_id`` (the sender's)."""
    return _queue(
        kind,
        email,
        locale,
        subject,
        template,
        organisation_id=organisation_id,
        idempotency_key=idempotency_key,
        context=context,
    )


def _queue(
    kind: str,
    email: str,
    locale: str,
    subject: object,
    template: str,
    *,
    context: dict[str, Any],
    organisation_id: int,
    recipient_user_id: int | None = None,
    idempotency_key: str | None = None,
    ics: str | None = None,
    ics_method: str | None = None,
    reply_to: str | None = None,
    discreet: bool = False,
) -> OutboxMessage | None:
    """Render the message in ``locale`` and add it to the outbox (once per idempotency key)."""
    if idempotency_key is not None:
        existing = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == idempotency_key)
        )
        if existing is not None:
            return None
    with force_locale(locale):
        body_text = render_template(f"email/{template}.txt", **context)
        body_html = render_template(f"email/{template}.html", **context)
        # Lazy strings resolve in the recipient's language; a subject is one line (it may
        # quote a name) and fits its column.
        subject_text = header_text(str(subject))[:300]
        if discreet:
            body_text, body_html = _discreet_bodies(body_text, body_html)
    domain = current_app.config["MAIL_FROM"].rsplit("@", 1)[-1].rstrip(">") or "learnpath.local"
    message = OutboxMessage(
        kind=kind,
        recipient_user_id=recipient_user_id,
        organisation_id=organisation_id,
        recipient_email=email,
        subject=subject_text,
        body_text=body_text,
        body_html=body_html,
        ics=ics,
        ics_method=ics_method,
        reply_to=reply_to,
        message_id=f"<{uuid.uuid4().hex}@{domain}>",
        idempotency_key=idempotency_key,
        request_id=telemetry.request_id(),
    )
    if idempotency_key is None:
        db.session.add(message)
        db.session.flush()
    else:
        # Two processes may race to queue the same notice; the unique key lets one win.
        try:
            with db.session.begin_nested():
                db.session.add(message)
        except IntegrityError:
            log.info("message %s was queued concurrently; skipped", idempotency_key)
            return None
    log.info(
        "queued %s message %s",
        kind,
        message.id,
        extra={"event": "mail_queued", "outbox_id": message.id, "kind": kind},
    )
    return message
