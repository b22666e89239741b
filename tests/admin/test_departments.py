"""The departments page: create, rename, merge and delete (with confirmation)."""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import Department, Role, User
from learnpath.extensions import db


def names(org) -> list[str]:
    return list(
        db.session.scalars(
            select(Department.name)
            .where(Department.organisation_id == org.id)
            .order_by(Department.name)
        )
    )


def test_admin_creates_and_renames_departments(client, make_user, login_as, org):
    login_as(make_user(Role.ADMIN))
    page = client.get("/beheer/afdelingen")
    assert page.status_code == 200 and "Bedrijfsvoering" in page.text
    assert (
        client.post("/beheer/afdelingen", data={"name": "  Sociaal   Domein "}).status_code == 302
    )
    assert names(org) == ["Bedrijfsvoering", "Sociaal Domein"]
    taken = client.post("/beheer/afdelingen", data={"name": "sociaal domein"})
    assert taken.status_code == 400
    assert "Er is al een afdeling met de naam" in taken.text
    assert 'value="sociaal domein"' in taken.text
    empty = client.post("/beheer/afdelingen", data={"name": "\n"})
    assert empty.status_code == 400
    sociaal = db.session.scalar(select(Department).where(Department.name == "Sociaal Domein"))
    client.post(f"/beheer/afdelingen/{sociaal.id}", data={"name": "Maatschappelijk domein"})
    assert names(org) == ["Bedrijfsvoering", "Maatschappelijk domein"]
    clash = client.post(f"/beheer/afdelingen/{sociaal.id}", data={"name": "BEDRIJFSVOERING"})
    assert clash.status_code == 400
    assert names(org) == ["Bedrijfsvoering", "Maatschappelijk domein"]


def test_deleting_a_department_with_people_asks_where_they_go(client, make_user, login_as, org):
    login_as(make_user(Role.ADMIN))
    old = org.departments[0]
    target = Department(name="Ruimtelijk domein", organisation=org)
    db.session.add(target)
    db.session.commit()
    people = [make_user(Role.PARTICIPANT) for _ in range(3)]  # in "Bedrijfsvoering"
    confirm = client.get(f"/beheer/afdelingen/{old.id}/verwijderen")
    assert confirm.status_code == 200
    assert "Er zitten 4 mensen in deze afdeling" in confirm.text  # the 3 and the admin
    assert "Samenvoegen met Ruimtelijk domein" in confirm.text
    assert names(org) == ["Bedrijfsvoering", "Ruimtelijk domein"]  # asking deletes nothing
    into_itself = client.post(f"/beheer/afdelingen/{old.id}/verwijderen", data={"into": old.id})
    assert into_itself.status_code == 400
    merged = client.post(f"/beheer/afdelingen/{old.id}/verwijderen", data={"into": target.id})
    assert merged.status_code == 302
    assert names(org) == ["Ruimtelijk domein"]
    db.session.expire_all()
    assert {db.session.get(User, p.id).department_id for p in people} == {target.id}
    # An empty department goes without a choice; people of a deleted one can have none.
    client.post(f"/beheer/afdelingen/{target.id}/verwijderen", data={"into": 0})
    assert names(org) == []
    db.session.expire_all()
    assert {db.session.get(User, p.id).department_id for p in people} == {None}
    assert "Er zijn nog geen afdelingen." in client.get("/beheer/afdelingen").text


def test_another_organisations_department_cannot_be_a_merge_target(
    client, make_user, make_org, login_as, org
):
    login_as(make_user(Role.ADMIN))
    theirs = make_org().departments[0]
    ours = org.departments[0]
    response = client.post(f"/beheer/afdelingen/{ours.id}/verwijderen", data={"into": theirs.id})
    assert response.status_code == 400
    assert names(org) == ["Bedrijfsvoering"]
