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

Headers are one line each, whatever a row holds (forms refuse line breaks in names and titles,
but a row queued before that, or text from elsewhere, may still carry them): free text such as
the subject has every line break and control character replaced by a space, and an address
that is not one clean line makes the message unbuildable (``UnbuildableMessage``) rather than
sent somewhere else. Delivery records such a row as failed, alone.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import format_datetime

from learnpath.notifications.models import OutboxMessage

ATTACHMENT_NAME = "invite.ics"

#: Line ends (all that ``str.splitlines`` and the email package split on), NUL and the other
#: C0/C1 control characters, tab included.
_NOT_IN_A_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class UnbuildableMessage(ValueError):
    """An outbox row that cannot become an email (e.g. its address is not one line)."""


def header_text(value: str) -> str:
    """Free text (a subject) as one header line: each line break or control character
    becomes a space, runs of white space one space."""
    return " ".join(_NOT_IN_A_HEADER.sub(" ", value).split())


def _header_address(value: str, what: str) -> str:
    if _NOT_IN_A_HEADER.search(value) or not value.strip():
        raise UnbuildableMessage(f"the {what} is not one line of text: {value!r}")
    return value.strip()


def _headers(message: EmailMessage, outbox: OutboxMessage, from_addr: str) -> None:
    message["From"] = _header_address(from_addr, "sender address (MAIL_FROM)")
    message["To"] = _header_address(outbox.recipient_email, "recipient address")
    message["Subject"] = header_text(outbox.subject)
    if outbox.reply_to:
        message["Reply-To"] = _header_address(outbox.reply_to, "reply-to address")
    message["Message-ID"] = _header_address(outbox.message_id, "Message-ID")
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
    method = header_text(outbox.ics_method or "").upper() or "REQUEST"
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
