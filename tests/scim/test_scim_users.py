"""SCIM provisioning as Entra ID does it: create, read, filter, page, replace, PATCH (the
payloads of Microsoft's documentation), deactivate, delete; organisations apart."""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import Department, Role, User
from learnpath.extensions import db
from learnpath.privacy.models import AuditEvent
from tests.scim import entra_payloads as entra


def _user(user_id) -> User:
    db.session.rollback()
    user = db.session.get(User, int(user_id))
    assert user is not None
    db.session.refresh(user)
    return user


def test_create_then_get_and_find_by_user_name(scim, org):
    created = scim("POST", "/Users", json=entra.CREATE_USER)
    assert created.status_code == 201, created.text
    assert created.mimetype == "application/scim+json"
    body = created.get_json()
    assert body["userName"] == entra.CREATE_USER["userName"]
    assert body["externalId"] == entra.CREATE_USER["externalId"]
    assert body["active"] is True
    assert created.headers["Location"].endswith(f"/scim/v2/Users/{body['id']}")
    user = _user(body["id"])
    assert user.organisation_id == org.id
    assert user.email == entra.CREATE_USER["emails"][0]["value"].lower()
    assert user.name == "givenName familyName"
    assert user.roles == {Role.PARTICIPANT}

    fetched = scim("GET", f"/Users/{body['id']}").get_json()
    assert fetched["id"] == body["id"]
    assert fetched["name"]["givenName"] == "givenName"

    user_name = entra.CREATE_USER["userName"].upper()  # userName is not case-exact
    found = scim("GET", f'/Users?filter=userName eq "{user_name}"').get_json()
    assert found["totalResults"] == 1
    assert [r["id"] for r in found["Resources"]] == [body["id"]]
    none = scim("GET", '/Users?filter=userName eq "non-existent user"').get_json()
    assert none["totalResults"] == 0 and none["Resources"] == []


def test_creating_the_same_user_name_twice_is_a_conflict(scim):
    assert scim("POST", "/Users", json=entra.CREATE_USER).status_code == 201
    again = scim("POST", "/Users", json=entra.CREATE_USER)
    assert again.status_code == 409
    error = again.get_json()
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["status"] == "409" and error["scimType"] == "uniqueness"


def test_a_user_invited_before_provisioning_is_found_and_taken_over(scim, make_user):
    invited = make_user(Role.FACILITATOR, email="anne@testdorp.nl", name="Anne")
    found = scim("GET", '/Users?filter=userName eq "anne@testdorp.nl"').get_json()
    assert [r["id"] for r in found["Resources"]] == [str(invited.id)]
    created = scim("POST", "/Users", json=entra.create_user("Anne@testdorp.nl"))
    assert created.status_code == 201
    assert created.get_json()["id"] == str(invited.id)
    assert _user(invited.id).roles == {Role.FACILITATOR}


def test_paging_with_start_index_and_count(scim):
    ids = [
        scim("POST", "/Users", json=entra.create_user(f"p{n}@testdorp.nl")).get_json()["id"]
        for n in range(5)
    ]
    everyone = scim("GET", "/Users").get_json()
    total = everyone["totalResults"]
    assert total == 6  # five provisioned and the administrator who made the token
    page = scim("GET", "/Users?startIndex=2&count=2").get_json()
    assert page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert page["totalResults"] == total
    assert [r["id"] for r in page["Resources"]] == [r["id"] for r in everyone["Resources"][1:3]]
    assert set(ids) <= {r["id"] for r in everyone["Resources"]}
    assert scim("GET", "/Users?count=0").get_json()["Resources"] == []
    assert scim("GET", "/Users?startIndex=99").get_json()["Resources"] == []
    assert scim("GET", "/Users?count=abc").status_code == 400


