"""Deliver outbox messages: claim safely, send, retry with back-off, never lose one.

Claiming: a sender marks a batch of due rows SENDING (with ``claimed_at``) in a short
transaction of its own — on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so two senders never
claim the same row; on SQLite the transaction takes the write lock (BEGIN IMMEDIATE). Each
message is then sent and marked SENT in its own commit. A sender that dies leaves rows in
SENDING; once their claim is older than OUTBOX_LEASE_SECONDS they are claimed again. So a
crash costs at worst one repeated delivery of the message that was in flight, and that
repeat carries the same Message-ID, so mail clients and servers recognise it.

One bad row never stops the others: a message that cannot be built (``mime.build_message``
refuses it) or that the transport fails on in an unforeseen way is marked FAILED with its
reason, shown to administrators on the undelivered-mail page, and the batch goes on. Were the
row to stay SENDING, it would be claimed first again after every lease and hold up the queue.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import and_, or_, select, update

from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.mime import build_message
from learnpath.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

#: Minutes to wait before attempt n+1 (the last value repeats).
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)


class PermanentFailure(Exception):
    """The server refused the message for good (e.g. unknown recipient)."""


class TransientFailure(Exception):
    """Try again later (server down, timeout, 4xx)."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass
class SmtpTransport:
    host: str
    port: int
    security: str = "none"
    user: str | None = None
    password: str | None = None
    timeout: float = 30

    def send(self, message: EmailMessage) -> None:
        try:
            if self.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(400 <= code < 500 for code in codes):
                raise TransientFailure(str(exc)) from exc
            raise PermanentFailure(str(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TransientFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc


@dataclass
class FileTransport:
    """Development: write each message as an .eml file (named by its Message-ID)."""

    directory: Path

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("/", "_")
        (self.directory / f"{name}.eml").write_bytes(bytes(message))


def transport_from_config() -> Transport:
    config = current_app.config
    if config["MAIL_BACKEND"] == "file":
        return FileTransport(
            Path(config.get("MAIL_DIR") or Path(current_app.instance_path, "mail"))
        )
    return SmtpTransport(
        host=config["SMTP_HOST"],
        port=int(config["SMTP_PORT"]),
        security=config["SMTP_SECURITY"],
        user=config["SMTP_USER"],
        password=config["SMTP_PASSWORD"],
        timeout=float(config["SMTP_TIMEOUT_SECONDS"]),
    )


def _claimable(now: datetime) -> object:
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - lease),
    )


def claim_batch(limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to ``limit`` due messages for this sender and commit; return their ids."""
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(_claimable(now))  # type: ignore[arg-type]
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status=OutboxStatus.SENDING, claimed_at=now)
        )
    db.session.commit()
    return ids


def _reason(what: str, exc: BaseException) -> str:
    return f"{what}: {type(exc).__name__}: {exc}"


def _record_failure(message: OutboxMessage, error: str, permanent: bool) -> None:
    message.attempts += 1
    # The reason may quote the bad value; PostgreSQL text holds no NUL.
    message.last_error = error.replace("\x00", "\\x00")[:2000]
    message.claimed_at = None
    if permanent or message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        log.error("message %s failed for good: %s", message.id, error)
    else:
        wait = BACKOFF_MINUTES[min(message.attempts - 1, len(BACKOFF_MINUTES) - 1)]
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = utcnow() + timedelta(minutes=wait)
        log.warning(
            "message %s: attempt %s failed, retry in %s min: %s",
            message.id,
            message.attempts,
            wait,
            error,
        )


def send_one(message_id: int, transport: Transport) -> bool:
    """Send one claimed message and record the outcome (own commit); True when sent."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != OutboxStatus.SENDING:
        db.session.commit()
        return False
    try:
        email = build_message(message, current_app.config["MAIL_FROM"])
    except Exception as exc:  # the row itself is unusable: retrying cannot help
        log.exception("message %s cannot be built", message.id)
        _record_failure(message, _reason("Cannot build the message", exc), permanent=True)
        db.session.commit()
        return False
    try:
        transport.send(email)
    except PermanentFailure as exc:
        _record_failure(message, str(exc), permanent=True)
    except TransientFailure as exc:
        _record_failure(message, str(exc), permanent=False)
    except OSError as exc:  # e.g. the development mail folder cannot be written now
        _record_failure(message, _reason("Cannot send the message", exc), permanent=False)
    except Exception as exc:  # not a refusal by the server: something about this message
        log.exception("message %s cannot be sent", message.id)
        _record_failure(message, _reason("Cannot send the message", exc), permanent=True)
    else:
        message.status = OutboxStatus.SENT
        message.sent_at = utcnow()
        message.attempts += 1
        message.claimed_at = None
    db.session.commit()
    log.info(
        "message %s: %s",
        message.id,
        message.status,
        extra={
            "event": "mail_delivery",
            "outbox_id": message.id,
            "kind": message.kind,
            "status": str(message.status),
            "attempts": message.attempts,
            # The request that queued it (None for a job's), so one id follows the whole way.
            "request_id": message.request_id,
        },
    )
    return message.status == OutboxStatus.SENT


def _fail_alone(message_id: int, exc: Exception) -> None:
    """After an unforeseen error while sending one message (rolled back): mark that message
    FAILED in a transaction of its own, so the rest of the batch goes on."""
    try:
        message = db.session.get(OutboxMessage, message_id)
        if message is not None and message.status == OutboxStatus.SENDING:
            _record_failure(message, _reason("Cannot deliver the message", exc), permanent=True)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("message %s: could not record the failure; its claim will expire", message_id)


def deliver_pending(transport: Transport | None = None, max_batches: int = 20) -> int:
    """Claim and send due messages batch by batch; return how many were sent."""
    transport = transport or transport_from_config()
    sent = 0
    for _ in range(max_batches):
        ids = claim_batch(current_app.config["OUTBOX_BATCH_SIZE"])
        if not ids:
            break
        for message_id in ids:
            try:
                sent += send_one(message_id, transport)
            except Exception as exc:
                db.session.rollback()
                log.exception("message %s: delivery failed unexpectedly", message_id)
                _fail_alone(message_id, exc)
    return sent


def retry_failed(ids: Iterable[int] | None = None) -> int:
    """Put failed messages back in the queue (all, or the given ids); return how many."""
    query = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    result = db.session.execute(
        query.values(status=OutboxStatus.PENDING, next_attempt_at=utcnow(), attempts=0)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
