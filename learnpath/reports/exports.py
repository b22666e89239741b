"""A report as a workbook (XLSX), as CSV per table and as a PDF with its charts.

The cells are the page's cells: the same suppression, the same markers ("< 5", "hidden"),
the same labels in the reader's language. In the workbook a number is a number (shares as
percentages, means with two decimals) and every text cell goes through
``web.spreadsheet.safe_cell``, so a department or cohort named "=..." stays text. The PDF
embeds DejaVu Sans (as the action plan does) and draws each chart next to its data table:
bars with their values written beside them, a second series as an outline, so neither
colour nor the bar alone carries a number.

fpdf2 and openpyxl (and the font tools) are imported by the functions that use them, not with
this module: a one-table CSV (``table_rows``) loads neither (issue #17, memory per worker).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from learnpath.reports.charts import Plot
from learnpath.reports.figures import Cell, Table
from learnpath.web.spreadsheet import safe_cell

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "dejavu"
ACCENT = (31, 78, 121)
HEADING_FILL = (225, 234, 243)
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def table_rows(table: Table) -> list[list[str]]:
    """A table's CSV rows: headers, rows and the total row, with the page's markers."""
    rows = [list(table.headers)]
    for row in (*table.rows, *([table.total] if table.total else [])):
        rows.append([row.label, *(cell.raw for cell in row.cells)])
    return rows


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:31] or "Tabel"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _xlsx_value(cell: Cell) -> tuple[object, str | None]:
    """The value to store and its number format: numbers as numbers, markers as text."""
    if cell.value is None:
        return safe_cell(cell.text), None
    if cell.text.endswith("%"):
        return round(cell.value / 100, 4), "0.0%"
    if float(cell.value).is_integer() and "," not in cell.text and "." not in cell.text:
        return int(cell.value), "0"
    return float(cell.value), "0.00"


def workbook(title: str, subtitle: Sequence[str], tables: Sequence[Table]) -> bytes:
    """The report as an XLSX: a first sheet with the title, then one sheet per table
    (headers in row 1, the rows, the total row; the reading aid two rows below)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = _sheet_title(_("About this report"), set())
    taken = {about.title.lower()}
    about.append([safe_cell(title)])
    about["A1"].font = Font(bold=True, size=14)
    for line in subtitle:
        about.append([safe_cell(line)])
    about.append([])
    about.append([_("Table"), _("Sheet")])
    sheets = []
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title, taken))
        sheets.append(sheet)
        about.append([safe_cell(table.title), safe_cell(sheet.title)])
        sheet.append([safe_cell(h) for h in table.headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in (*table.rows, *([table.total] if table.total else [])):
            values = [_xlsx_value(c) for c in row.cells]
            sheet.append([safe_cell(row.label), *(v for v, _f in values)])
            for target, (_v, number_format) in zip(sheet[sheet.max_row][1:], values, strict=True):
                if number_format:
                    target.number_format = number_format
                else:
                    target.alignment = Alignment(horizontal="right")
        if table.total:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        if table.note:
            sheet.append([])
            sheet.append([safe_cell(table.note)])
        sheet.column_dimensions["A"].width = max(
            [len(str(r.label)) for r in table.rows] + [len(table.headers[0]), 12]
        )
        for letter in "BCDEFGH"[: len(table.headers) - 1]:
            sheet.column_dimensions[letter].width = 16
    about.column_dimensions["A"].width = 60
    about.column_dimensions["B"].width = 32
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- PDF ---------------------------------------------------------------------------------------


@cache
def _report_pdf_class() -> Any:
    """The report's FPDF class (its footer: title and page numbers), made on first use."""
    from fpdf import FPDF

    from learnpath.action_plans.export_pdf import pdf_text

    class _ReportPDF(FPDF):
        footer_text = ""

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.set_text_color(110)
            self.cell(0, 8, pdf_text(f"{self.footer_text} · {self.page_no()}/{{nb}}"), align="C")

    return _ReportPDF


def _pdf_table(pdf: FPDF, table: Table) -> None:
    from fpdf.fonts import FontFace

    from learnpath.action_plans.export_pdf import pdf_text

    pdf.set_font(FONT, size=8.5)
    first = 2.2 if len(table.headers) > 3 else 1.6
    widths = (first, *([1.0] * (len(table.headers) - 1)))
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=4.6,
        text_align=("LEFT", *(["RIGHT"] * (len(table.headers) - 1))),
        padding=1.2,
    ) as grid:
        body = [(r.label, *(c.text for c in r.cells)) for r in table.rows]
        if table.total:
            body.append((table.total.label, *(c.text for c in table.total.cells)))
        for values in [table.headers, *body]:
            row = grid.row()
            for value in values:
                row.cell(pdf_text(str(value)))
    pdf.ln(2)


def _pdf_chart(pdf: FPDF, plot: Plot) -> None:
    """Horizontal bars (mm): a label column, the bars, the value as text after each bar."""
    from learnpath.action_plans.export_pdf import pdf_text

    label_w, bar_w, bar_h, gap = 60.0, 80.0, 4.0, 2.5
    series = list(plot.series)
    height = len(plot.labels) * (bar_h * len(series) + gap) + (8 if len(series) > 1 else 0)
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    x0, y = pdf.l_margin, pdf.get_y()
    pdf.set_font(FONT, size=8)
    pdf.set_draw_color(*ACCENT)
    pdf.set_fill_color(*ACCENT)
    if len(series) > 1:
        for j, s in enumerate(series):
            lx = x0 + label_w + j * 45
            pdf.rect(lx, y + 0.5, 3.5, 3.5, "F" if j == 0 else "D")  # fill or outline
            pdf.set_xy(lx + 5, y)
            pdf.cell(38, 4.5, pdf_text(s.name))
        y += 8
    for i, label in enumerate(plot.labels):
        top = y + i * (bar_h * len(series) + gap)
        pdf.set_text_color(30)
        pdf.set_xy(x0, top)
        pdf.multi_cell(label_w - 3, 3.6, pdf_text(label), align="R", max_line_height=3.6)
        for j, s in enumerate(series):
            value = s.values[i]
            length = 0.0
            if value is not None and plot.maximum > 0:
                length = bar_w * max(0.0, min(1.0, value / plot.maximum))
            by = top + j * bar_h
            if length > 0:
                pdf.rect(x0 + label_w, by + 0.5, length, bar_h - 1, "F" if j == 0 else "D")
            pdf.set_xy(x0 + label_w + length + 1.5, by)
            pdf.cell(30, bar_h, pdf_text(s.texts[i]))
    pdf.set_y(y + len(plot.labels) * (bar_h * len(series) + gap) + 3)
    # the next table starts from plain colours (a table cell takes the current fill)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_text_color(20)


def report_pdf(title: str, subtitle: Sequence[str], tables: Sequence[Table]) -> bytes:
    """The whole report as a PDF: per table its heading, reading aid, data table and chart."""
    from learnpath.action_plans.export_pdf import FONT_DIR, FONT_FILES, pdf_text

    pdf = _report_pdf_class()(format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, FONT_DIR / name)
    pdf.footer_text = title
    pdf.set_title(pdf_text(title))
    pdf.set_lang("nl")
    pdf.set_margins(16, 16, 16)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 9, pdf_text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.set_text_color(40)
    for line in subtitle:
        pdf.multi_cell(0, 5.5, pdf_text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for table in tables:
        if pdf.get_y() + 40 > pdf.page_break_trigger:
            pdf.add_page()
        pdf.set_font(FONT, "B", 12.5)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 7, pdf_text(table.title), new_x="LMARGIN", new_y="NEXT")
        if table.note:
            pdf.set_font(FONT, "I", 8.5)
            pdf.set_text_color(60)
            pdf.multi_cell(0, 4.3, pdf_text(table.note), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        pdf.set_text_color(20)
        _pdf_table(pdf, table)
        if table.plot is not None and table.plot.labels:
            _pdf_chart(pdf, table.plot)
        pdf.ln(3)
    return bytes(pdf.output())