def test_patch_multi_and_single_valued_as_entra_sends_them(scim):
    user_id = scim("POST", "/Users", json=entra.CREATE_USER).get_json()["id"]
    patched = scim("PATCH", f"/Users/{user_id}", json=entra.UPDATE_MULTI_VALUED)
    assert patched.status_code == 200, patched.text
    body = patched.get_json()
    assert body["emails"][0]["value"] == "updatedemail@testdorp.nl"
    assert body["name"]["familyName"] == "updatedFamilyName"
    # The name shown is name.formatted while the provider sends one (Entra ID maps it from
    # Join(" ", givenName, surname) and sends its own change of it).
    assert _user(user_id).name == "givenName familyName"

    renamed = scim("PATCH", f"/Users/{user_id}", json=entra.UPDATE_USER_NAME).get_json()
    assert renamed["userName"] == entra.UPDATE_USER_NAME["Operations"][0]["value"]

    multiple = scim("PATCH", f"/Users/{user_id}", json=entra.REPLACE_MULTIPLE).get_json()
    assert multiple["displayName"] == "Bjfe"
    assert multiple["name"]["givenName"] == "Kkom"
    assert _user(user_id).email == "testmhvaes@testdorp.nl"


def test_put_replaces_the_resource(scim):
    user_id = scim("POST", "/Users", json=entra.CREATE_USER).get_json()["id"]
    body = entra.create_user("replaced@testdorp.nl", displayName="Nieuwe Naam")
    body[entra.ENTERPRISE] = {"department": "Sociaal Domein"}
    replaced = scim("PUT", f"/Users/{user_id}", json=body)
    assert replaced.status_code == 200, replaced.text
    user = _user(user_id)
    assert user.name == "Nieuwe Naam" and user.email == "replaced@testdorp.nl"
    assert user.department is not None and user.department.name == "Sociaal Domein"
    # What a PUT leaves out is cleared.
    replaced = scim("PUT", f"/Users/{user_id}", json=entra.create_user("replaced@testdorp.nl"))
    assert _user(user_id).department is None


def test_department_and_manager_from_the_enterprise_extension(scim, org):
    boss_id = scim("POST", "/Users", json=entra.create_user("boss@testdorp.nl")).get_json()["id"]
    user_id = scim("POST", "/Users", json=entra.create_user("emp@testdorp.nl")).get_json()["id"]
    scim("PATCH", f"/Users/{user_id}", json=entra.department("Bedrijfsvoering"))
    answer = scim("PATCH", f"/Users/{user_id}", json=entra.manager(boss_id))
    assert answer.status_code == 200, answer.text
    ext = answer.get_json()[entra.ENTERPRISE]
    assert ext["department"] == "Bedrijfsvoering"
    assert ext["manager"]["value"] == boss_id
    user = _user(user_id)
    assert user.manager_id == int(boss_id)  # the manager who approves and sees shared plans
    # The organisation's existing department is reused, not duplicated.
    departments = db.session.scalars(
        select(Department).where(Department.organisation_id == org.id)
    ).all()
    assert [d.name for d in departments] == ["Bedrijfsvoering"]
    # The manager as {"value": id} works too; a circle of managers is refused.
    circle = scim("PATCH", f"/Users/{boss_id}", json=entra.manager(user_id))
    assert circle.status_code == 400
    assert _user(boss_id).manager_id is None
    scim("PATCH", f"/Users/{user_id}", json=entra.REMOVE_MANAGER)
    assert _user(user_id).manager_id is None


def test_disable_user_both_forms_deactivates_and_audits(scim):
    first = scim("POST", "/Users", json=entra.create_user("a@testdorp.nl")).get_json()["id"]
    second = scim("POST", "/Users", json=entra.create_user("b@testdorp.nl")).get_json()["id"]
    for user_id, payload in ((first, entra.DISABLE_USER), (second, entra.DISABLE_USER_STRING)):
        answer = scim("PATCH", f"/Users/{user_id}", json=payload)
        assert answer.status_code == 200, answer.text
        assert answer.get_json()["active"] is False
        user = _user(user_id)
        assert not user.is_active_account and user.deactivated_at is not None
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_user_id.in_([int(first), int(second)]))
    ).all()
    assert events == ["account.deactivated", "account.deactivated"]
    again = scim("PATCH", f"/Users/{first}", json=entra.ENABLE_USER)
    assert again.get_json()["active"] is True
    assert _user(first).is_active_account


