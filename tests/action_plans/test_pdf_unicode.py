"""The PDF prints every name as written (an embedded Unicode font, not WinAnsi Helvetica), in the
text, the header, the footer and the document's metadata; a heading is never left alone at the
foot of a page."""

from __future__ import annotations

import io

import pypdf

from learnpath.action_plans.export_pdf import pdf_text, render_pdf
from learnpath.action_plans.plan_data import Header, Section, Table

NAMES = ("Şahin Yılmaz", "Łódź", "ő", "Ștefan Țurcanu", "Čeněk Řehoř", "Göran Öğüt")


def _pdf(sections: list[Section], participant: str = "Şahin Yılmaz") -> pypdf.PdfReader:
    header = Header(
        title="Loopbaanactieplan",
        organisation="Gemeente Łódź",
        participant=participant,
        status_line="Versie 1, definitief",
        made_on="1 december 2026",
    )
    return pypdf.PdfReader(io.BytesIO(render_pdf(header, sections, "(leeg)")))


def _text(reader: pypdf.PdfReader) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_latin_extended_names_come_back_from_the_pdf():
    sections = [
        Section("question", "Vraag van ő", [("Naam", name) for name in NAMES]),
        Section("goals", "Doelen", table=Table(["Doel", "Wie"], [["Łódź bezoeken", "Yılmaz"]])),
    ]
    reader = _pdf(sections)
    text = _text(reader)
    for name in NAMES:
        assert name in text, name
    assert "?" not in text
    assert "Gemeente Łódź" in text
    # Title, header line and footer all carry the name; so does the metadata.
    assert text.count("Şahin Yılmaz") >= 3
    assert reader.metadata.title == "Loopbaanactieplan – Şahin Yılmaz"
    assert reader.metadata.author == "Şahin Yılmaz"


def test_the_font_is_embedded():
    reader = _pdf([Section("question", "Vraag", [("", "Łódź")])])
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = []
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        descriptors.append(descendant["/FontDescriptor"].get_object())
    assert descriptors and all("/FontFile2" in d for d in descriptors)
    assert all("DejaVu" in str(d["/FontName"]) for d in descriptors)


def test_what_the_font_cannot_show_becomes_a_question_mark():
    assert pdf_text("ĳverig € é ő ı Ł ş ț “x”") == "ijverig € é ő ı Ł ş ț “x”"
    assert pdf_text("stap 🙂") == "stap ?"


def test_no_heading_is_left_alone_at_the_foot_of_a_page():
    # Enough text to push the last section's heading near the bottom of a page.
    for filler in range(20, 60):
        paragraphs = [("", "Regel met tekst over de loopbaan van Şahin.")] * filler
        reader = _pdf(
            [Section("a", "Eerste", paragraphs), Section("b", "Laatste kop", [("", "Slot")])]
        )
        for page in reader.pages:
            lines = [line for line in (page.extract_text() or "").splitlines() if line.strip()]
            # A page's text ends with more than a heading and its footer.
            last_lines = [line for line in lines if "Loopbaanactieplan –" not in line]
            assert last_lines[-1] != "Laatste kop", filler
        last = [line for line in (reader.pages[-1].extract_text() or "").splitlines() if line]
        assert "Laatste kop" not in last or "Slot" in " ".join(last)
