"""Bulk import of users from a CSV or XLSX file: name, email, department, manager, roles.

The first row names the columns (Dutch or English, any order): ``naam``/``name`` and
``e-mail``/``email`` are required; ``afdeling``/``department``, ``leidinggevende``/``manager``
(the manager's email address), ``rollen``/``roles`` (separated by ``;`` or ``,``, Dutch or
English names) and ``taal``/``language`` are optional.

Per row:

- an address the organisation does not have yet: a new account (participant when no roles are
  given), with an invitation when asked for;
- an address of the own organisation: the name, department, roles and language given are
  applied (empty cells keep what is there);
- an address of another organisation, a malformed address, a missing name, an unknown role, a
  duplicate address in the file: that row is reported and skipped;
- a department that does not exist yet is created;
- the manager may be anyone of the organisation with the manager role, also someone further
  down in the same file; a manager that breaks a rule (see ``admin.services``) is reported on
  the row and not set, the rest of the row still counts.

One bad row never stops the batch: each row is its own savepoint. Importing the same file
again changes nothing and reports every row as unchanged. ``preview`` runs exactly the same
steps and rolls everything back, so what it reports is what the import will do.
"""

from __future__ import annotations

import csv
import enum
import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from learnpath.accounts import services as accounts
from learnpath.accounts.models import Department, Role, User
from learnpath.admin import departments as department_rules
from learnpath.admin import services
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.manager_tracks import hierarchy
from learnpath.web.forms import single_line_error

#: Rows per file (a 5,400-person organisation fits, with room).
MAX_ROWS = 10_000
MAX_CELL = 254

#: Column -> the headings that name it (compared lower-cased, spaces and "-"/"_" ignored).
HEADINGS = {
    "name": ("name", "naam", "volledigenaam", "fullname"),
    "email": ("email", "e-mail", "emailadres", "e-mailadres", "mail", "username", "gebruikersnaam"),
    "department": ("department", "afdeling", "domein"),
    "manager": (
        "manager",
        "leidinggevende",
        "manageremail",
        "emailleidinggevende",
        "e-mailleidinggevende",
    ),
    "roles": ("roles", "role", "rollen", "rol"),
    "locale": ("language", "locale", "taal"),
}

ROLE_NAMES = {
    "participant": Role.PARTICIPANT,
    "deelnemer": Role.PARTICIPANT,
    "facilitator": Role.FACILITATOR,
    "begeleider": Role.FACILITATOR,
    "manager": Role.MANAGER,
    "leidinggevende": Role.MANAGER,
    "hr": Role.HR,
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
    "beheerder": Role.ADMIN,
}

LOCALES = {
    "nl": "nl",
    "nederlands": "nl",
    "dutch": "nl",
    "en": "en",
    "english": "en",
    "engels": "en",
}


class ImportFileError(Refusal):
    """The file as a whole cannot be read (not the problem of one row)."""


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


@dataclass
class RowReport:
    line: int
    email: str
    name: str
    outcome: Outcome = Outcome.SKIPPED
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowReport]
    new_departments: list[str]
    applied: bool

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome is outcome)

    def shown(self, limit: int) -> list[RowReport]:
        """The rows a page shows: every row with a problem, and the first ``limit`` others."""
        return [row for i, row in enumerate(self.rows) if row.problems or i < limit]

    @property
    def with_problems(self) -> int:
        return sum(1 for row in self.rows if row.problems)


# --- reading the file ---------------------------------------------------------------------


def _norm_heading(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch not in " _-.")


