"""The people of one organisation, searched and paged (the admin and privacy user lists).

A page costs the same one statement whatever the size of the organisation or of the country:
the count and the page of users, their department and roles joined (``search``). The text
matches name, email address and department name; department, role and status narrow it down.

Paging is by key: "next" and "previous" carry the (name, id) of the last or first person shown
(``after=`` / ``before=``), so a deep page reads 50 rows of the index (organisation_id, name, id)
instead of sorting the organisation and skipping what came before; the one count statement also
counts the people before that key, which gives "page N of M". A page number (``page=``) still
works for a typed or old link. The text search is served on PostgreSQL by trigram indexes on
``lower(name)`` and ``lower(email)`` (migration 0037); a department name match becomes a list of
department ids (the departments the page already loaded for its filter), so the condition stays
one that the indexes serve.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import contains_eager

from learnpath.accounts.models import Department, Role, User, UserRole
from learnpath.extensions import db
from learnpath.web.forms import single_line_error

PAGE_SIZE = 50
#: The department filter value for "people without a department".
NO_DEPARTMENT = -1


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    INVITED = "invited"
    DEACTIVATED = "deactivated"


ROLE_LABELS = {
    Role.PARTICIPANT: _l("Participant"),
    Role.FACILITATOR: _l("Facilitator"),
    Role.MANAGER: _l("Manager"),
    Role.HR: _l("HR"),
    Role.ADMIN: _l("Administrator"),
}

STATUS_LABELS = {
    UserStatus.ACTIVE.value: _l("Active"),
    UserStatus.INVITED.value: _l("Invited"),
    UserStatus.DEACTIVATED.value: _l("Deactivated"),
}


@dataclass(frozen=True)
class UserFilter:
    """What to look for: ``text`` in name, email address or department name; None: any."""

    text: str = ""
    department_id: int | None = None
    role: Role | None = None
    status: UserStatus | None = None


#: A key in the address: ``<id>-<the name, base64url without padding>``.
_KEY = re.compile(r"(\d{1,10})-([A-Za-z0-9_-]{0,400})")


def encode_key(user: User) -> str:
    """The key of a person in the list order, for an ``after=`` or ``before=`` link."""
    return _key_text(user.name, user.id)


def decode_key(value: str | None) -> tuple[str, int] | None:
    """(name, id) from ``encode_key``; None for anything else (a tampered or cut-off link)."""
    match = _KEY.fullmatch(value or "")
    if not match:
        return None
    try:
        raw = match.group(2)
        name = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user_id = int(match.group(1))
    if not 0 < user_id < 2**31 or len(name) > 200 or single_line_error(name):
        return None
    return name, user_id


@dataclass(frozen=True)
class Position:
    """Where a page starts: a page number, or just after or just before a person's key."""

    number: int = 1
    after: tuple[str, int] | None = None
    before: tuple[str, int] | None = None

    def args(self) -> dict[str, Any]:
        if self.after:
            return {"after": _key_text(*self.after)}
        if self.before:
            return {"before": _key_text(*self.before)}
        return {"page": self.number} if self.number > 1 else {}


def _key_text(name: str, user_id: int) -> str:
    return f"{user_id}-" + base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int
    #: How many matching people come before this page.
    start: int
    size: int

    @property
    def number(self) -> int:
        return self.start // self.size + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.start > 0

    @property
    def has_next(self) -> bool:
        return self.start + len(self.users) < self.total

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first user (0 when there are none)."""
        return self.start + 1 if self.users else 0

    @property
    def last_index(self) -> int:
        return self.start + len(self.users)

    def previous_args(self) -> dict[str, Any]:
        """The address values of the page before (by key; the first page has none)."""
        if self.start <= self.size or not self.users:
            return {"page": None}
        return {"page": None, "before": encode_key(self.users[0])}

    def next_args(self) -> dict[str, Any]:
        """The address values of the page after (by key)."""
        return {"page": None, "after": encode_key(self.users[-1])} if self.users else {}


def status_of(user: User) -> UserStatus:
    """Deactivated, invited (never signed in, no password) or active."""
    if not user.is_active_account:
        return UserStatus.DEACTIVATED
    if user.password_hash is None and user.last_login_at is None:
        return UserStatus.INVITED
    return UserStatus.ACTIVE


def _like(text: str) -> str:
    """A LIKE pattern (escape character ``/``) finding ``text`` anywhere."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def search_text(wanted: UserFilter) -> str:
    """The text as searched: spaces collapsed, lower case."""
    return " ".join(wanted.text.split()).lower()


def _conditions(
    organisation_id: int,
    wanted: UserFilter,
    departments: Iterable[tuple[int, str]] | None = None,
) -> list[ColumnElement[bool]]:
    """The conditions of the search; ``departments`` (id, name) of the organisation, when the
    caller has them, turn a department name match into a list of ids (else a subquery)."""
    conditions: list[ColumnElement[bool]] = [User.organisation_id == organisation_id]
    text = search_text(wanted)
    if text:
        pattern = _like(text)
        in_department: ColumnElement[bool]
        if departments is None:
            in_department = User.department_id.in_(
                select(Department.id).where(
                    Department.organisation_id == organisation_id,
                    func.lower(Department.name).like(pattern, escape="/"),
                )
            )
        else:
            ids = sorted(id_ for id_, name in departments if text in name.lower())
            in_department = User.department_id.in_(ids) if ids else false()
        conditions.append(
            or_(
                func.lower(User.name).like(pattern, escape="/"),
                func.lower(User.email).like(pattern, escape="/"),
                in_department,
            )
        )
    if wanted.department_id == NO_DEPARTMENT:
        conditions.append(User.department_id.is_(None))
    elif wanted.department_id is not None:
        conditions.append(User.department_id == wanted.department_id)
    if wanted.role is not None:
        conditions.append(exists().where(UserRole.user_id == User.id, UserRole.role == wanted.role))
    if wanted.status is UserStatus.DEACTIVATED:
        conditions.append(User.is_active_account.is_(False))
    elif wanted.status is UserStatus.INVITED:
        conditions.append(
            and_(
                User.is_active_account.is_(True),
                User.password_hash.is_(None),
                User.last_login_at.is_(None),
            )
        )
    elif wanted.status is UserStatus.ACTIVE:
        conditions.append(
            and_(
                User.is_active_account.is_(True),
                or_(User.password_hash.is_not(None), User.last_login_at.is_not(None)),
            )
        )
    return conditions


