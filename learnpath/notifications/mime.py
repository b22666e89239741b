"""The MIME form of an outbox message, ready for SMTP (delivery itself is elsewhere).

A message with calendar data (iMIP, RFC 6047) becomes (M3/M4)::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST|CANCEL; charset=UTF-8
      application/ics; name="invite.ics"   (attachment: same bytes, for clients that only
                                            read attachments)

The calendar bytes are carried base64-encoded, so their CRLF line ends and 75-octet folding
arrive unchanged. Messages without calendar data are multipart/alternative (text + HTML).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from learnpath.notifications.models import OutboxMessage

ATTACHMENT_NAME = "invite.ics"


def _headers(message: EmailMessage, outbox: OutboxMessage, from_addr: str) -> None:
    message["From"] = from_addr
    message["To"] = outbox.recipient_email
    message["Subject"] = outbox.subject
    message["Message-ID"] = outbox.message_id
    message["Date"] = format_datetime(outbox.created_at)


def build_message(outbox: OutboxMessage, from_addr: str) -> EmailMessage:
    """Compose the email for one outbox row; ``from_addr`` is MAIL_FROM (the organiser's
    mailbox named in SENT-BY of the calendar data, M11)."""
    message = EmailMessage()
    _headers(message, outbox, from_addr)
    message.set_content(outbox.body_text)
    if outbox.body_html:
        message.add_alternative(outbox.body_html, subtype="html")
    if not outbox.ics:
        return message
    method = (outbox.ics_method or "REQUEST").upper()
    data = outbox.ics.encode("utf-8")
    message.add_alternative(
        data,
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"method": method, "charset": "UTF-8"},
    )
    message.add_attachment(
        data,
        maintype="application",
        subtype="ics",
        filename=ATTACHMENT_NAME,
        params={"name": ATTACHMENT_NAME},
    )
    return message
