"""The roster and attendance export of a cohort: XLSX, CSV (Dutch Excel) and a printable PDF.

One table, built in a fixed number of queries whatever the size of the cohort: everyone who
is or was in the cohort (with a place, on the waitlist, invited, no longer in it) with name,
email, department, status, waitlist place, attendance per planned session and, for tracks
with assignments, the state of each assignment's hand-in. Attendance is read as stored, with
the label of its status (whatever statuses attendance knows).

Cells are text a spreadsheet never evaluates (``web.spreadsheet.safe_cell``); the XLSX stores
them as strings too. The CSV is UTF-8 with a byte order mark and ``;`` between cells, which
Excel with Dutch settings opens as columns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnpath.cohorts import presenters
from learnpath.cohorts.filters import session_name
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    EnrolmentStatus,
)
from learnpath.cohorts.queries import sessions_of
from learnpath.cohorts.tracks import track_of
from learnpath.extensions import db
from learnpath.i18n import current_locale
from learnpath.web.spreadsheet import safe_cell

if TYPE_CHECKING:
    from learnpath.content.schema import Content

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The hand-in states, as the assignment pages name them.
HAND_IN_LABELS = {
    "not_started": _l("Not started"),
    "draft": _l("Draft"),
    "submitted": _l("Handed in"),
    "late": _l("Handed in late"),
    "reviewed": _l("Reviewed"),
}
#: Who is on the printed attendance list: people with a place, and who completed.
ON_THE_LIST = SEAT_STATUSES | {EnrolmentStatus.COMPLETED}


@dataclass
class RosterTable:
    headers: list[str]
    rows: list[list[object]]
    sessions: list[CohortSession]
    #: The enrolment status of each row.
    statuses: list[EnrolmentStatus]

    def all_rows(self) -> list[list[object]]:
        """The header row, then the rows."""
        return [list[object](self.headers), *self.rows]


def _attendance(sessions: list[CohortSession]) -> dict[tuple[int, int], str]:
    """(session id, user id) -> the attendance status's label, in one query."""
    if not sessions:
        return {}
    rows = db.session.execute(
        select(Attendance.session_id, Attendance.user_id, Attendance.status).where(
            Attendance.session_id.in_([s.id for s in sessions])
        )
    )
    return {(sid, uid): str(AttendanceStatus(status).label) for sid, uid, status in rows}


def _hand_ins(
    cohort: Cohort, content: Content, now: datetime
) -> tuple[list[str], dict[tuple[int, int], str]]:
    """Assignment titles and (enrolment id, column) -> hand-in state label, in fixed queries."""
    if not track_of(cohort).has_assignments:
        return [], {}
    # Imported here: assignments is built on cohorts; only the export reads its progress.
    from learnpath.assignments.queries import progress_matrix

    matrix = progress_matrix(cohort, content, now)
    locale = current_locale()
    columns = [i for i, a in enumerate(matrix.assignments) if not a.is_action_plan]
    titles = [matrix.assignments[i].title.get(locale) for i in columns]
    states: dict[tuple[int, int], str] = {}
    for row in matrix.rows:
        for n, i in enumerate(columns):
            label = HAND_IN_LABELS.get(row.cells[i].state.value)
            states[(row.enrolment.id, n)] = str(label) if label else ""
    return titles, states


def roster_table(cohort: Cohort, content: Content, now: datetime) -> RosterTable:
    """Everyone of the cohort with attendance and hand-ins, in a fixed number of queries."""
    roster = presenters.roster(cohort)
    sessions = [s for s in sessions_of(cohort) if not s.is_cancelled]
    attendance = _attendance(sessions)
    titles, hand_ins = _hand_ins(cohort, content, now)
    headers = [
        _("Name"),
        _("Email address"),
        _("Department"),
        _("Status"),
        _("Place on the waitlist"),
        *(
            _("Attendance: %(session)s (%(date)s)", session=session_name(s), date=_day(s))
            for s in sessions
        ),
        *(_("Handed in: %(assignment)s", assignment=title) for title in titles),
    ]
    rank = {e.id: i for i, e in enumerate(roster.waitlist, start=1)}
    rows: list[list[object]] = []
    everyone = [*roster.seated, *roster.waitlist, *roster.invited, *roster.ended]
    for e in everyone:
        rows.append(
            [
                e.user.name,
                e.user.email,
                e.user.department.name if e.user.department else "",
                str(e.status.label),
                rank.get(e.id, ""),
                *(attendance.get((s.id, e.user_id), "") for s in sessions),
                *(hand_ins.get((e.id, n), "") for n in range(len(titles))),
            ]
        )
    return RosterTable(headers, rows, sessions, [e.status for e in everyone])


def _day(session: CohortSession) -> str:
    return format_datetime(session.starts_at, "d-M-y")


def csv_bytes(table: RosterTable) -> bytes:
    """The table as CSV for Dutch Excel: UTF-8 with BOM, ``;`` between cells, safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in table.all_rows():
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(table: RosterTable, title: str) -> bytes:
    """The table as an XLSX workbook: header in bold and frozen, every text cell a string."""
    from openpyxl import Workbook  # only needed here
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = safe_sheet_title(title)
    for r, row in enumerate(table.all_rows(), start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, int):
                cell.value = value
            else:
                cell.value = safe_cell(value)
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if r == 1:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    for c, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(len(header), 12), 40)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def safe_sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Roster"
    return cleaned[:31]


def attendance_sheet_pdf(cohort: Cohort, table: RosterTable, now: datetime) -> bytes:
    """A printable attendance list (A4 landscape): everyone with a place or who completed, a
    column per planned session with the attendance recorded so far (empty to fill in)."""
    # fpdf2 and the embedded DejaVu font of the plan export, loaded on first use.
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from learnpath.action_plans.export_pdf import FONT, FONT_DIR, FONT_FILES, pdf_text

    pdf = FPDF(orientation="landscape", format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, FONT_DIR / name)
    title = _("Attendance list – %(cohort)s", cohort=cohort.name)
    pdf.set_title(pdf_text(title))
    pdf.set_lang(current_locale())
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, pdf_text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    facilitators = ", ".join(u.name for u in cohort.facilitators)
    for line in (
        cohort.organisation.name,
        facilitators,
        _("Printed on %(when)s", when=format_datetime(now, "d MMMM y, HH:mm")),
    ):
        if line:
            pdf.multi_cell(0, 5.5, pdf_text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    headers = [
        _("Name"),
        _("Department"),
        *(f"{session_name(s)}\n{_day(s)}" for s in table.sessions),
    ]
    rows = [
        [str(row[0]), str(row[2]), *(str(v) for v in row[5 : 5 + len(table.sessions)])]
        for row, status in zip(table.rows, table.statuses, strict=True)
        if status in ON_THE_LIST
    ]
    widths = (30, 20, *(16 for _s in table.sessions))
    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 234, 243)),
        line_height=6,
        text_align="LEFT",
        padding=1.5,
    ) as pdf_table:
        for values in [headers, *rows]:
            pdf_row = pdf_table.row()
            for value in values:
                pdf_row.cell(pdf_text(value))
    if not rows:
        pdf.ln(3)
        pdf.multi_cell(0, 6, pdf_text(_("Nobody has a place yet.")), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
