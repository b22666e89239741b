"""The admin and privacy user lists: paged, searchable, the same cost whatever the size of the
organisation or of the other organisations (issue 17 goal 3, issue 18 point 4)."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from learnpath.accounts.models import Department, Role, User, UserRole
from learnpath.extensions import db

PAGE_LIMIT_BYTES = 100_000


@contextmanager
def count_queries():
    counter = {"n": 0}

    def before(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def add_people(organisation, n, *, prefix="Mens", departments=None, managers_every=10):
    """n users in bulk (with long names, to make the page as heavy as real data)."""
    departments = departments or organisation.departments
    users = []
    for i in range(n):
        users.append(
            User(
                organisation_id=organisation.id,
                department_id=departments[i % len(departments)].id,
                email=f"{prefix.lower()}{i}.{organisation.slug}@voorbeeld-gemeente-met-lange-naam.nl",
                name=f"{prefix} {i:05d} van Achternaam-Dubbelnaam",
                password_hash="x",
            )
        )
    db.session.add_all(users)
    db.session.flush()
    rows = [UserRole(user_id=u.id, role=Role.PARTICIPANT) for u in users]
    rows += [UserRole(user_id=u.id, role=Role.MANAGER) for u in users[::managers_every]]
    db.session.add_all(rows)
    db.session.commit()
    return users


def table_rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>", body)


@pytest.mark.parametrize("path", ["/beheer/gebruikers", "/privacy/gebruikers"])
def test_a_large_organisation_is_paged_with_a_constant_number_of_queries(
    client, make_user, make_org, login_as, org, path
):
    admin = make_user(Role.ADMIN, name="Aaa Beheerder")
    for i in range(4):
        org.departments.append(Department(name=f"Afdeling met een lange naam {i}"))
    db.session.commit()
    add_people(org, 60)
    login_as(admin)
    client.get(path)  # warm up the caches (templates, translations)
    with count_queries() as small:
        small_page = client.get(path)
    assert small_page.status_code == 200

    add_people(org, 1100, prefix="Groot")
    add_people(make_org(), 800, prefix="Elders")
    with count_queries() as large:
        first = client.get(path)
    assert first.status_code == 200
    assert large["n"] == small["n"], "the page's query count grows with the data"
    assert len(first.data) < PAGE_LIMIT_BYTES, f"{len(first.data)} bytes"
    assert len(table_rows(first.text)) == 50
    assert "1–50 van 1161 mensen" in first.text
    assert "Pagina 1 van 24" in first.text
    assert "Elders" not in first.text

    with count_queries() as later:
        last = client.get(f"{path}?page=24")
    assert later["n"] == small["n"]
    assert len(table_rows(last.text)) == 11
    assert "1151–1161 van 1161 mensen" in last.text
    assert 'rel="prev"' in last.text and 'rel="next"' not in last.text
    # A page past the end shows the last page, not an error.
    assert "1151–1161" in client.get(f"{path}?page=999").text
    assert client.get(f"{path}?page=abc&department=x&role=koning").status_code == 200


def test_search_by_name_email_department_role_and_status(
    client, make_user, make_org, login_as, org
):
    admin = make_user(Role.ADMIN, name="Beheerder")
    sociaal = Department(name="Sociaal Domein", organisation=org)
    db.session.add(sociaal)
    db.session.commit()
    anna = make_user(Role.PARTICIPANT, name="Anna de Vries", email="anna@testdorp.nl")
    bram = make_user(Role.MANAGER, name="Bram Jansen", email="b.jansen@testdorp.nl")
    bram.department = sociaal
    invited = make_user(Role.FACILITATOR, name="Carla Nieuw", active=False)
    gone = make_user(Role.PARTICIPANT, name="Dirk Weg")
    gone.is_active_account = False
    db.session.commit()
    make_user(Role.PARTICIPANT, organisation=make_org(), name="Anna Elders")
    login_as(admin)

    def names(**args):
        page = client.get("/beheer/gebruikers", query_string=args).text
        page = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
        return [
            n
            for n in ("Anna de Vries", "Bram Jansen", "Carla Nieuw", "Dirk Weg", "Anna Elders")
            if n in page
        ]

    assert names(q="anna") == ["Anna de Vries"]
    assert names(q="B.JANSEN@") == ["Bram Jansen"]
    assert names(q="sociaal") == ["Bram Jansen"]
    assert names(department=sociaal.id) == ["Bram Jansen"]
    assert names(role="manager") == ["Bram Jansen"]
    assert names(status="invited") == ["Carla Nieuw"]
    assert names(status="deactivated") == ["Dirk Weg"]
    assert "Anna de Vries" in names(status="active") and "Dirk Weg" not in names(status="active")
    # LIKE wildcards are searched for literally.
    assert names(q="%") == []
    no_one = client.get("/beheer/gebruikers", query_string={"q": "zzz"}).text
    assert "Niemand voldoet aan deze zoekopdracht." in no_one
    # A line break in the search is refused with a message, not a 500.
    broken = client.get("/beheer/gebruikers", query_string={"q": "a\nb"})
    assert broken.status_code == 200
    assert "zonder regeleinden" in broken.text
    privacy = client.get("/privacy/gebruikers", query_string={"q": "jansen"}).text
    assert "Bram Jansen" in privacy and "Anna de Vries" not in privacy
    assert invited and anna


def test_the_list_downloads_as_csv_with_formula_cells_escaped(client, make_user, login_as):
    admin = make_user(Role.ADMIN, name="Beheerder")
    boss = make_user(Role.MANAGER, name="Baas", email="baas@example.org")
    make_user(Role.PARTICIPANT, name='=HYPERLINK("http://x")', manager=boss)
    login_as(admin)
    response = client.get("/beheer/gebruikers/export.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0] == "naam,e-mail,afdeling,leidinggevende,rollen,status"
    assert any(line.startswith("\"'=HYPERLINK") for line in lines)
    assert any("baas@example.org" in line and "HYPERLINK" in line for line in lines)
    only = client.get("/beheer/gebruikers/export.csv?role=manager").get_data(as_text=True)
    assert "Baas" in only and "HYPERLINK" not in only
