"""The roster and attendance export: XLSX, CSV for Dutch Excel, a printable PDF; safe cells,
attendance and hand-ins per person, a fixed number of queries, only for the cohort's coaches."""

from __future__ import annotations

import io

import pypdf
import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohort_services
from learnpath.cohorts.models import Attendance, AttendanceStatus
from learnpath.extensions import db
from tests.factories import hand_in


@pytest.fixture
def roster_group(make_group, make_user):
    g = make_group(size=3)
    g.participants[0].name = '=HYPERLINK("https://evil.example","klik")'
    g.participants[1].name = "Şahin Yılmaz"
    db.session.add_all(
        [
            Attendance(
                session_id=g.session("intro").id,
                user_id=g.participants[0].id,
                status=AttendanceStatus.PRESENT,
            ),
            Attendance(
                session_id=g.session("intro").id,
                user_id=g.participants[1].id,
                status=AttendanceStatus.EXCUSED,
            ),
        ]
    )
    db.session.commit()
    hand_in(g.enrolments[1], "jij-op-je-best")
    # Fill the seats and put one person on the waitlist.
    g.cohort.capacity = 4
    cohort_services.sign_up(g.cohort, make_user(Role.PARTICIPANT, name="Vierde Persoon"))
    cohort_services.sign_up(g.cohort, make_user(Role.PARTICIPANT, name="Wacht Rij"))
    db.session.commit()
    return g


def test_csv_for_dutch_excel_and_xlsx_with_safe_cells_attendance_and_hand_ins(
    client, login_as, roster_group
):
    g = roster_group
    login_as(g.facilitator)
    page = client.get(f"/cohorten/{g.cohort.id}").text
    assert "Deelnemerslijst exporteren" in page and "Presentielijst afdrukken (PDF)" in page
    response = client.get(f"/cohorten/{g.cohort.id}/deelnemerslijst.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    lines = text.splitlines()
    header = lines[0].split(";")
    assert header[:5] == ["Naam", "E-mailadres", "Afdeling", "Status", "Plek op de wachtlijst"]
    assert any(h.startswith("Aanwezigheid: Introductiesessie") for h in header)
    assert "Ingeleverd: Jij op je best" in " ".join(header) or any(
        h.startswith("Ingeleverd: ") for h in header
    )
    by_name = {line.split(";")[0].strip('"'): line for line in lines[1:]}
    evil = next(line for name, line in by_name.items() if "HYPERLINK" in name)
    assert evil.startswith("\"'=HYPERLINK")  # quoted, never a formula
    assert "Aanwezig" in evil
    sahin = by_name["Şahin Yılmaz"]
    assert "Afwezig (met bericht)" in sahin or "Afwezig" in sahin
    assert "Ingeleverd" in sahin.split(";", 5)[5]
    waiting = by_name["Wacht Rij"].split(";")
    assert waiting[3] == "Op de wachtlijst" and waiting[4] == "1"

    response = client.get(f"/cohorten/{g.cohort.id}/deelnemerslijst.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Naam"
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)
    assert any(row[0] == "Wacht Rij" and row[4] == 1 for row in rows)


def test_printable_attendance_list_in_unicode_for_the_coach_only(
    client, login_as, roster_group, make_user, make_org
):
    g = roster_group
    login_as(g.facilitator)
    response = client.get(f"/cohorten/{g.cohort.id}/presentielijst.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Presentielijst" in text and "Şahin Yılmaz" in text and "Vierde Persoon" in text
    assert "Wacht Rij" not in text  # the waitlist is not on the attendance list
    assert client.get(f"/cohorten/{g.cohort.id}/deelnemerslijst.exe").status_code == 404

    # Other coaches, also of another organisation, get nothing.
    others = [
        make_user(Role.FACILITATOR),
        make_user(Role.FACILITATOR, organisation=make_org("Elders")),
    ]
    for person in others:
        login_as(person)
        for path in ("deelnemerslijst.csv", "deelnemerslijst.xlsx", "presentielijst.pdf"):
            assert client.get(f"/cohorten/{g.cohort.id}/{path}").status_code == 404


def test_the_export_takes_a_fixed_number_of_queries(client, login_as, make_group):
    def count(g) -> int:
        login_as(g.facilitator)
        seen = []

        def listener(*args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/cohorten/{g.cohort.id}/deelnemerslijst.csv").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    small, large = make_group(size=1), make_group(size=4)
    assert count(small) == count(large)