_HEADING_OF = {_norm_heading(h): column for column, hs in HEADINGS.items() for h in hs}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The file's rows as lists of strings (CSV with ``,`` or ``;``, or the first sheet of an
    XLSX workbook); ImportFileError when it is neither."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(data)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise ImportFileError(_l("This file cannot be read. Save it as CSV (UTF-8) or XLSX."))
    if "\x00" in text:
        raise ImportFileError(_l("This file cannot be read. Save it as CSV (UTF-8) or XLSX."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = [
            [_cell(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise ImportFileError(
            _l("This file cannot be read. Save it as CSV (UTF-8) or XLSX.")
        ) from exc
    return rows


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only needed here

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ImportFileError(
            _l("This file cannot be read. Save it as CSV (UTF-8) or XLSX.")
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(c) for c in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


# --- the import ---------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


def _rows(table: Sequence[Sequence[str]]) -> tuple[list[_Row], list[str]]:
    """The data rows keyed by column, and the columns found; ImportFileError without the
    required columns."""
    header_at = next((i for i, row in enumerate(table) if any(row)), None)
    if header_at is None:
        raise ImportFileError(_l("The file is empty."))
    columns = [_HEADING_OF.get(_norm_heading(h)) for h in table[header_at]]
    found = [c for c in columns if c]
    if "email" not in found or "name" not in found:
        raise ImportFileError(
            _l(
                'The first row must name the columns; at least "naam" and "e-mail" are '
                "needed (optional: afdeling, leidinggevende, rollen, taal)."
            )
        )
    data = table[header_at + 1 :]
    if len(data) > MAX_ROWS:
        raise ImportFileError(_l("At most %(n)d rows per file.", n=MAX_ROWS))
    rows = []
    for offset, raw in enumerate(data):
        if not any(raw):
            continue
        cells = {}
        for column, value in zip(columns, raw, strict=False):
            if column and column not in cells:
                cells[column] = value
        rows.append(_Row(line=header_at + offset + 2, cells=cells))
    return rows, found


def _check_email(value: str) -> str:
    if single_line_error(value) or not value:
        raise services.AdminError(_l("Not a valid email address: %(value)s", value=value or "—"))
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise services.AdminError(_l("Not a valid email address: %(value)s", value=value)) from exc


def _roles(value: str) -> set[Role] | None:
    if not value:
        return None
    roles = set()
    for part in value.replace(",", ";").replace("|", ";").split(";"):
        word = part.strip().lower()
        if not word:
            continue
        if word not in ROLE_NAMES:
            raise services.AdminError(_l("Unknown role: %(value)s", value=part.strip()))
        roles.add(ROLE_NAMES[word])
    return roles or None


def _chunks(values: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Importer:
    def __init__(self, actor: User, *, invite: bool) -> None:
        self.actor = actor
        self.org_id = actor.organisation_id
        self.invite = invite
        self.users: dict[str, User] = {}
        self.departments = {d.name.lower(): d for d in services.departments_of(self.org_id)}
        self.new_departments: list[str] = []
        self.seen: set[str] = set()
        #: user id -> manager id of the organisation, read at the first manager to set.
        self.lines: dict[int, int | None] | None = None
        #: What the current step remembered, forgotten again when its savepoint rolls back.
        self.added: list[tuple[dict[str, Any] | set[str], str]] = []

    def preload(self, rows: list[_Row]) -> None:
        emails = set()
        for row in rows:
            for column in ("email", "manager"):
                value = row.cells.get(column, "").strip().lower()
                if value and not single_line_error(value):
                    emails.add(value[:MAX_CELL])
        for chunk in _chunks(sorted(emails)):
            for user in db.session.scalars(select(User).where(User.email.in_(chunk))):
                self.users[user.email] = user

    def department(self, name: str) -> Department | None:
        if not name:
            return None
        key = " ".join(name.split()).lower()
        if key not in self.departments:
            department = department_rules.create(self.actor.organisation, name)
            self.departments[key] = department
            self.new_departments.append(department.name)
            self.added.append((self.departments, key))
        return self.departments[key]

    def apply_row(self, row: _Row, report: RowReport) -> None:
        cells = row.cells
        for value in cells.values():
            if single_line_error(value) or len(value) > MAX_CELL:
                raise services.AdminError(
                    _l("A cell holds a line break, a control character or too much text.")
                )
        email = _check_email(cells.get("email", ""))
        report.email = email
        if email in self.seen:
            raise services.AdminError(_l("This address is already on an earlier row."))
        self.seen.add(email)
        self.added.append((self.seen, email))
        roles = _roles(cells.get("roles", ""))
        locale_text = cells.get("locale", "").lower()
        if locale_text and locale_text not in LOCALES:
            raise services.AdminError(_l("Unknown language: %(value)s", value=cells["locale"]))
        locale = LOCALES.get(locale_text)
        name = " ".join(cells.get("name", "").split())
        user = self.users.get(email)
        if user is not None and user.organisation_id != self.org_id:
            raise services.AdminError(_l("An account with this email address already exists."))
        if user is None:
            if not name:
                raise services.AdminError(_l("The name is missing."))
            data = accounts.NewUser(
                email=email,
                name=name,
                roles=frozenset(roles or {Role.PARTICIPANT}),
                department=self.department(cells.get("department", "")),
                manager=self.known_manager(cells.get("manager", "")),
                locale=locale or "nl",
            )
            if self.invite:
                user = services.invite(self.actor, data)
            else:
                user = accounts.create_user(self.actor.organisation, data)
            self.users[email] = user
            self.added.append((self.users, email))
            report.outcome = Outcome.CREATED
            return
        changed = False
        department_name = cells.get("department", "")
        department = self.department(department_name) if department_name else user.department
        details = services.UserDetails(
            name=name or user.name, email=email, department=department, manager=user.manager
        )
        changed |= bool(services.update_details(self.actor, user, details))
        if roles is not None:
            changed |= services.change_roles(self.actor, user, roles)
        if locale and locale != user.locale:
            user.locale = locale
            changed = True
        report.outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED

    def known_manager(self, email: str) -> User | None:
        """The manager for a new person's row when it can be set at once (a manager of the
        organisation already known); else None, and the second pass deals with it."""
        manager = self.users.get(email.strip().lower()) if email else None
        if manager is None or manager.organisation_id != self.org_id:
            return None
        return None if services.manager_refusal(None, manager, self.org_id) else manager

    def needs_manager(self, row: _Row, report: RowReport) -> bool:
        value = row.cells.get("manager", "").strip().lower()
        user = self.users.get(report.email)
        if not value or user is None:
            return False
        manager = self.users.get(value)
        return manager is None or user.manager_id != manager.id

    def apply_manager(self, row: _Row, report: RowReport) -> None:
        value = row.cells.get("manager", "").strip().lower()
        user = self.users.get(report.email)
        if not value or user is None:
            return
        manager = self.users.get(value)
        if manager is None or manager.organisation_id != self.org_id:
            report.problems.append(
                str(
                    _l(
                        "Manager not set: no one in the organisation has the address %(value)s.",
                        value=value,
                    )
                )
            )
            return
        if user.manager_id == manager.id:
            return
        if self.lines is None:  # read once, kept up to date below
            self.lines = dict(hierarchy.reporting_lines([self.org_id]))
        refusal = services.manager_refusal(user, manager, self.org_id, self.lines)
        if refusal:
            report.problems.append(str(_l("Manager not set: %(reason)s", reason=refusal)))
            return
        details = services.UserDetails(
            name=user.name, email=user.email, department=user.department, manager=manager
        )
        services.update_details(self.actor, user, details, self.lines)
        self.lines[user.id] = manager.id
        if report.outcome is Outcome.UNCHANGED:
            report.outcome = Outcome.UPDATED

    def step(self, action: Callable[[_Row, RowReport], None], row: _Row, report: RowReport) -> bool:
        """Run one row's step in its own savepoint; a refusal or database error skips it and
        forgets what the step had remembered (a department it created, the address)."""
        self.added = []
        try:
            with db.session.begin_nested():
                action(row, report)
            return True
        except Refusal as exc:
            report.problems.append(str(exc))
        except SQLAlchemyError:
            report.problems.append(str(_l("This row could not be saved; try it again.")))
        for remembered, key in self.added:
            if isinstance(remembered, set):
                remembered.discard(key)
            else:
                remembered.pop(key, None)
                if remembered is self.departments:
                    self.new_departments.pop()
        return False


def run(actor: User, table: Sequence[Sequence[str]], *, apply: bool, invite: bool) -> ImportReport:
    """Import ``table`` for the actor's organisation; with ``apply=False`` (the preview) do it
    all and roll it back. The caller commits an applied import."""
    rows, _found = _rows(table)
    outer = db.session.begin_nested()
    # The preview sends nothing: the invitations are only queued by the real import.
    importer = _Importer(actor, invite=invite and apply)
    importer.preload(rows)
    reports = []
    done = []
    for row in rows:
        report = RowReport(
            line=row.line,
            email=row.cells.get("email", "")[:MAX_CELL],
            name=row.cells.get("name", "")[:MAX_CELL],
        )
        reports.append(report)
        if importer.step(importer.apply_row, row, report):
            done.append((row, report))
        else:
            report.outcome = Outcome.SKIPPED
    for row, report in done:
        if importer.needs_manager(row, report):
            importer.step(importer.apply_manager, row, report)
    result = ImportReport(rows=reports, new_departments=importer.new_departments, applied=apply)
    if apply:
        outer.commit()
    else:
        outer.rollback()
    return result
