"""The action plan as an editable Word document (python-docx), from the same sections as the
web page and the PDF. Word stores Unicode, so every character comes through as typed."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt, RGBColor

from learnpath.action_plans.plan_data import Header, Section

ACCENT = RGBColor(0x1F, 0x4E, 0x79)


def _header(doc: DocxDocument, header: Header) -> None:
    title = doc.add_heading(header.title, level=0)
    for run in title.runs:
        run.font.color.rgb = ACCENT
    for line in (header.participant, header.organisation, header.status_line, header.made_on):
        doc.add_paragraph(line)


def _table(doc: DocxDocument, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text


def _section(doc: DocxDocument, section: Section, empty_text: str) -> None:
    doc.add_heading(section.title, level=1)
    for label, text in section.paragraphs:
        if label:
            doc.add_paragraph().add_run(label).bold = True
        doc.add_paragraph(text)
    if section.table and section.table.rows:
        _table(doc, section.table.headers, section.table.rows)
    if section.is_empty:
        doc.add_paragraph().add_run(empty_text).italic = True


def render_docx(header: Header, sections: Sequence[Section], empty_text: str) -> bytes:
    """Return the DOCX of a plan: header, then each section with its paragraphs and table."""
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    doc.core_properties.title = f"{header.title} – {header.participant}"
    doc.core_properties.author = header.participant
    doc.core_properties.language = "nl-NL"
    _header(doc, header)
    for section in sections:
        _section(doc, section, empty_text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
