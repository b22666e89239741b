"""Rate limits kept in the database, so that every worker sees the same counts.

Used for failed sign-ins and for password-reset requests (learnpath.accounts.services). A
*source* is where a request comes from: an IPv4 address, or the /64 network of an IPv6 address
(one subscriber easily holds a whole /64). Behind reverse proxies the address is the one the
proxies report, when LEARNPATH_TRUSTED_PROXIES says how many there are (Werkzeug's ProxyFix).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select

from learnpath.extensions import db

#: Longest source stored (the column is String(64)).
MAX_SOURCE_LENGTH = 64
#: Expired rows removed per purge at most, so one request never does much of this work.
PURGE_BATCH = 500


def source_of(address: str | None) -> str:
    """The source that ``address`` (a remote address) is counted under."""
    if not address:
        return "-"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:MAX_SOURCE_LENGTH]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True)
class Recent:
    """The rows of one kind in a window: how many, and the times of the oldest and newest."""

    count: int
    oldest: datetime | None
    newest: datetime | None


def recent(created_at: Any, *conditions: ColumnElement[bool], since: datetime) -> Recent:
    """Count the rows matching ``conditions`` whose ``created_at`` column is after ``since``."""
    count, oldest, newest = db.session.execute(
        select(func.count(), func.min(created_at), func.max(created_at)).where(
            *conditions, created_at > since
        )
    ).one()
    return Recent(int(count or 0), oldest, newest)  # min/max keep the column's UTC type


def backoff_wait(
    failures: Recent, allowed: int, *, first: timedelta, longest: timedelta, now: datetime
) -> timedelta:
    """How long to wait before the next attempt after ``failures`` (zero: go ahead).

    ``allowed`` failures come free; from then on each attempt waits after the latest failure,
    ``first`` at first and twice as long with each further failure, but never more than
    ``longest``.
    """
    excess = failures.count - allowed
    if excess < 0 or failures.newest is None:
        return timedelta(0)
    wait = min(longest, first * (2 ** min(excess, 30)))
    return max(timedelta(0), failures.newest + wait - now)


def seconds(wait: timedelta) -> int:
    """Whole seconds to announce in Retry-After (at least 1)."""
    return max(1, math.ceil(wait.total_seconds()))


def purge(model: Any, stamp: Any, before: datetime, key: Any = None) -> None:
    """Delete up to PURGE_BATCH rows of ``model`` whose ``stamp`` column is before ``before``.

    ``key``: the primary-key column (default ``model.id``). Rows another transaction is deleting
    at the same time are skipped (on PostgreSQL), so concurrent purges neither wait for each
    other nor deadlock.
    """
    key = model.id if key is None else key
    expired = select(key).where(stamp < before).limit(PURGE_BATCH).with_for_update(skip_locked=True)
    db.session.execute(
        delete(model).where(key.in_(expired)).execution_options(synchronize_session=False)
    )
