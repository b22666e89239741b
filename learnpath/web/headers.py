"""Security headers on every response: one policy, in one place.

- ``Content-Security-Policy``: scripts, styles, images, fonts and fetches only from learnpath
  itself, no inline code at all (no ``unsafe-inline``: templates carry no ``<script>`` without
  ``src``, no ``<style>``, no ``style=`` and no ``on*=`` attributes; a test scans them), no
  plugins, no ``<base>``, forms post to learnpath only and nobody may frame a page
  (``frame-ancestors 'none'``).
- A page that must be shown inside someone else's frame (an LTI launch inside the learning
  platform) says so with :func:`allow_framing_by`; a page whose form posts elsewhere (the Deep
  Linking return to the platform) with :func:`allow_form_action`. Both only widen the policy of
  the current response, and only by the origins given.
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors`` (left out when a page
  may be framed: it cannot name an origin).
- ``X-Content-Type-Options: nosniff``: every response's ``Content-Type`` is taken as is
  (calendar feeds are ``text/calendar``, downloads their own types).
- ``Referrer-Policy: same-origin``: links out of learnpath (a Teams or Zoom meeting, a platform)
  carry no referrer, so tokens in our URLs never reach another site. A view may set a stricter
  one (``no-referrer`` on token pages); it is kept.
- ``Permissions-Policy``: no camera, microphone, location, payment, USB or sensors; learnpath
  links out to meetings and embeds none.
- ``Strict-Transport-Security`` only with ``LEARNPATH_ENV=production`` (development runs on
  plain HTTP on localhost, where HSTS would stick to the browser for every local project).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, current_app, g

CSP = "Content-Security-Policy"
#: The directives of every response; frame-ancestors and form-action are added per response.
BASE_POLICY: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self'"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("frame-src", "'none'"),
    ("base-uri", "'none'"),
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
)
REFERRER_POLICY = "same-origin"
HSTS = "max-age=31536000; includeSubDomains"

_FRAMERS = "_headers_frame_ancestors"
_FORM_TARGETS = "_headers_form_action"


def allow_framing_by(*origins: str) -> None:
    """Let these origins (and learnpath itself) frame the response to the current request."""
    _extend(_FRAMERS, origins)


def allow_form_action(*origins: str) -> None:
    """Let forms on the current response also post to these origins."""
    _extend(_FORM_TARGETS, origins)


def _extend(key: str, origins: Iterable[str]) -> None:
    current: list[str] = g.setdefault(key, [])
    for origin in origins:
        if not _is_origin(origin):
            raise ValueError(f"not a web origin: {origin!r}")
        if origin not in current:
            current.append(origin)


def _is_origin(value: str) -> bool:
    """scheme://host[:port], nothing that could end or add a directive."""
    scheme, _, rest = value.partition("://")
    return (
        scheme in ("http", "https")
        and bool(rest)
        and not any(c in rest for c in " ;,'\"/\\\r\n\t\0")
    )


def content_security_policy(framers: Iterable[str] = (), form_targets: Iterable[str] = ()) -> str:
    """The policy text, with the extra framing and form origins of one response."""
    framers = list(framers)
    directives = [*BASE_POLICY]
    directives.append(("form-action", " ".join(["'self'", *form_targets])))
    directives.append(("frame-ancestors", " ".join(["'self'", *framers]) if framers else "'none'"))
    return "; ".join(f"{name} {value}" for name, value in directives)


#: The policy of almost every response (no extra framing or form origins), made once.
DEFAULT_POLICY = content_security_policy()


def _apply(response: Response) -> Response:
    framers: list[str] = g.get(_FRAMERS, [])
    form_targets: list[str] = g.get(_FORM_TARGETS, [])
    headers = response.headers
    if CSP not in headers:
        headers[CSP] = (
            content_security_policy(framers, form_targets)
            if framers or form_targets
            else DEFAULT_POLICY
        )
    if not framers:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if current_app.config.get("ENV") == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    # After-request functions run last-registered first: this one goes to the front of the
    # list so it runs after every other (a feature's hook may still call allow_framing_by).
    app.after_request_funcs.setdefault(None, []).insert(0, _apply)
