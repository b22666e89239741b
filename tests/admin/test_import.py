"""Bulk import from CSV and XLSX: preview, per-row report, one bad row never stops the batch,
idempotent on re-import."""

from __future__ import annotations

import html
import io
import json
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from learnpath.accounts.models import Department, Role, User
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.privacy.models import AuditAction, AuditEvent

CSV = """naam;e-mail;afdeling;leidinggevende;rollen
Mila Manager;mila@testdorp.nl;Sociaal Domein;;"leidinggevende;deelnemer"
Ties Team;ties@testdorp.nl;Sociaal Domein;mila@testdorp.nl;deelnemer
Fout Adres;geen-adres;Sociaal Domein;;deelnemer
Dubbel;ties@testdorp.nl;;;
Onbekend Baas;ub@testdorp.nl;Bedrijfsvoering;niemand@testdorp.nl;
Vreemde Rol;vr@testdorp.nl;;;koning
Van Elders;elders@example.org;;;
Laat Baas;laat@testdorp.nl;;zoe@testdorp.nl;
Zoe Later;zoe@testdorp.nl;Openbaar gebied;;leidinggevende
"""


def upload(client, content: bytes, filename="mensen.csv", invite=True):
    data = {"file": (io.BytesIO(content), filename)}
    if invite:
        data["invite"] = "y"
    return client.post(
        "/beheer/gebruikers/importeren", data=data, content_type="multipart/form-data"
    )


def confirm(client, preview_html: str):
    rows = re.search(r'name="rows" type="hidden" value="([^"]*)"', preview_html)
    return client.post(
        "/beheer/gebruikers/importeren/uitvoeren", data={"rows": html.unescape(rows.group(1))}
    )


def users_of(org) -> dict[str, User]:
    return {
        u.email: u for u in db.session.scalars(select(User).where(User.organisation_id == org.id))
    }


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_preview_then_import_with_a_report_per_row(client, make_user, make_org, login_as, org):
    admin = make_user(Role.ADMIN)
    make_user(Role.PARTICIPANT, organisation=make_org(), email="elders@example.org")
    login_as(admin)
    before = (count(User), count(Department), count(OutboxMessage), count(AuditEvent))

    preview = upload(client, CSV.encode())
    assert preview.status_code == 200
    text = preview.text
    assert "Controle: dit gaat de import doen" in text
    assert "5 nieuw, 0 gewijzigd, 0 ongewijzigd, 4 overgeslagen." in text
    assert "Geen geldig e-mailadres: geen-adres" in text
    assert "Dit adres staat al op een eerdere rij." in text
    assert "Onbekende rol: koning" in text
    assert "Er bestaat al een account met dit e-mailadres." in text
    assert "niemand in de organisatie heeft het adres niemand@testdorp.nl" in text
    assert "Nieuwe afdelingen: Sociaal Domein, Openbaar gebied" in text
    # The preview saved and sent nothing.
    db.session.expire_all()
    assert (count(User), count(Department), count(OutboxMessage), count(AuditEvent)) == before

    done = confirm(client, text)
    assert done.status_code == 200
    assert "Import uitgevoerd" in done.text
    assert "5 nieuw, 0 gewijzigd, 0 ongewijzigd, 4 overgeslagen." in done.text
    db.session.expire_all()
    people = users_of(org)
    assert {"mila@testdorp.nl", "ties@testdorp.nl", "ub@testdorp.nl", "laat@testdorp.nl"} <= set(
        people
    )
    assert "geen-adres" not in people and "vr@testdorp.nl" not in people
    mila, ties = people["mila@testdorp.nl"], people["ties@testdorp.nl"]
    assert mila.roles == {Role.MANAGER, Role.PARTICIPANT}
    assert ties.manager_id == mila.id
    assert ties.department.name == "Sociaal Domein"
    # A manager further down the file is found as well.
    assert people["laat@testdorp.nl"].manager_id == people["zoe@testdorp.nl"].id
    assert people["ub@testdorp.nl"].manager_id is None
    # Invitations went out and were audited; the other organisation's account is untouched.
    invited = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == AuditAction.USER_INVITED.value)
    )
    assert invited == 5
    assert count(OutboxMessage) == before[2] + 5
    elders = db.session.scalar(select(User).where(User.email == "elders@example.org"))
    assert elders.organisation_id != org.id

    # The same file again changes nothing.
    again = upload(client, CSV.encode())
    assert "0 nieuw, 0 gewijzigd, 5 ongewijzigd, 4 overgeslagen." in again.text
    confirm(client, again.text)
    db.session.expire_all()
    assert count(OutboxMessage) == before[2] + 5
    assert len(users_of(org)) == len(people)


