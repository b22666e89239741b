"""Discreet calendar mode (``User.discreet_calendar``): events that do not say what they are.

Many participants have not told their manager, and calendars are often seen by others
(delegates, assistants, a shared "free/busy" view with titles). For such a reader every event of
their feeds and of the invitations they receive says only "Afspraak" / "Appointment" (with the
visible "Cancelled: " prefix of F13), has an empty DESCRIPTION, no ORGANIZER in a feed and the
platform mailbox with a neutral CN ("Agenda") as organiser of an invitation; ``CLASS:PRIVATE``
is on every event anyway (builder). What stays:

- UID, SEQUENCE, times and status, so switching the mode updates a feed's events in place, and
  later invitations still update the ones sent before (which stay as they were sent);
- LOCATION/URL: the learnpath join URL (``/sessies/<id>/deelnemen``, on the learnpath host) of a
  session, and the place two people agreed on for a career conversation (typed by them): without
  it nobody can get there, and neither names the programme.

The mail around an invitation says as little (template ``email/ical/discreet_invitation``), as
Outlook shows a message's body as the event's body; every other mail keeps its body and gets
the neutral subject and opening of ``notifications.services.queue_message``.
"""

from __future__ import annotations

from dataclasses import replace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from learnpath.ical.builder import EventData, Person
from learnpath.notifications.services import is_discreet

__all__ = ["INVITATION_TEMPLATE", "is_discreet", "neutral", "organizer", "subject", "title"]

#: The template of an invitation mail to a discreet reader.
INVITATION_TEMPLATE = "ical/discreet_invitation"


def title() -> str:
    """The neutral event title, in the current language."""
    return _("Appointment")


def calendar_name() -> str:
    """The name of a discreet reader's feed (whatever its scope), in the current language."""
    return _("Appointments")


def neutral(data: EventData, *, mark_cancelled: bool, organizer: Person | None = None) -> EventData:
    """The event as a discreet reader sees it (texts in the current language): same UID,
    SEQUENCE, times and place; ``mark_cancelled`` prefixes a cancelled title (F13, feeds);
    ``organizer`` None: none in a feed, the platform mailbox in an invitation."""
    summary = title()
    if mark_cancelled and data.is_cancelled:
        summary = _("Cancelled: ") + summary
    return replace(data, summary=summary, description="", organizer=organizer)


def organizer(sender: str) -> Person:
    """The organiser of an invitation to a discreet reader: the platform mailbox, named
    neutrally (the facilitator's name and address may tell a colleague what it is)."""
    return Person(str(_l("Calendar")), sender)


def subject(reason: str, when: str) -> str:
    """The neutral subject of an invitation (queue_message's ``discreet_subject``); ``reason``
    is an ``invitations.Reason`` value: new, updated, cancelled or withdrawn."""
    # One literal msgid per case (the same as the ordinary subjects), so pybabel extracts them.
    if reason == "updated":
        return _("Changed: %(title)s, %(when)s", title=title(), when=when)
    if reason == "cancelled":
        return _("Cancelled: %(title)s, %(when)s", title=title(), when=when)
    if reason == "withdrawn":
        return _("Removed from your calendar: %(title)s, %(when)s", title=title(), when=when)
    return _("Invitation: %(title)s, %(when)s", title=title(), when=when)
