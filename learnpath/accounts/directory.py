"""The people of one organisation, searched and paged (the admin and privacy user lists).

A page costs the same few queries whatever the size of the organisation or of the country: one
count, one page of users (with their department joined), and their roles (selectin). The text
matches name, email address and department name; department, role and status narrow it down.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
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


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first user (0 when there are none)."""
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.number * self.size)


def status_of(user: User) -> UserStatus:
    """Deactivated, invited (never signed in, no password) or active."""
    if not user.is_active_account:
        return UserStatus.DEACTIVATED
    if user.password_hash is None and user.last_login_at is None:
        return UserStatus.INVITED
    return UserStatus.ACTIVE


def _conditions(organisation_id: int, wanted: UserFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [User.organisation_id == organisation_id]
    text = " ".join(wanted.text.split()).lower()
    if text:
        conditions.append(
            or_(
                func.lower(User.name).contains(text, autoescape=True),
                func.lower(User.email).contains(text, autoescape=True),
                func.lower(Department.name).contains(text, autoescape=True),
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
    organisation_id: int, wanted: UserFilter, page: int = 1, size: int = PAGE_SIZE
) -> UserPage:
    """One page of the organisation's users that match ``wanted`` (a page past the end gives the
    last page)."""
    total = (
        db.session.scalar(
            select(func.count(User.id))
            .select_from(User)
            .outerjoin(Department, User.department_id == Department.id)
            .where(*_conditions(organisation_id, wanted))
        )
        or 0
    )
    pages = max(1, -(-total // size))
    number = min(max(1, page), pages)
    users = list(
        db.session.scalars(
            matching(organisation_id, wanted).offset((number - 1) * size).limit(size)
        )
        .unique()
        .all()
    )
    return UserPage(users=users, total=total, number=number, size=size)


@dataclass(frozen=True)
class Query:
    """A user list's search as read from the address (``?q=&department=&role=&status=&page=``)."""

    wanted: UserFilter
    page: int
    #: A message when the text could not be used (a line break or control character).
    problem: str | None = None

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string values for a link to this search (e.g. another ``page``)."""
        values: dict[str, Any] = {
            "q": self.wanted.text or None,
            "department": self.wanted.department_id,
            "role": self.wanted.role.value if self.wanted.role else None,
            "status": self.wanted.status.value if self.wanted.status else None,
            "page": self.page if self.page > 1 else None,
        }
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
    page = _int(args.get("page")) or 1
    return Query(
        wanted=UserFilter(
            text=text.strip(),
            department_id=department if department else None,
            role=Role(role) if role in Role._value2member_map_ else None,
            status=UserStatus(status) if status in UserStatus._value2member_map_ else None,
        ),
        page=max(1, page),
        problem=problem,
    )
