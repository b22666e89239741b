"""Reading an uploaded invitation list: one email address per row (first column), nothing else.

Pure: bytes in, lines out; no request, no database. The page that invites (cohorts.views)
looks the addresses up and reports per row. Rules, as facilitators see them in the report:

- UTF-8, with or without a byte order mark (Excel writes one); anything else is refused whole,
  and so is a file with a NUL character (binary data, which the database could not store).
- The separator is ``;`` when the first line has more semicolons than commas, else ``,``
  (Dutch Excel writes ``;``). Only the first column counts.
- A first row whose first cell is not an address is a header (``email``, ``E-mailadres``) and
  is skipped; later rows like that are reported as "not an email address". A header cell
  ``afdeling`` or ``department`` (any case) names the department column: its value comes with
  the address (without a header, only the first column counts).
- An address must be well-formed (``email_validator``, no deliverability check): ``jan@``,
  ``jan@@gemeente.nl`` or ``jan de vries@gemeente.nl`` are "not an email address", never
  "no account".
- Blank rows are skipped silently; an address that occurs again (in any case) is reported as a
  duplicate row. Addresses are normalised like account addresses (trimmed, lower case).
"""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from learnpath.accounts.services import normalise_email

#: The view reads at most this much of an upload.
MAX_BYTES = 512 * 1024


class NotReadable(ValueError):
    """The file is not UTF-8 text that the CSV reader can read."""


class Problem(enum.StrEnum):
    NOT_AN_EMAIL = "not_an_email"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Line:
    """One row that needs an answer in the report."""

    #: 1-based row number in the file.
    number: int
    #: The normalised address; for NOT_AN_EMAIL the first cell as written.
    email: str
    #: None: an address to invite.
    problem: Problem | None = None
    #: The department column's value ("" without one).
    department: str = ""


def delimiter(text: str) -> str:
    """``;`` if the first line has more semicolons than commas, else ``,``."""
    first = text.splitlines()[0] if text else ""
    return ";" if first.count(";") > first.count(",") else ","


#: Header cells that name the department column.
DEPARTMENT_HEADERS = frozenset({"afdeling", "department"})


def is_address(email: str) -> bool:
    """Whether a normalised address is well-formed (syntax only, no DNS)."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _department_column(row: list[str]) -> int | None:
    for index, cell in enumerate(row):
        if index and cell.strip().casefold() in DEPARTMENT_HEADERS:
            return index
    return None


def parse_text(text: str) -> list[Line]:
    """The rows of the list that need a report line, in file order (see the module docstring)."""
    lines: list[Line] = []
    seen: set[str] = set()
    column: int | None = None
    # newline=None: rows may end in \n, \r\n or a lone \r (old Mac exports).
    rows = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter(text))
    try:
        for number, row in enumerate(rows, start=1):
            email = normalise_email(row[0]) if row and row[0].strip() else ""
            if not email or "@" not in email:
                if number == 1 and email:  # a header row such as "email"
                    column = _department_column(row)
                    continue
                if row and any(cell.strip() for cell in row):
                    lines.append(Line(number, row[0], Problem.NOT_AN_EMAIL))
                continue
            if not is_address(email):
                lines.append(Line(number, row[0].strip(), Problem.NOT_AN_EMAIL))
                continue
            if email in seen:
                lines.append(Line(number, email, Problem.DUPLICATE))
                continue
            seen.add(email)
            department = row[column].strip() if column is not None and column < len(row) else ""
            lines.append(Line(number, email, department=" ".join(department.split())[:200]))
    except csv.Error as exc:  # e.g. a field beyond the csv module's size limit
        raise NotReadable(str(exc)) from exc
    return lines


def parse(data: bytes) -> list[Line]:
    """Decode an upload (UTF-8, optional BOM) and parse it; NotReadable if that is impossible."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotReadable(str(exc)) from exc
    if "\x00" in text:
        raise NotReadable("NUL character")
    return parse_text(text)
