"""Certificates of participation: earned by attendance at the sessions the programme requires
(content) once the cohort is completed; in the participant's language; for them and their
coach only."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest

from learnpath.accounts.models import Role
from learnpath.cohorts.models import Attendance, AttendanceStatus, EnrolmentStatus
from learnpath.content import check_content
from learnpath.db import utcnow
from learnpath.extensions import db

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("intro", "verdieping", "actie")


@pytest.fixture
def finished(make_group):
    """A completed cohort of three: 0 attended all, 1 was excused once, 2 attended all (English)."""
    g = make_group(size=3)
    g.participants[0].name = "Şahin Yılmaz"
    g.participants[2].locale = "en"
    g.move_sessions(utcnow() - timedelta(days=40))
    marks = {0: {}, 1: {"verdieping": AttendanceStatus.EXCUSED}, 2: {}}
    for i, person in enumerate(g.participants):
        for slug in REQUIRED:
            status = marks[i].get(slug, AttendanceStatus.PRESENT)
            db.session.add(
                Attendance(session_id=g.session(slug).id, user_id=person.id, status=status)
            )
    for e in g.enrolments:
        e.status, e.active_user_id, e.ended_at = EnrolmentStatus.COMPLETED, None, utcnow()
    db.session.commit()
    return g


def _text(data: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_participant_downloads_their_certificate_in_their_language(client, login_as, finished):
    g = finished
    login_as(g.participants[0])
    page = client.get("/mijn-traject").text
    assert "Deelnamecertificaat" in page or "Certificaat downloaden (PDF)" in page
    response = client.get(f"/mijn-traject/{g.enrolments[0].id}/certificaat.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    assert "Deelnamecertificaat" in text and "Şahin Yılmaz" in text and "Introductiesessie" in text

    login_as(g.participants[2])
    english = _text(client.get(f"/mijn-traject/{g.enrolments[2].id}/certificaat.pdf").data)
    assert "Certificate of participation" in english and "Introductory session" in english


def test_excused_is_not_attended_and_nobody_else_gets_one(
    client, login_as, finished, make_user, make_org
):
    g = finished
    login_as(g.participants[1])
    assert "Certificaat downloaden" not in client.get("/mijn-traject").text
    assert client.get(f"/mijn-traject/{g.enrolments[1].id}/certificaat.pdf").status_code == 404
    # Someone else's certificate: not theirs to download.
    assert client.get(f"/mijn-traject/{g.enrolments[0].id}/certificaat.pdf").status_code == 404

    login_as(g.facilitator)
    page = client.get(f"/cohorten/{g.cohort.id}").text
    assert "Deelnamecertificaten" in page
    assert "Şahin Yılmaz" in page.split("Deelnamecertificaten", 1)[1]
    ok = client.get(f"/cohorten/{g.cohort.id}/certificaten/{g.enrolments[0].id}.pdf")
    assert ok.status_code == 200 and "Şahin Yılmaz" in _text(ok.data)
    assert (
        client.get(f"/cohorten/{g.cohort.id}/certificaten/{g.enrolments[1].id}.pdf").status_code
        == 404
    )
    for stranger in (
        make_user(Role.FACILITATOR),
        make_user(Role.FACILITATOR, organisation=make_org("Elders")),
    ):
        login_as(stranger)
        url = f"/cohorten/{g.cohort.id}/certificaten/{g.enrolments[0].id}.pdf"
        assert client.get(url).status_code == 404

    # Present everywhere, but the cohort is not completed (yet): no certificate.
    g.enrolments[2].status = EnrolmentStatus.ENROLLED
    db.session.commit()
    login_as(g.participants[2])
    assert client.get(f"/mijn-traject/{g.enrolments[2].id}/certificaat.pdf").status_code == 404


def test_the_rule_names_sessions_of_the_programme(tmp_path):
    for directory in ("modules", "assignments"):
        shutil.copytree(ROOT / directory, tmp_path / directory)
    path = tmp_path / "modules/programmes/loopbaantraject.toml"
    text = path.read_text(encoding="utf-8")
    assert 'certificate_sessions = ["intro", "verdieping", "actie"]' in text
    path.write_text(
        text.replace('["intro", "verdieping", "actie"]', '["intro", "slotsessie"]'),
        encoding="utf-8",
    )
    problems = [
        (p.file, p.field)
        for p in check_content(tmp_path)
        if p.file.endswith("loopbaantraject.toml")
    ]
    assert problems == [("modules/programmes/loopbaantraject.toml", "certificate_sessions[1]")]
