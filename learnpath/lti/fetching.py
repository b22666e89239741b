"""Platform URLs we call: https only, never private or link-local addresses; key sets cached.

A registration names URLs learnpath fetches on its own (the key set on every launch, the token
and service URLs for roster and grades). Whoever may save a registration must not be able to
make learnpath call ``http://169.254.169.254/`` or ``127.0.0.1:6379``. So:

- ``check_platform_url`` (at registration, CLI and admin form alike) wants ``https://`` and a
  host that is not, and does not resolve to, a loopback, private, link-local, reserved or
  multicast address. ``LTI_ALLOW_HTTP_LOOPBACK`` (development and tests only) allows
  ``http://`` on a loopback host.
- ``key_set`` fetches the platform's JWKS with a timeout, no redirects and a size cap, checks
  the address again at fetch time, and keeps it ``KEY_SET_TTL`` seconds per worker; a token
  whose ``kid`` is not in the cached set refreshes it (at most every ``REFRESH_INTERVAL``).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
from flask import current_app
from flask_babel import lazy_gettext as _l

#: Seconds a fetched key set is used without asking the platform again.
KEY_SET_TTL = 300
#: A token with an unknown kid refreshes the key set, but not more often than this (seconds).
REFRESH_INTERVAL = 10
#: Largest key set accepted (bytes).
MAX_KEY_SET_BYTES = 256 * 1024
DEFAULT_TIMEOUT = 5.0


class UnsafeUrl(ValueError):
    """The URL is not one learnpath calls (the text is safe to show to an administrator)."""


class KeySetError(RuntimeError):
    """The platform's key set could not be fetched (the text is for the log)."""


def _allow_loopback_http() -> bool:
    config = current_app.config
    if config.get("ENV") == "production":
        return False
    value = config.get("LTI_ALLOW_HTTP_LOOPBACK")
    return value is True or str(value).lower() in ("1", "true", "yes", "on")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bad_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []  # not resolvable (now): checked again when it is fetched
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check_platform_url(url: str) -> str:
    """Return url if learnpath may call it, else raise UnsafeUrl."""
    parts = urlsplit(url.strip())
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError as exc:
        raise UnsafeUrl(str(_l("This URL has an invalid port."))) from exc
    if not host or parts.username or parts.password:
        raise UnsafeUrl(str(_l("This is not a usable web address.")))
    loopback_ok = _allow_loopback_http() and _is_loopback(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback_ok):
        raise UnsafeUrl(str(_l("Platform URLs must start with https://.")))
    if loopback_ok:
        return url.strip()
    if _is_loopback(host):
        raise UnsafeUrl(
            str(_l("Platform URLs may not point to this server or an internal network."))
        )
    default_port = 443 if parts.scheme == "https" else 80
    if any(_bad_address(a) for a in _addresses(host, port or default_port)):
        raise UnsafeUrl(
            str(_l("Platform URLs may not point to this server or an internal network."))
        )
    return url.strip()


def _resolved_safely(url: str) -> None:
    """At fetch time: the host must (still) resolve to public addresses only."""
    check_platform_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _allow_loopback_http() and _is_loopback(host):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not _addresses(host, port):
        raise UnsafeUrl(str(_l("The platform's host name does not resolve.")))


def timeout() -> float:
    return float(current_app.config.get("LTI_FETCH_TIMEOUT_SECONDS", DEFAULT_TIMEOUT))


def fetch_json(url: str, max_bytes: int = MAX_KEY_SET_BYTES) -> Any:
    """GET a JSON document from a platform: checked address, timeout, no redirects, size cap."""
    try:
        _resolved_safely(url)
    except UnsafeUrl as exc:
        raise KeySetError(f"refused to fetch {url}: {exc}") from exc
    limit = timeout()
    started = time.monotonic()
    try:
        with requests.get(
            url,
            timeout=(limit, limit),
            allow_redirects=False,
            stream=True,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise KeySetError(f"{url} answered {response.status_code}")
            body = b""
            for chunk in response.iter_content(16 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise KeySetError(f"{url} sent more than {max_bytes} bytes")
                if time.monotonic() - started > limit:
                    raise KeySetError(f"{url} took longer than {limit} s")
    except requests.RequestException as exc:
        raise KeySetError(f"fetching {url} failed: {exc}") from exc
    try:
        return json.loads(body)
    except ValueError as exc:
        raise KeySetError(f"{url} sent no JSON") from exc


class _TimeoutAdapter(requests.adapters.HTTPAdapter):
    """An HTTP adapter that always sets a timeout (requests has none by default)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(max_retries=0)
        self.seconds = seconds

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = (self.seconds, self.seconds)
        return super().send(request, **kwargs)


def platform_session() -> requests.Session:
    """A session for the platform's services (token, roster, grade book): always a timeout,
    no redirects followed."""
    session = requests.Session()
    session.max_redirects = 0
    adapter = _TimeoutAdapter(timeout())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass
class _Cached:
    keys: dict[str, Any]
    fetched_at: float


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _valid_key_set(data: Any, url: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise KeySetError(f"{url} is not a JSON Web Key Set")
    keys = [k for k in data["keys"] if isinstance(k, dict) and isinstance(k.get("kid"), str)]
    return {"keys": keys}


def key_set(url: str, kid: str | None) -> dict[str, Any]:
    """The platform's key set: cached, refreshed when stale or when kid is not in it."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(url)
    if cached is not None:
        fresh = now - cached.fetched_at < KEY_SET_TTL
        known = kid is None or any(k.get("kid") == kid for k in cached.keys["keys"])
        if fresh and (known or now - cached.fetched_at < REFRESH_INTERVAL):
            return cached.keys
    keys = _valid_key_set(fetch_json(url), url)
    with _lock:
        _cache[url] = _Cached(keys, time.monotonic())
    return keys
