"""The action plan as a PDF (fpdf2), from the same sections as the web page and the DOCX.

The PDF embeds DejaVu Sans (``fonts/``, shipped with the app under its own licence), so every
name prints as written: Dutch, Turkish, Polish, Hungarian, Romanian, Czech ... ("Şahin Yılmaz",
"Łódź", "ő"). fpdf2 embeds only the glyphs used. Ligatures are written as their letters ("ĳ" becomes
"ij"); a character the font lacks (an emoji) is decomposed (NFKC) when that helps and otherwise
shown as "?", never an error.

Headings keep their first lines of text on the same page: a heading that would end a page
starts the next one, so no page holds a lone heading (or a near-empty last page with one).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

from learnpath.action_plans.plan_data import Header, Section

FONT = "dejavu"
FONT_DIR = Path(__file__).parent / "fonts"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
#: Room (mm) a heading needs below it on its page: its own lines and a few lines of text.
KEEP_WITH_NEXT = 28
ACCENT = (31, 78, 121)
HEADING_FILL = (225, 234, 243)
#: Relative column widths for tables with this many columns.
COLUMN_WIDTHS = {
    6: (28, 17, 17, 17, 17, 14),
    5: (30, 20, 20, 20, 14),
    4: (30, 16, 14, 30),
}


@cache
def _covered() -> frozenset[int]:
    """The code points the regular font has a glyph for (the styles cover the same)."""
    with TTFont(FONT_DIR / FONT_FILES[""], lazy=True) as font:
        return frozenset(font.getBestCmap())


def _is_ligature(char: str) -> bool:
    decomposition = unicodedata.decomposition(char)
    return decomposition.startswith("<compat>") and unicodedata.normalize("NFKC", char).isalpha()


def pdf_text(text: str) -> str:
    """Text the embedded font can show."""
    covered = _covered()
    out = []
    for char in unicodedata.normalize("NFC", text):
        if _is_ligature(char):
            # "ĳ", "ﬁ": written as their letters, so copying and searching the PDF finds them.
            out.append(unicodedata.normalize("NFKC", char))
            continue
        if ord(char) in covered or char in "\n\t":
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFKC", char)
        out.append(decomposed if all(ord(c) in covered for c in decomposed) else "?")
    return "".join(out)


class _PlanPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 8, pdf_text(f"{self.footer_text} · {self.page_no()}/{{nb}}"), align="C")


def _header(pdf: _PlanPDF, header: Header) -> None:
    pdf.set_font(FONT, "B", 20)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 10, pdf_text(header.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.set_text_color(40)
    for line in (header.participant, header.organisation, header.status_line, header.made_on):
        pdf.multi_cell(0, 6, pdf_text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_draw_color(*ACCENT)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)


def _keep_with_next(pdf: _PlanPDF, room: float = KEEP_WITH_NEXT) -> None:
    """Start a new page when a heading here would have too little of its text below it."""
    if pdf.get_y() + room > pdf.page_break_trigger:
        pdf.add_page()


def _section(pdf: _PlanPDF, section: Section, empty_text: str) -> None:
    _keep_with_next(pdf)
    pdf.set_font(FONT, "B", 14)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 8, pdf_text(section.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(20)
    for label, text in section.paragraphs:
        if label:
            _keep_with_next(pdf, 16)
            pdf.set_font(FONT, "B", 10.5)
            pdf.multi_cell(0, 5.5, pdf_text(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=10.5)
        pdf.multi_cell(0, 5.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    if section.table and section.table.rows:
        _table(pdf, section.table.headers, section.table.rows)
    if section.is_empty:
        pdf.set_font(FONT, "I", 10.5)
        pdf.multi_cell(0, 5.5, pdf_text(empty_text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _table(pdf: _PlanPDF, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    pdf.set_font(FONT, size=9.5)
    with pdf.table(
        col_widths=COLUMN_WIDTHS.get(len(headers)),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=5,
        text_align="LEFT",
        v_align="TOP",
        padding=1.5,
    ) as table:
        for values in [headers, *rows]:
            row = table.row()
            for value in values:
                row.cell(pdf_text(value))
    pdf.ln(2)


def render_pdf(header: Header, sections: Sequence[Section], empty_text: str) -> bytes:
    """Return the PDF of a plan: header, then each section with its paragraphs and table."""
    pdf = _PlanPDF(format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, FONT_DIR / name)
    pdf.footer_text = f"{header.title} – {header.participant}"
    pdf.set_title(pdf_text(f"{header.title} – {header.participant}"))
    pdf.set_author(pdf_text(header.participant))
    pdf.set_lang("nl")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    _header(pdf, header)
    for section in sections:
        _section(pdf, section, empty_text)
    return bytes(pdf.output())
