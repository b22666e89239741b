"""Exports: PDF and DOCX from the same data, parsed back — every chosen section, Dutch
diacritics and the euro sign are there, the sections not chosen are not."""

from __future__ import annotations

import io

import docx
import pypdf
import pytest

from learnpath.action_plans.export_pdf import pdf_text

CHOSEN = ["question", "goals", "support"]
IN_CHOSEN = [
    "Vraag-Q",
    "coördinator",
    "ideeën",
    "Doel-1",
    "Doel-2",
    "€ 1.500",
    "Steun-S",
    "Budget",
    "Coaching",
]
NOT_CHOSEN = ["Inzicht-K", "naïef", "Actie-1", "Zoë", "Onderwerp-T"]


def pdf_plain(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def docx_plain(body: bytes) -> str:
    document = docx.Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


PARSE = {"pdf": pdf_plain, "docx": docx_plain}


def _query(kind: str, sections: list[str]) -> str:
    return f"format={kind}&" + "&".join(f"sections={s}" for s in sections)


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_participant_export_has_the_chosen_sections_only(setup, final_plan, login_as, client, kind):
    final_plan()
    login_as(setup.participant)
    response = client.get(f"/actieplan/export?{_query(kind, CHOSEN)}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert f"actieplan-{setup.participant.name.lower().replace(' ', '-')}-" in disposition
    assert disposition.endswith(f'.{kind}"')
    assert "no-store" in response.headers["Cache-Control"]
    text = PARSE[kind](response.data)
    for marker in IN_CHOSEN + ["Gemeente Testdorp", setup.participant.name, "Loopbaanactieplan"]:
        assert marker in text, marker
    for marker in NOT_CHOSEN:
        assert marker not in text, marker


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_all_diacritics_come_through(setup, final_plan, login_as, client, kind):
    final_plan()
    login_as(setup.participant)
    text = PARSE[kind](
        client.get(f"/actieplan/export?{_query(kind, ['insights', 'actions'])}").data
    )
    for marker in ("naïef", "Zoë", "Inzicht-K", "Actie-1"):
        assert marker in text
    assert "é" in PARSE[kind](client.get(f"/actieplan/export?{_query(kind, ['question'])}").data)


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_manager_export_is_limited_to_the_shared_sections(setup, shared, login_as, client, kind):
    row = shared(["goals", "insights"])
    login_as(setup.manager)
    # Asking for more than was shared gives only what was shared.
    response = client.get(
        f"/team/plannen/{row.id}/export?{_query(kind, ['goals', 'insights', 'question', 'topics'])}"
    )
    text = PARSE[kind](response.data)
    assert "Doel-1" in text and "Inzicht-K" in text and "€ 1.500" in text
    assert "Vraag-Q" not in text and "Onderwerp-T" not in text


def test_the_export_form_without_a_choice(setup, final_plan, login_as, client):
    final_plan()
    login_as(setup.participant)
    assert "Kies de onderdelen" in client.get("/actieplan/export").text
    response = client.get("/actieplan/export?format=pdf")
    assert response.status_code == 200 and "Vink minstens één onderdeel aan" in response.text
    assert client.get("/actieplan/export?format=exe&sections=goals").status_code == 200


def test_pdf_text_replaces_what_the_font_cannot_show():
    assert pdf_text("ĳverig € é ë ï “x”") == "ijverig € é ë ï “x”"
    assert pdf_text("stap 🙂") == "stap ?"