def test_delete_deactivates_keeps_the_data_and_hides_the_user(scim):
    user_id = scim("POST", "/Users", json=entra.create_user("gone@testdorp.nl")).get_json()["id"]
    assert scim("DELETE", f"/Users/{user_id}").status_code == 204
    assert scim("GET", f"/Users/{user_id}").status_code == 404
    user = _user(user_id)
    assert not user.is_active_account and user.email == "gone@testdorp.nl"
    # The same person provisioned again gets their account back.
    back = scim("POST", "/Users", json=entra.create_user("gone@testdorp.nl"))
    assert back.status_code == 201 and back.get_json()["id"] == user_id
    assert _user(user_id).is_active_account


def test_errors_are_in_the_scim_format(scim):
    assert scim("GET", "/Users/999999").get_json()["status"] == "404"
    assert scim("GET", "/Users/abc").status_code == 404
    bad_filter = scim("GET", '/Users?filter=title co "x"')
    assert bad_filter.status_code == 400
    assert bad_filter.get_json()["scimType"] == "invalidFilter"
    no_name = scim("POST", "/Users", json={"schemas": [entra.CORE]})
    assert no_name.status_code == 400 and no_name.get_json()["scimType"] == "invalidValue"
    not_json = scim("POST", "/Users", json=None)
    assert not_json.status_code == 400
    bad_op = scim("PATCH", "/Users/1", json={"Operations": "x"})
    assert bad_op.status_code in (400, 404)


def test_without_or_with_a_wrong_token_nothing_is_seen(client, scim):
    assert client.get("/scim/v2/Users").status_code == 401
    wrong = scim("GET", "/Users", token_override="scim_not-the-token")
    assert wrong.status_code == 401
    assert wrong.get_json()["status"] == "401"
    assert "Bearer" in wrong.headers["WWW-Authenticate"]


def test_a_token_of_one_organisation_cannot_see_or_change_another(
    client, scim, make_org, make_user, scim_token
):
    other = make_org("Gemeente Elders")
    outsider = make_user(Role.PARTICIPANT, organisation=other, email="x@elders.nl")
    assert scim("GET", f"/Users/{outsider.id}").status_code == 404
    assert scim("PATCH", f"/Users/{outsider.id}", json=entra.DISABLE_USER).status_code == 404
    assert (
        scim("PUT", f"/Users/{outsider.id}", json=entra.create_user("x@elders.nl")).status_code
        == 404
    )
    assert scim("DELETE", f"/Users/{outsider.id}").status_code == 404
    found = scim("GET", '/Users?filter=userName eq "x@elders.nl"').get_json()
    assert found["totalResults"] == 0
    listed = scim("GET", "/Users?count=200").get_json()
    assert str(outsider.id) not in {r["id"] for r in listed["Resources"]}
    # Creating someone with the other organisation's address does not move them.
    taken = scim("POST", "/Users", json=entra.create_user("x@elders.nl"))
    assert taken.status_code == 409
    # Nor can a manager from elsewhere be set.
    mine = scim("POST", "/Users", json=entra.create_user("mine@testdorp.nl")).get_json()["id"]
    assert scim("PATCH", f"/Users/{mine}", json=entra.manager(str(outsider.id))).status_code == 400
    assert _user(outsider.id).is_active_account and _user(outsider.id).organisation_id == other.id
    # And the other organisation's own token sees only its people.
    theirs = scim_token(other)
    seen = client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {theirs}"}).get_json()
    assert str(mine) not in {r["id"] for r in seen["Resources"]}
    assert str(outsider.id) in {r["id"] for r in seen["Resources"]}


def test_discovery_endpoints(scim):
    spc = scim("GET", "/ServiceProviderConfig").get_json()
    assert spc["patch"]["supported"] is True and spc["filter"]["supported"] is True
    types = scim("GET", "/ResourceTypes").get_json()
    assert [t["id"] for t in types["Resources"]] == ["User"]
    assert scim("GET", "/ResourceTypes/User").get_json()["endpoint"] == "/Users"
    schemas = scim("GET", "/Schemas").get_json()
    ids = {s["id"] for s in schemas["Resources"]}
    assert ids == {entra.CORE, entra.ENTERPRISE}
    assert scim("GET", f"/Schemas/{entra.ENTERPRISE}").status_code == 200
    assert scim("GET", "/Schemas/urn:nope").status_code == 404
