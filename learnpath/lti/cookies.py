"""The session cookie of an LTI launch.

A launch arrives as a cross-site form POST, usually inside the platform's iframe. The app's
normal session cookie is ``SameSite=Lax``: a browser does not send it inside a cross-site
iframe, so a session created by the launch would be lost on the next click. Sessions created
by a launch are therefore kept in a second cookie, ``learnpath_lti``, which is
``SameSite=None; Secure; Partitioned`` over HTTPS (the iframe case; partitioned per top-level
site, so it is no third-party tracking cookie) and ``SameSite=Lax`` over plain HTTP (local
development, where an iframe cannot keep a cookie anyway; open in a new window there).
Every other session keeps the normal cookie with its normal settings.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer

LTI_COOKIE = "learnpath_lti"
#: Session key marking a session created by a launch (value: the launching platform's origin).
LTI_MARK = "_lti_origin"


class LtiSessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions, with launch-created sessions in their own cross-site cookie.

    The signer is built once per secret key (and its fallbacks) and kept: Flask builds a new
    one each time it is asked, and every request asks two or three times (both cookies read,
    one written), which a sign-up rush pays for in CPU."""

    def __init__(self) -> None:
        self._signers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        signer = self._signers.get(key)
        if signer is None:
            signer = super().get_signing_serializer(app)
            if signer is None:  # no secret key: nothing to keep
                return None
            if len(self._signers) > 8:  # the key changed (tests make many apps)
                self._signers.clear()
            self._signers[key] = signer
        return signer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        raw = request.cookies.get(LTI_COOKIE)
        serializer = self.get_signing_serializer(app)
        if raw and serializer is not None:
            max_age = int(app.permanent_session_lifetime.total_seconds())
            try:
                data: dict[str, Any] = serializer.loads(raw, max_age=max_age)
            except BadSignature:
                data = {}
            if data.get(LTI_MARK):
                return self.session_class(data)
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if session.get(LTI_MARK):
            self._save_lti(app, session, response)
            return
        if LTI_COOKIE in request.cookies:  # signed out or replaced by a normal login
            response.delete_cookie(LTI_COOKIE, path="/")
        super().save_session(app, session, response)

    def _save_lti(self, app: Flask, session: SessionMixin, response: Response) -> None:
        secure = bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure
        serializer = self.get_signing_serializer(app)
        assert serializer is not None
        response.set_cookie(
            LTI_COOKIE,
            serializer.dumps(dict(session)),
            expires=self.get_expiration_time(app, session),
            httponly=True,
            secure=secure,
            samesite="None" if secure else "Lax",
            partitioned=secure,
            path="/",
        )
        response.vary.add("Cookie")