def matching(organisation_id: int, wanted: UserFilter) -> Select[Any]:
    """The users of the organisation that match, department joined, ordered by name."""
    return (
        select(User)
        .outerjoin(Department, User.department_id == Department.id)
        .where(*_conditions(organisation_id, wanted))
        .options(contains_eager(User.department))
        .order_by(User.name, User.id)
    )


def search(
    organisation_id: int,
    wanted: UserFilter,
    page: int | Position = 1,
    size: int = PAGE_SIZE,
    *,
    departments: Iterable[tuple[int, str]] | None = None,
) -> UserPage:
    """One page of the organisation's users that match ``wanted``, in one statement: the count
    (with, for a key, the number of people before it) as a one-row subquery, the page's ids
    (by key or by number) joined to it, and their department and roles joined to those.

    A page number or an ``after`` key past the end gives the last page, a ``before`` key with
    less than a page before it the first page (a second statement, only then).
    ``departments``: the organisation's (id, name), when the caller has them."""
    position = page if isinstance(page, Position) else Position(number=page)
    conditions = _conditions(organisation_id, wanted, departments)
    users, total, before = _page(conditions, position, size)
    if position.after:
        start = before
    elif position.before:
        start = before - len(users)
    else:
        start = (max(1, position.number) - 1) * size
    if (not users and total) or (position.before and before < size):
        # Past the end (or a short page before the start): the last (or the first) page.
        number = 1 if position.before else max(1, -(-total // size))
        users, total, _ = _page(conditions, Position(number=number), size)
        start = (number - 1) * size
    return UserPage(users=users, total=total, start=start, size=size)


def _page(
    conditions: list[ColumnElement[bool]], position: Position, size: int
) -> tuple[list[User], int, int]:
    """The page's users, the number that match and (for a key) how many come before it."""
    order_key = tuple_(User.name, User.id)
    ids = select(User.id).where(*conditions)
    before: Any = literal(0)
    if position.after:
        before = func.count().filter(order_key <= tuple_(*position.after))
        ids = ids.where(order_key > tuple_(*position.after)).order_by(User.name, User.id)
    elif position.before:
        before = func.count().filter(order_key < tuple_(*position.before))
        ids = ids.where(order_key < tuple_(*position.before))
        ids = ids.order_by(User.name.desc(), User.id.desc())
    else:
        ids = ids.order_by(User.name, User.id).offset((max(1, position.number) - 1) * size)
    counts = (
        select(func.count().label("total"), before.label("before"))
        .select_from(User)
        .where(*conditions)
        .subquery("counts")
    )
    chosen = ids.limit(size).subquery("chosen")
    rows = (
        db.session.execute(
            select(counts.c.total, counts.c.before, User)
            .select_from(counts)
            .outerjoin(chosen, true())
            .outerjoin(User, User.id == chosen.c.id)
            .outerjoin(Department, User.department_id == Department.id)
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .options(contains_eager(User.department), contains_eager(User.role_rows))
            .order_by(User.name, User.id)
        )
        .unique()
        .all()
    )
    users = [row[2] for row in rows if row[2] is not None]
    return users, int(rows[0][0] or 0), int(rows[0][1] or 0)


@dataclass(frozen=True)
class Query:
    """A user list's search as read from the address (``?q=&department=&role=&status=`` and
    where the page starts: ``page=``, ``after=`` or ``before=``)."""

    wanted: UserFilter
    page: int
    #: A message when the text could not be used (a line break or control character).
    problem: str | None = None
    position: Position = field(default_factory=Position)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string values for a link to this search; ``page=None`` leaves out where
        the page starts (the search itself, e.g. for the download), other changes apply on top
        (``after=...``)."""
        values: dict[str, Any] = {
            "q": self.wanted.text or None,
            "department": self.wanted.department_id,
            "role": self.wanted.role.value if self.wanted.role else None,
            "status": self.wanted.status.value if self.wanted.status else None,
        }
        if "page" not in changes:
            values.update(self.position.args())
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if -1 <= number < 2**31 else None


def query_from(args: Mapping[str, str]) -> Query:
    """Read a search from request arguments; what cannot be used is left out (never an error
    page): an unknown role or status, a department id that is not a number."""
    text = (args.get("q") or "")[:200]
    problem = single_line_error(text)
    if problem:
        text = ""
    role = args.get("role") or ""
    status = args.get("status") or ""
    department = _int(args.get("department"))
    page = max(1, _int(args.get("page")) or 1)
    after = decode_key(args.get("after"))
    before = None if after else decode_key(args.get("before"))
    return Query(
        wanted=UserFilter(
            text=text.strip(),
            department_id=department if department else None,
            role=Role(role) if role in Role._value2member_map_ else None,
            status=UserStatus(status) if status in UserStatus._value2member_map_ else None,
        ),
        page=page,
        problem=problem,
        position=Position(number=page, after=after, before=before),
    )
