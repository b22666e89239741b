"""The network pages: an organisation's administrator at /beheer/netwerken, and a
coordinator's /netwerken with the network cohort form (quotas per organisation, their release)."""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts import networks
from learnpath.accounts.models import Role
from learnpath.cohorts import services
from learnpath.cohorts.models import Cohort
from learnpath.extensions import db
from tests.security.html_forms import form_posting_to

NEW = "/netwerken/{id}/trajecten/nieuw"


def _filled(form, **changes):
    base = {
        "name": "IGOM najaar",
        "capacity": "12",
        "signup_opens_at": "2030-01-01T09:00",
        "signup_closes_at": "2030-01-10T09:00",
    }
    return form.data(**(base | changes))


# --- the administrator's page ------------------------------------------------------------------


def test_the_admin_accepts_then_ends_after_confirming(client, login_as, igom):
    login_as(igom.invited_admin)
    page = client.get("/beheer/netwerken")
    assert page.status_code == 200 and "IGOM" in page.text
    # Invited only: the members are not named yet.
    assert igom.heerlen.name not in page.text and igom.vaals.name not in page.text
    row = networks.membership(igom.network, igom.invited)
    accept = f"/beheer/netwerken/{row.id}/accepteren"
    form = form_posting_to(page.text, accept)
    assert client.post(accept, data=form.data()).status_code == 302
    page = client.get("/beheer/netwerken")
    assert igom.heerlen.name in page.text and igom.vaals.name in page.text
    db.session.refresh(row)
    assert row.is_active

    end = f"/beheer/netwerken/{row.id}/beeindigen"
    confirm = client.get(end)
    assert confirm.status_code == 200 and "Lidmaatschap beëindigen" in confirm.text
    db.session.refresh(row)
    assert row.is_active  # asking is not ending
    assert client.post(end, data=form_posting_to(confirm.text, end).data()).status_code == 302
    db.session.refresh(row)
    assert row.ended_at is not None and not row.is_active
    page = client.get("/beheer/netwerken")
    assert igom.heerlen.name not in page.text


def test_the_admin_page_shows_the_own_coordinators(client, login_as, igom):
    login_as(igom.heerlen_admin)
    page = client.get("/beheer/netwerken")
    assert igom.coordinator.name in page.text and igom.vaals.name in page.text
    login_as(igom.vaals_admin)
    assert igom.coordinator.name not in client.get("/beheer/netwerken").text


def test_another_organisations_admin_cannot_decide(client, login_as, igom, make_org, make_user):
    row = networks.membership(igom.network, igom.invited)
    login_as(igom.heerlen_admin)
    assert client.post(f"/beheer/netwerken/{row.id}/accepteren", data={}).status_code == 404
    assert client.get(f"/beheer/netwerken/{row.id}/beeindigen").status_code == 404
    ours = networks.membership(igom.network, igom.heerlen)
    login_as(make_user(Role.ADMIN, organisation=make_org("Gemeente Elders")))
    page = client.get("/beheer/netwerken")
    assert "IGOM" not in page.text and igom.heerlen.name not in page.text
    assert client.post(f"/beheer/netwerken/{ours.id}/beeindigen", data={}).status_code == 404
    db.session.refresh(row)
    db.session.refresh(ours)
    assert row.consent_at is None and ours.is_active


# --- the coordinator's pages -------------------------------------------------------------------


def test_only_coordinators_open_the_network_pages(client, login_as, igom, make_user):
    n = igom.network.id
    urls = ["/netwerken", f"/netwerken/{n}", NEW.format(id=n)]
    login_as(igom.coordinator)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "Mijn netwerken" in client.get("/").text  # the navigation's link
    for person in (igom.heerlen_admin, make_user(Role.FACILITATOR)):
        login_as(person)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert "Mijn netwerken" not in client.get("/").text


def test_a_coordinator_of_another_network_gets_404(client, login_as, igom, make_user):
    other = networks.create_network("talentenregio", "Talentenregio")
    networks.consent(networks.invite(other, igom.heerlen), igom.heerlen_admin)
    theirs = make_user(Role.FACILITATOR)
    networks.add_coordinator(other, theirs)
    db.session.commit()
    login_as(theirs)
    assert "IGOM" not in client.get("/netwerken").text
    assert client.get(f"/netwerken/{igom.network.id}").status_code == 404
    assert client.get(NEW.format(id=igom.network.id)).status_code == 404
    assert client.post(NEW.format(id=igom.network.id), data={}).status_code == 404


def test_the_coordinator_creates_a_network_cohort_with_quotas(client, login_as, igom):
    login_as(igom.coordinator)
    url = NEW.format(id=igom.network.id)
    page = client.get(url)
    form = form_posting_to(page.text, url, url)
    # Only the active members are offered (the invited organisation is not named).
    assert sorted(form.choices["open_to"]) == sorted([str(igom.heerlen.id), str(igom.vaals.id)])
    assert igom.invited.name not in page.text
    assert "meer zijn" in page.text  # the quotas may add up to more than the places
    response = client.post(
        url,
        data=_filled(
            form,
            **{
                f"quota_{igom.heerlen.id}": "4",
                f"quota_{igom.vaals.id}": "",
                "quota_release_at": "2030-01-08T12:00",
            },
        ),
    )
    assert response.status_code == 302, response.text
    cohort = db.session.scalar(select(Cohort))
    assert response.headers["Location"].endswith(f"/cohorten/{cohort.id}/planning")
    assert cohort.network_id == igom.network.id
    assert cohort.organisation_id == igom.heerlen.id
    assert {o.id for o in cohort.open_to} == {igom.heerlen.id, igom.vaals.id}
    assert {(q.organisation_id, q.seats) for q in cohort.quotas} == {(igom.heerlen.id, 4)}
    assert cohort.quota_release_at.isoformat() == "2030-01-08T11:00:00+00:00"  # CET
    assert [f.id for f in cohort.facilitators] == [igom.coordinator.id]
    assert services.can_manage(igom.coordinator, cohort)
    detail = client.get(f"/netwerken/{igom.network.id}")
    assert "IGOM najaar" in detail.text and "quotum 4" in detail.text


def test_the_form_refuses_bad_quotas_and_outsiders_with_the_input_kept(client, login_as, igom):
    login_as(igom.coordinator)
    url = NEW.format(id=igom.network.id)
    form = form_posting_to(client.get(url).text, url, url)
    cases = [
        ({f"quota_{igom.heerlen.id}": "13"}, "tussen 0 en het aantal plaatsen"),
        ({f"quota_{igom.vaals.id}": "-1"}, "tussen 0 en het aantal plaatsen"),
        ({"quota_release_at": "2030-01-10T09:00"}, "voordat de aanmelding sluit"),
        ({"open_to": [str(igom.heerlen.id), str(igom.invited.id)]}, "openstellen"),
        (
            {"open_to": [str(igom.heerlen.id)], f"quota_{igom.vaals.id}": "2"},
            "waarvoor het traject openstaat",
        ),
    ]
    for changes, message in cases:
        response = client.post(url, data=_filled(form, **changes))
        assert response.status_code == 400, changes
        assert message in response.text, changes
        assert 'value="IGOM najaar"' in response.text
    assert db.session.scalar(select(Cohort)) is None


def test_a_sum_of_quotas_above_the_capacity_is_allowed(client, login_as, igom):
    login_as(igom.coordinator)
    url = NEW.format(id=igom.network.id)
    form = form_posting_to(client.get(url).text, url, url)
    quotas = {f"quota_{igom.heerlen.id}": "8", f"quota_{igom.vaals.id}": "8"}
    assert client.post(url, data=_filled(form, **quotas)).status_code == 302
    assert sum(q.seats for q in db.session.scalar(select(Cohort)).quotas) == 16


def test_the_coordinator_edits_the_quotas(client, login_as, igom):
    login_as(igom.coordinator)
    url = NEW.format(id=igom.network.id)
    form = form_posting_to(client.get(url).text, url, url)
    client.post(url, data=_filled(form, **{f"quota_{igom.heerlen.id}": "4"}))
    cohort = db.session.scalar(select(Cohort))
    edit = f"/netwerken/{igom.network.id}/trajecten/{cohort.id}"
    page = client.get(edit)
    assert page.status_code == 200
    form = form_posting_to(page.text, edit, edit)
    assert form.values[f"quota_{igom.heerlen.id}"] == ["4"]
    changed = form.data(**{f"quota_{igom.heerlen.id}": "", f"quota_{igom.vaals.id}": "3"})
    assert client.post(edit, data=changed).status_code == 302
    db.session.expire_all()
    cohort = db.session.get(Cohort, cohort.id)
    assert {(q.organisation_id, q.seats) for q in cohort.quotas} == {(igom.vaals.id, 3)}
    assert cohort.network_id == igom.network.id
    # A cohort of another network, or none, is not found under this network.
    assert client.get(f"/netwerken/{igom.network.id}/trajecten/999999").status_code == 404


def test_a_coordinator_stops_managing_when_their_organisation_leaves(
    client, login_as, igom, make_user
):
    """Coordinating ends with the membership; a facilitator of the cohort (the coordinator who
    made it) keeps running its sessions."""
    second = make_user(Role.FACILITATOR, organisation=igom.heerlen)
    networks.add_coordinator(igom.network, second)
    db.session.commit()
    login_as(igom.coordinator)
    url = NEW.format(id=igom.network.id)
    form = form_posting_to(client.get(url).text, url, url)
    assert client.post(url, data=_filled(form)).status_code == 302
    cohort = db.session.scalar(select(Cohort))
    assert services.can_manage(second, cohort)  # as coordinator, not as its facilitator
    networks.end_membership(networks.membership(igom.network, igom.heerlen), igom.heerlen_admin)
    db.session.commit()
    assert not services.can_manage(second, cohort)
    assert services.can_manage(igom.coordinator, cohort)  # still one of its facilitators
    assert client.get(f"/netwerken/{igom.network.id}").status_code == 404
