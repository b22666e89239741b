"""Departments of an organisation: create, rename, merge into another, delete.

A name is unique within the organisation, compared without regard to case or surrounding
spaces. A department that still has people is never deleted outright: its people move to the
department the administrator chose (a merge) or to none, after a confirmation that says how
many people it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from learnpath.accounts.models import Department, Organisation, User
from learnpath.admin.services import AdminError
from learnpath.extensions import db

MAX_NAME = 200


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    people: int


def with_counts(organisation_id: int) -> list[DepartmentRow]:
    """The organisation's departments by name, each with its number of people (one query)."""
    people = (
        select(User.department_id, func.count(User.id).label("n"))
        .where(User.organisation_id == organisation_id)
        .group_by(User.department_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Department, func.coalesce(people.c.n, 0))
        .outerjoin(people, people.c.department_id == Department.id)
        .where(Department.organisation_id == organisation_id)
        .order_by(Department.name, Department.id)
    )
    return [DepartmentRow(department, int(n)) for department, n in rows]


def people_in(department: Department) -> int:
    return (
        db.session.scalar(select(func.count(User.id)).where(User.department_id == department.id))
        or 0
    )


def of_organisation(organisation_id: int, department_id: int) -> Department | None:
    return db.session.scalar(
        select(Department).where(
            Department.id == department_id, Department.organisation_id == organisation_id
        )
    )


def _clean(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise AdminError(_l("Fill in a name."), errors={"name": str(_l("Fill in a name."))})
    if len(name) > MAX_NAME:
        message = str(_l("Keep the name under %(n)d characters.", n=MAX_NAME))
        raise AdminError(message, errors={"name": message})
    return name


def find_by_name(organisation_id: int, name: str) -> Department | None:
    """The organisation's department with this name (case and spaces ignored), or None."""
    return db.session.scalar(
        select(Department).where(
            Department.organisation_id == organisation_id,
            func.lower(Department.name) == " ".join(name.split()).lower(),
        )
    )


def _taken(name: str) -> AdminError:
    message = str(_l("There is already a department called %(name)s.", name=name))
    return AdminError(message, errors={"name": message})


def _flush_unique(name: str) -> None:
    """Flush; a department of the same name made at the same moment is refused, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise _taken(name) from exc


def create(organisation: Organisation, name: str) -> Department:
    name = _clean(name)
    if find_by_name(organisation.id, name) is not None:
        raise _taken(name)
    department = Department(organisation_id=organisation.id, name=name)
    db.session.add(department)
    _flush_unique(name)
    return department


def rename(department: Department, name: str) -> None:
    name = _clean(name)
    same = find_by_name(department.organisation_id, name)
    if same is not None and same.id != department.id:
        raise _taken(name)
    department.name = name
    _flush_unique(name)


def remove(department: Department, into: Department | None) -> int:
    """Move the department's people to ``into`` (None: no department) and delete it; return
    how many people moved."""
    if into is not None:
        if into.id == department.id:
            message = str(_l("Choose another department to merge into."))
            raise AdminError(message, errors={"into": message})
        if into.organisation_id != department.organisation_id:
            raise AdminError(_l("This department belongs to another organisation."))
    moved = people_in(department)
    db.session.execute(
        update(User)
        .where(User.department_id == department.id)
        .values(department_id=into.id if into else None)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(department)
    db.session.flush()
    db.session.expire_all()
    return moved
