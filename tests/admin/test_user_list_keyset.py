"""The user lists page by key (issue 18, 30 ms a page for 5,400 people): "next" and "previous"
carry the name and id of the last or first person shown, so a deep page reads the index instead
of sorting the organisation; the address stays shareable, and a tampered key shows the first
page, never an error. PostgreSQL serves the text search by trigram indexes (migration 0037)."""

from __future__ import annotations

import html
import random
import re

import pytest
from sqlalchemy import text

from learnpath.accounts import directory
from learnpath.accounts.models import Department, Role, User
from learnpath.extensions import db
from tests.admin.test_user_list import add_people, count_queries
from tests.conftest import is_postgres
from tests.security.test_fuzz import HOSTILE

PATHS = ["/beheer/gebruikers", "/privacy/gebruikers"]


def _names(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    cells = re.findall(r"<tr>\s*<t[dh][^>]*>([^<]*)</t[dh]>", body)
    return [html.unescape(n) for n in cells]


def _link(page: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def people(make_user, org):
    """An administrator and 160 people, some with the same name (the id keeps them apart)."""
    admin = make_user(Role.ADMIN, name="Aaa Beheerder")
    org.departments.append(Department(name="Sociaal Domein"))
    db.session.commit()
    add_people(org, 100)
    add_people(org, 59, prefix="Zelfde", managers_every=7)
    twins = [User(organisation_id=org.id, email=f"tw{i}@x.nl", name="Tweeling") for i in range(3)]
    db.session.add_all(twins)
    db.session.commit()
    return admin


@pytest.mark.parametrize("path", PATHS)
def test_next_and_previous_walk_every_person_once_with_page_numbers(client, login_as, people, path):
    login_as(people)
    everyone = sorted(
        (
            (u.name, u.id)
            for u in db.session.query(User).filter_by(organisation_id=people.organisation_id)
        ),
    )
    client.get(path)  # warm up
    with count_queries() as first_page:
        page = client.get(path).text
    seen: list[str] = []
    pages = []
    url: str | None = path
    while url:
        with count_queries() as counted:
            page = client.get(url).text
        assert counted["n"] == first_page["n"], url  # a deep page costs what the first costs
        pages.append((url, page))
        seen += _names(page)
        url = _link(page, "next")
        if url:
            assert "after=" in url and "page=" not in url
    assert seen == [name for name, _ in everyone]  # in order, nobody twice or left out
    assert len(pages) == 4
    for number, (_url, page) in enumerate(pages, start=1):
        assert f"Pagina {number} van 4" in page
    assert "151–163 van 163 mensen" in pages[-1][1]

    # Back from the last page by "previous": the same pages; page 2's previous is page 1 itself.
    url = _link(pages[-1][1], "prev")
    back = []
    while url:
        page = client.get(url).text
        back.append(_names(page))
        url = _link(page, "prev")
        if url and "before=" not in url:
            assert url == path  # the first page has no key
    assert [n for names in reversed(back) for n in names] == seen[:150]


def test_a_key_keeps_the_search_and_a_search_link_drops_the_key(client, login_as, people):
    login_as(people)
    page = client.get("/beheer/gebruikers", query_string={"q": "zelfde", "role": "manager"}).text
    assert "1–9 van 9 mensen" in page and _link(page, "next") is None
    page = client.get("/beheer/gebruikers", query_string={"q": "mens"}).text
    nxt = _link(page, "next")
    assert nxt and "q=mens" in nxt and "after=" in nxt
    second = client.get(nxt).text
    assert "51–100 van 100 mensen" in second and "Pagina 2 van 2" in second
    # The download and "show everyone" are the search without its position.
    download = re.search(r'href="([^"]+)" download', second)
    assert download and "after=" not in download.group(1) and "q=mens" in download.group(1)


def test_a_key_past_the_end_or_before_the_start_gives_the_last_or_first_page(
    client, login_as, people
):
    login_as(people)
    last = directory.encode_key(User(id=2**31 - 1, name="\uffff"))
    assert "151–163 van 163 mensen" in client.get(f"/beheer/gebruikers?after={last}").text
    first = directory.encode_key(User(id=1, name=""))
    assert "1–50 van 163 mensen" in client.get(f"/beheer/gebruikers?before={first}").text
    # A key of someone removed since still pages from where they were.
    gone = directory.encode_key(User(id=2**31 - 2, name="Mens 00049 van Achternaam-Dubbelnaam"))
    page = client.get(f"/beheer/gebruikers?after={gone}").text
    assert _names(page)[0] == "Mens 00050 van Achternaam-Dubbelnaam"


@pytest.mark.parametrize("name", ["after", "before", "page", "q", "department", "role"])
def test_hostile_paging_values_show_the_first_page_never_an_error(client, login_as, people, name):
    login_as(people)
    rng = random.Random(18)
    values = [v for kind in HOSTILE.values() for v in kind]
    values += [
        "1-",
        "-1-QQ",
        "0-QQ",
        "99999999999-QQ",
        "1-!!",
        "1-_w",  # not UTF-8
        "1-" + "A" * 401,
        "1-" + directory.encode_key(User(id=1, name="a\nb")).split("-", 1)[1],  # a line break
        "1-QQ-QQ",
        "1-QQ=",
        directory.encode_key(User(id=1, name="x" * 201)),
    ]
    for value in rng.sample(values, min(len(values), 30)):
        response = client.get("/beheer/gebruikers", query_string={name: value})
        assert response.status_code == 200, (name, value)
        if name in ("after", "before"):
            assert "1–50 van 163 mensen" in response.text, value


@pytest.mark.parametrize(
    "value",
    ["Mens 00001", 'o\'brien "x" %_/', "\u00e9\u00e8 \U0001f600", "", "x" * 200],
)
def test_keys_read_back_what_they_carry(value):
    key = directory.encode_key(User(id=12345, name=value))
    assert re.fullmatch(r"[0-9A-Za-z_-]+", key)
    assert directory.decode_key(key) == (value, 12345)


def test_the_department_name_matches_with_and_without_the_loaded_departments(make_user, org):
    sociaal = Department(name="Sociaal Domein", organisation=org)
    db.session.add(sociaal)
    db.session.commit()
    bram = make_user(Role.PARTICIPANT, name="Bram", email="b@testdorp.nl")
    bram.department = sociaal
    make_user(Role.PARTICIPANT, name="Anna", email="a@testdorp.nl")
    db.session.commit()
    wanted = directory.UserFilter(text="SOCIAAL dom")
    loaded = directory.search(org.id, wanted, departments=[(sociaal.id, sociaal.name)])
    asked = directory.search(org.id, wanted)
    assert [u.name for u in loaded.users] == [u.name for u in asked.users] == ["Bram"]
    assert directory.search(org.id, wanted, departments=[]).total == 0
    exported = db.session.scalars(directory.matching(org.id, wanted)).unique().all()
    assert [u.name for u in exported] == ["Bram"]


@pytest.mark.skipif(not is_postgres(), reason="trigram indexes exist on PostgreSQL only")
def test_postgresql_has_trigram_indexes_for_the_search(app):
    rows = db.session.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'users'")
    ).all()
    defs = {name: definition for name, definition in rows}
    assert "gin_trgm_ops" in defs["ix_users_name_trgm"] and "lower" in defs["ix_users_name_trgm"]
    assert "gin_trgm_ops" in defs["ix_users_email_trgm"]
