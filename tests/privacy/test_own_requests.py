"""A person's own privacy page: download everything as a zip, ask for erasure, withdraw it;
an admin of their organisation sees the request and carries it out."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.privacy import requests
from learnpath.privacy.models import ErasureRequest, ErasureStatus

PAGE = "/privacy/mijn-gegevens"


def _zip(client) -> zipfile.ZipFile:
    response = client.get("/privacy/mijn-gegevens.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_zip_holds_the_json_export_and_the_action_plan_exports(
    client, login_as, setup, final_plan
):
    plan = final_plan()
    login_as(setup.participant)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Alles downloaden (zip)" in page
    archive = _zip(client)
    names = set(archive.namelist())
    assert {"gegevens.json", "LEESMIJ.txt"} <= names
    assert f"actieplan-groep-{plan.cohort_id}.pdf" in names
    assert f"actieplan-groep-{plan.cohort_id}.docx" in names
    data = json.loads(archive.read("gegevens.json"))
    assert setup.participant.email in json.dumps(data, ensure_ascii=False)
    assert archive.read(f"actieplan-groep-{plan.cohort_id}.pdf").startswith(b"%PDF")
    assert "actieplannen" in archive.read("LEESMIJ.txt").decode()


def test_a_person_without_plans_gets_the_json_only(client, login_as, make_user):
    hr = make_user(Role.HR)
    login_as(hr)
    archive = _zip(client)
    assert set(archive.namelist()) == {"gegevens.json", "LEESMIJ.txt"}


def test_asking_for_erasure_needs_the_tick_and_keeps_the_page(client, login_as, setup):
    login_as(setup.participant)
    response = client.post(f"{PAGE}/wissen", data={})
    assert response.status_code == 400
    assert "Vink het vakje aan" in response.get_data(as_text=True)
    assert requests.open_request(setup.participant) is None


def test_erasure_request_reaches_the_admins_and_the_admin_carries_it_out(
    client, login_as, setup, make_user, make_org
):
    admin = make_user(Role.ADMIN, name="Ada Beheer")
    other_admin = make_user(Role.ADMIN, organisation=make_org(name="Gemeente Elders"))
    login_as(setup.participant)
    response = client.post(f"{PAGE}/wissen", data={"understood": "y"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Je verzoek is verstuurd" in page
    assert "Mijn verzoek intrekken" in page
    again = client.post(f"{PAGE}/wissen", data={"understood": "y"}, follow_redirects=True)
    assert "Je hebt al gevraagd" in again.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(ErasureRequest)) == 1

    told = db.session.scalars(
        select(OutboxMessage.recipient_user_id).where(
            OutboxMessage.kind == "privacy.erasure_requested"
        )
    ).all()
    assert told == [admin.id]  # not the admin of another organisation
    assert other_admin.id not in told

    login_as(admin)
    listing = client.get("/privacy/gebruikers").get_data(as_text=True)
    assert "Open verzoeken om te wissen" in listing
    assert setup.participant.email in listing
    email = setup.participant.email
    response = client.post(
        f"/privacy/gebruikers/{setup.participant.id}/wissen",
        data={"confirm_email": email},
        follow_redirects=True,
    )
    assert "Open verzoeken om te wissen" not in response.get_data(as_text=True)
    request = db.session.scalar(select(ErasureRequest))
    assert request.status == ErasureStatus.DONE
    assert request.handled_by_id == admin.id
    assert request.open_user_id is None


def test_a_request_can_be_withdrawn(client, login_as, setup, make_user):
    admin = make_user(Role.ADMIN)
    login_as(setup.participant)
    client.post(f"{PAGE}/wissen", data={"understood": "y"})
    response = client.post(f"{PAGE}/wissen/intrekken", follow_redirects=True)
    assert "Je verzoek is ingetrokken." in response.get_data(as_text=True)
    assert db.session.scalar(select(ErasureRequest)).status == ErasureStatus.WITHDRAWN
    login_as(admin)
    assert "Open verzoeken om te wissen" not in client.get("/privacy/gebruikers").get_data(
        as_text=True
    )
    # Asking again after withdrawing works.
    login_as(setup.participant)
    client.post(f"{PAGE}/wissen", data={"understood": "y"})
    assert requests.open_request(setup.participant) is not None


def test_withdrawing_without_a_request_says_so(client, login_as, setup):
    login_as(setup.participant)
    response = client.post(f"{PAGE}/wissen/intrekken", follow_redirects=True)
    assert "Er is geen open verzoek" in response.get_data(as_text=True)


def test_the_admin_list_of_requests_is_per_organisation(
    client, login_as, setup, make_user, make_org
):
    elsewhere = make_org(name="Gemeente Elders")
    other_admin = make_user(Role.ADMIN, organisation=elsewhere)
    login_as(setup.participant)
    client.post(f"{PAGE}/wissen", data={"understood": "y"})
    login_as(other_admin)
    listing = client.get("/privacy/gebruikers").get_data(as_text=True)
    assert "Open verzoeken om te wissen" not in listing
    assert setup.participant.email not in listing
    assert client.get(f"/privacy/gebruikers/{setup.participant.id}/wissen").status_code == 404
