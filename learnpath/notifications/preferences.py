"""Which reminders a user wants; a signed link lets them change it in one click from a mail."""

from __future__ import annotations

from typing import Protocol

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from learnpath.web.urls import external_url

_SALT = "reminder-preferences"


class Subscriber(Protocol):
    """A user's reminder choices (a ``User``; notifications imports no feature)."""

    @property
    def id(self) -> int: ...

    wants_session_reminders: bool
    wants_assignment_reminders: bool
    locale: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def preferences_token(user: Subscriber) -> str:
    return _serializer().dumps(user.id)


def preferences_url(user: Subscriber) -> str:
    """The one-click link to the user's reminder preferences (no sign-in needed)."""
    return external_url("accounts.mail_preferences", token=preferences_token(user))


def user_id_for_preferences_token(token: str) -> int | None:
    """The id of the user a preferences link was made for; None when it was tampered with."""
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        return None
    return user_id if isinstance(user_id, int) else None


def set_preferences(
    user: Subscriber, *, session_reminders: bool, assignment_reminders: bool, locale: str
) -> None:
    """Store the choices; essential notices (schedule changes, invitations) are always sent."""
    user.wants_session_reminders = session_reminders
    user.wants_assignment_reminders = assignment_reminders
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale
