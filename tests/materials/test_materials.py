"""Session materials through the pages: upload (type by content), visibility, safe downloads,
who may see them, and retention."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnpath.accounts.models import Role
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.materials import filetypes, services
from learnpath.materials.models import MaterialContent, SessionMaterial, Visibility
from learnpath.privacy import services as privacy

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office(main_part: str, *more: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name in (main_part, *more):
            archive.writestr(name, "<doc/>")
    return buffer.getvalue()


def url(session):
    return f"/sessies/{session.id}/materialen"


def upload(client, session, data, name="slides.pdf", title="Dia's", visibility="before", **extra):
    return client.post(
        url(session),
        data={
            "file-title": title,
            "file-file": (io.BytesIO(data), name, extra.get("content_type", "application/pdf")),
            "file-visibility": visibility,
            "file-submit": "1",
        },
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, filetypes.PDF),
        (PNG, filetypes.PNG),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 16, filetypes.JPEG),
        (b"GIF89a" + b"\x00" * 8, filetypes.GIF),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", filetypes.WEBP),
        (office("word/document.xml"), filetypes.DOCX),
        (office("ppt/presentation.xml"), filetypes.PPTX),
        (office("xl/workbook.xml"), None),  # a spreadsheet is no presentation
        (office("word/document.xml", "word/vbaProject.bin"), None),  # macros
        (b"PK\x03\x04 not really a zip", None),
        (b"<html><script>alert(1)</script>", None),
        (b"MZ\x90\x00 an executable", None),
    ],
)
def test_the_type_is_judged_by_content(data, expected):
    found = filetypes.sniff(data)
    assert (found.content_type if found else None) == expected


def test_facilitator_uploads_a_file_and_a_participant_downloads_it_safely(client, login_as, group):
    session = group.sessions[0]
    login_as(group.facilitator)
    response = upload(client, session, PDF, name="../../etc/Intro sessie.exe")
    assert response.status_code == 302
    page = client.get(url(session)).get_data(as_text=True)
    assert "Dia&#39;s" in page
    material = db.session.scalars(select(SessionMaterial)).one()
    assert material.content_type == filetypes.PDF
    assert material.filename == "Intro-sessie.pdf"  # the real type's extension, no path

    login_as(group.participants[0])
    page = client.get(url(session)).get_data(as_text=True)
    assert "Dia&#39;s" in page
    download = client.get(f"/materialen/{material.id}/bestand")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="Intro-sessie.pdf"'
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_renamed_or_too_large_file_is_refused_and_the_form_keeps_the_title(
    client, login_as, make_group, monkeypatch
):
    group = make_group(size=1)
    login_as(group.facilitator)
    response = upload(
        client, group.sessions[0], b"<html>hi</html>", name="notes.pdf", title="Mijn titel"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Mijn titel" in page
    assert "PDF, PowerPoint" in page
    monkeypatch.setattr(services, "MAX_BYTES", 1024)
    too_large = upload(client, group.sessions[0], PDF + b"x" * 2048, title="Groot")
    assert too_large.status_code == 200 and "Groot" in too_large.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SessionMaterial)) == 0


def test_links_are_https_only(client, login_as, make_group):
    group = make_group(size=1)
    login_as(group.facilitator)
    session = group.sessions[0]
    bad = client.post(
        url(session),
        data={"link-title": "Video", "link-url": "javascript:alert(1)", "link-submit": "1"},
    )
    assert bad.status_code == 200
    assert "https://" in bad.get_data(as_text=True)
    good = client.post(
        url(session),
        data={
            "link-title": "Video",
            "link-url": "https://video.example.nl/les",
            "link-visibility": "before",
            "link-submit": "1",
        },
    )
    assert good.status_code == 302
    login_as(group.participants[0])
    assert "https://video.example.nl/les" in client.get(url(session)).get_data(as_text=True)


def test_participants_see_materials_from_the_chosen_moment(client, login_as, group):
    session = group.sessions[0]
    material = services.add_file(
        session, group.facilitator, "Na afloop", services.Upload("a.pdf", PDF), Visibility.AFTER
    )
    db.session.commit()
    login_as(group.participants[0])
    assert "Na afloop" not in client.get(url(session)).get_data(as_text=True)
    assert client.get(f"/materialen/{material.id}/bestand").status_code == 404

    session = db.session.merge(session)
    session.starts_at = utcnow() - timedelta(hours=5)
    db.session.commit()
    assert "Na afloop" in client.get(url(session)).get_data(as_text=True)
    assert client.get(f"/materialen/{material.id}/bestand").status_code == 200


def test_other_cohorts_and_participants_cannot_post_or_read(client, login_as, group, make_group):
    other = make_group(size=1)
    session = group.sessions[0]
    material = services.add_file(
        session, group.facilitator, "Intern", services.Upload("a.pdf", PDF), Visibility.BEFORE
    )
    db.session.commit()
    login_as(other.participants[0])
    assert client.get(url(session)).status_code == 404
    assert client.get(f"/materialen/{material.id}/bestand").status_code == 404
    login_as(other.facilitator)
    assert client.get(url(session)).status_code == 404
    assert client.get(f"/materialen/{material.id}/verwijderen").status_code == 404
    login_as(group.participants[0])
    assert upload(client, session, PDF).status_code == 403


def test_removing_asks_first_and_deletes_the_file(client, login_as, make_group):
    group = make_group(size=1)
    session = group.sessions[0]
    material = services.add_file(
        session, group.facilitator, "Weg", services.Upload("a.pdf", PDF), Visibility.BEFORE
    )
    db.session.commit()
    login_as(group.facilitator)
    confirm = client.get(f"/materialen/{material.id}/verwijderen")
    assert confirm.status_code == 200 and "Weg" in confirm.get_data(as_text=True)
    assert client.post(f"/materialen/{material.id}/verwijderen").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(MaterialContent)) == 0
    assert db.session.scalar(select(func.count()).select_from(SessionMaterial)) == 0


def test_erasure_keeps_the_groups_materials_and_retention_removes_them(make_group, make_user):
    group = make_group(size=1)
    session = group.sessions[0]
    services.add_file(
        session, group.facilitator, "Dia's", services.Upload("a.pdf", PDF), Visibility.BEFORE
    )
    services.add_link(
        session,
        group.facilitator,
        f"Uitleg van {group.facilitator.name}",
        "https://video.example.nl",
        Visibility.AFTER,
    )
    db.session.commit()
    privacy.erase(group.facilitator, make_user(Role.ADMIN))
    db.session.commit()
    titles = set(db.session.scalars(select(SessionMaterial.title)))
    assert "Dia's" in titles and f"Uitleg van {privacy.REDACTED}" in titles
    assert db.session.scalar(select(func.count()).select_from(MaterialContent)) == 1

    privacy.clear_rows(privacy.group_rows([group.cohort.id]))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SessionMaterial)) == 0
    assert db.session.scalar(select(func.count()).select_from(MaterialContent)) == 0
