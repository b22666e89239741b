"""Serve the calendar feed without a session: no cookie read, none set, no ``Vary: Cookie``.

Calendar apps fetch ``/cal/<token>.ics`` with the token as the only credential (F12). Other
parts of the app read the session in after-request hooks (Flask-Login does on every request),
which would add ``Vary: Cookie`` and, for a browser with a session cookie, could refresh it.
This wrapper around the app's session interface gives feed requests a null session, which Flask
never saves; every other request is handled by the wrapped interface unchanged.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import NullSession, SessionInterface, SessionMixin

FEED_PREFIX = "/cal/"


class SessionlessFeeds(SessionInterface):
    def __init__(self, inner: SessionInterface, prefix: str = FEED_PREFIX) -> None:
        self.inner = inner
        self.prefix = prefix

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path.startswith(self.prefix):
            return self.make_null_session(app)
        return self.inner.open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        self.inner.save_session(app, session, response)

    def make_null_session(self, app: Flask) -> NullSession:
        return self.inner.make_null_session(app)

    def is_null_session(self, obj: object) -> bool:
        return self.inner.is_null_session(obj)


def init_app(app: Flask) -> None:
    if not isinstance(app.session_interface, SessionlessFeeds):
        app.session_interface = SessionlessFeeds(app.session_interface)
