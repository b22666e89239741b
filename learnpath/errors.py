"""One refusal type for the whole application.

A service raises a :class:`Refusal` (through its feature's subclass, e.g. ``CohortError``) when a
domain rule says no; ``str(exc)`` is a message that is safe to show to the user, and ``errors``
optionally maps form field names to messages for that field. The unit-of-work helpers in
``learnpath.web.actions`` turn any refusal into a rollback and a message; nothing else needs to
know which feature refused.
"""

from __future__ import annotations

from collections.abc import Mapping


class Refusal(Exception):
    """A domain rule refused the request; ``str(exc)`` is a message for the user."""

    def __init__(self, message: object = "", errors: Mapping[str, str] | None = None) -> None:
        # Lazy strings resolve here, in the request's language.
        super().__init__(str(message))
        self.errors: dict[str, str] = dict(errors or {})