def test_a_changed_file_updates_name_department_roles_and_manager(client, make_user, login_as, org):
    admin = make_user(Role.ADMIN)
    boss = make_user(Role.MANAGER, email="baas@testdorp.nl", name="Baas")
    person = make_user(Role.PARTICIPANT, email="p@testdorp.nl", name="Oude Naam")
    login_as(admin)
    content = (
        "Name,Email,Department,Manager,Roles\n"
        "Nieuwe Naam,P@testdorp.nl,Bedrijfsvoering,baas@testdorp.nl,participant;facilitator\n"
        f"{boss.name},{boss.email},,,\n"
    ).encode()
    preview = upload(client, content, invite=False)
    assert "0 nieuw, 1 gewijzigd, 1 ongewijzigd, 0 overgeslagen." in preview.text
    confirm(client, preview.text)
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.name == "Nieuwe Naam"
    assert person.manager_id == boss.id
    assert person.roles == {Role.PARTICIPANT, Role.FACILITATOR}
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_user_id == person.id))
    )
    assert actions == {AuditAction.USER_DETAILS_CHANGED.value, AuditAction.USER_ROLES_CHANGED.value}
    # The import follows the same rules as the pages: the admin keeps their own role.
    own = upload(client, f"naam,e-mail,rollen\nIk,{admin.email},deelnemer\n".encode())
    assert "eigen beheerdersrol" in own.text


def test_xlsx_import_and_unreadable_files(client, make_user, login_as, org):
    login_as(make_user(Role.ADMIN))
    book = Workbook()
    sheet = book.active
    sheet.append(["Naam", "E-mailadres", "Afdeling", "Taal"])
    sheet.append(["Excel Mens", "excel@testdorp.nl", "Bedrijfsvoering", "en"])
    sheet.append([None, None, None, None])
    sheet.append(["Zonder Adres", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = upload(client, buffer.getvalue(), filename="mensen.xlsx", invite=False)
    assert "1 nieuw, 0 gewijzigd, 0 ongewijzigd, 1 overgeslagen." in preview.text
    assert "Geen geldig e-mailadres: —" in preview.text
    confirm(client, preview.text)
    db.session.expire_all()
    excel = db.session.scalar(select(User).where(User.email == "excel@testdorp.nl"))
    assert excel.locale == "en" and excel.department.name == "Bedrijfsvoering"

    broken = upload(client, b"PK\x03\x04 not really a workbook", filename="kapot.xlsx")
    assert broken.status_code == 400
    assert "Dit bestand is niet te lezen" in broken.text
    no_header = upload(client, b"a,b\n1,2\n")
    assert no_header.status_code == 400
    assert "minstens" in no_header.text
    wrong_type = upload(client, b"naam,e-mail\n", filename="mensen.exe")
    assert wrong_type.status_code == 400
    tampered = client.post(
        "/beheer/gebruikers/importeren/uitvoeren", data={"rows": json.dumps({"a": 1})}
    )
    assert tampered.status_code == 400
    assert "niet ontvangen" in tampered.text


def test_a_cell_with_a_line_break_skips_only_its_row(client, make_user, login_as, org):
    login_as(make_user(Role.ADMIN))
    content = b'naam,e-mail\n"Twee\nRegels",twee@testdorp.nl\nGoed,goed@testdorp.nl\n'
    preview = upload(client, content, invite=False)
    assert "1 nieuw, 0 gewijzigd, 0 ongewijzigd, 1 overgeslagen." in preview.text
    assert "regeleinde" in preview.text


def test_the_command_line_imports_with_the_same_report(runner, make_user, org, tmp_path):
    admin = make_user(Role.ADMIN, email="beheer@testdorp.nl")
    path = tmp_path / "mensen.csv"
    path.write_text(CSV, encoding="utf-8")
    dry = runner.invoke(args=["admin", "import-users", str(path), "--as", admin.email, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would import: 6 created, 0 updated, 0 unchanged, 3 skipped" in dry.output
    assert "row 4 geen-adres: skipped" in dry.output
    assert "mila@testdorp.nl" not in users_of(org)
    done = runner.invoke(args=["admin", "import-users", str(path), "--as", admin.email])
    assert "Imported: 6 created" in done.output
    db.session.expire_all()
    assert "mila@testdorp.nl" in users_of(org)
    refused = runner.invoke(args=["admin", "import-users", str(path), "--as", "niemand@x.nl"])
    assert refused.exit_code != 0
