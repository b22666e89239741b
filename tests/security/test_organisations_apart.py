"""Organisations are kept apart (issue 16, point 3; networks since issue 23): a cohort is open to
its own organisation only, unless both organisations are active members of a network the
platform operator made (each administrator accepted, either may end it); no other
organisation's name is shown; the development outbox shows only the own organisation's mail,
and only when it is switched on."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnpath.accounts import networks
from learnpath.accounts.models import NetworkMembership, Role
from learnpath.cohorts import services
from learnpath.cohorts.models import Cohort
from learnpath.config import build_config
from learnpath.extensions import db
from learnpath.notifications.services import queue_message
from tests.factories import make_cohort
from tests.security.html_forms import form_posting_to

REFUSED = "alleen openstellen voor je eigen organisatie en haar partners"


@pytest.fixture
def other(make_org):
    return make_org("Gemeente Buurdorp")


def _cohort_form(client, url: str = "/cohorten/nieuw"):
    page = client.get(url)
    assert page.status_code == 200
    return page.text, form_posting_to(page.text, url, url)


def _filled(form, **changes):
    base = {
        "name": "Najaar",
        "capacity": "12",
        "signup_opens_at": "2030-01-01T09:00",
        "signup_closes_at": "2030-01-10T09:00",
    }
    return form.data(**(base | changes))


def _cohort_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Cohort)) or 0


def _network(runner, org, other, *admins):
    """A network of the two organisations made by the operator; ``admins`` accept."""
    commands = [
        ["create", "--slug", "samen", "--name", "Samen"],
        ["invite", "--network", "samen", "--org", org.slug],
        ["invite", "--network", "samen", "--org", other.slug],
    ]
    for args in commands:
        result = runner.invoke(args=["networks", *args])
        assert result.exit_code == 0, result.output
    network = networks.find("samen")
    assert network is not None and networks.active_member_ids(network.id) == set()
    for admin in admins:
        networks.consent(networks.membership(network, admin.organisation), admin)
    db.session.commit()
    return network


def test_the_cohort_form_names_only_the_own_organisation(client, org, other, make_user, login_as):
    login_as(make_user(Role.FACILITATOR))
    html, form = _cohort_form(client)
    assert form.choices["open_to"] == [str(org.id)]
    assert org.name in html
    assert other.name not in html


def test_a_crafted_post_for_another_organisation_is_refused_with_the_input_kept(
    client, org, other, make_user, login_as
):
    login_as(make_user(Role.FACILITATOR))
    _, form = _cohort_form(client)
    response = client.post(
        "/cohorten/nieuw", data=_filled(form, open_to=[str(org.id), str(other.id)])
    )
    assert response.status_code == 200
    assert REFUSED in response.text
    assert 'value="Najaar"' in response.text
    assert other.name not in response.text
    assert _cohort_count() == 0
    # Only the other organisation, or an id that fits no column: refused the same way.
    for crafted in ([str(other.id)], [str(2**40)]):
        response = client.post("/cohorten/nieuw", data=_filled(form, open_to=crafted))
        assert response.status_code == 200 and REFUSED in response.text
    assert _cohort_count() == 0


def test_the_settings_form_refuses_another_organisation(client, org, other, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    login_as(coach)
    url = f"/cohorten/{cohort.id}/instellingen"
    html, form = _cohort_form(client, url)
    assert other.name not in html
    response = client.post(url, data=form.data(open_to=[str(org.id), str(other.id)]))
    assert response.status_code == 200 and REFUSED in response.text
    db.session.refresh(cohort)
    assert [o.id for o in cohort.open_to] == [org.id]


def test_the_manager_track_group_form_refuses_another_organisation(
    client, org, other, make_user, login_as
):
    login_as(make_user(Role.HR))
    url = "/leidinggevenden/groepen/nieuw"
    html, form = _cohort_form(client, url)
    assert form.choices["open_to"] == [str(org.id)]
    assert other.name not in html
    coach = make_user(Role.FACILITATOR)
    data = _filled(
        form,
        kind="intervision",
        capacity="6",
        signup_mode="invitation",
        facilitators=[str(coach.id)],
        open_to=[str(other.id)],
    )
    response = client.post(url, data=data)
    assert response.status_code == 200 and REFUSED in response.text
    assert _cohort_count() == 0


def test_the_services_refuse_another_organisation(org, other, make_user):
    coach = make_user(Role.FACILITATOR)
    with pytest.raises(services.CohortError) as refused:
        make_cohort(org, coach, open_to=[org, other])
    assert "open_to" in refused.value.errors
    db.session.rollback()
    cohort = make_cohort(org, coach)
    data = services.CohortData(
        name=cohort.name,
        capacity=cohort.capacity,
        signup_opens_at=cohort.signup_opens_at,
        signup_closes_at=cohort.signup_closes_at,
        open_to=[other],
        facilitators=[coach],
    )
    with pytest.raises(services.CohortError):
        services.update_cohort(cohort, data, coach)


def test_a_network_counts_only_with_both_consents(
    app, client, runner, org, other, make_user, login_as
):
    coach = make_user(Role.FACILITATOR)
    our_admin = make_user(Role.ADMIN)
    their_admin = make_user(Role.ADMIN, organisation=other)
    network = _network(runner, org, other, our_admin)  # only one side accepts
    login_as(coach)
    html, form = _cohort_form(client)
    assert other.name not in html
    assert (
        REFUSED in client.post("/cohorten/nieuw", data=_filled(form, open_to=[str(other.id)])).text
    )

    # The other organisation's administrator accepts on their own admin page.
    login_as(their_admin)
    page = client.get("/beheer/netwerken")
    assert org.name not in page.text  # not named before their own consent
    membership = networks.membership(network, other)
    action = f"/beheer/netwerken/{membership.id}/accepteren"
    consent = form_posting_to(page.text, action)
    assert client.post(action, data=consent.data()).status_code == 302
    db.session.refresh(membership)
    assert membership.is_active
    assert org.name in client.get("/beheer/netwerken").text

    login_as(coach)
    html, form = _cohort_form(client)
    assert form.choices["open_to"] == [str(org.id), str(other.id)]
    response = client.post(
        "/cohorten/nieuw",
        data=_filled(form, open_to=[str(org.id), str(other.id)], facilitators=[str(coach.id)]),
    )
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    assert {o.id for o in cohort.open_to} == {org.id, other.id}

    # Either side ending its membership ends it (after confirming).
    login_as(their_admin)
    end = f"/beheer/netwerken/{membership.id}/beeindigen"
    confirm = form_posting_to(client.get(end).text, end)
    assert client.post(end, data=confirm.data()).status_code == 302
    login_as(coach)
    html, _ = _cohort_form(client)
    assert other.name not in html


def test_a_third_organisation_cannot_decide_on_a_membership(
    client, runner, org, other, make_org, make_user, login_as
):
    network = _network(runner, org, other)
    stranger = make_user(Role.ADMIN, organisation=make_org("Gemeente Elders"))
    login_as(stranger)
    page = client.get("/beheer/netwerken")
    assert org.name not in page.text and other.name not in page.text
    for membership in (networks.membership(network, org), networks.membership(network, other)):
        response = client.post(f"/beheer/netwerken/{membership.id}/accepteren", data={})
        assert response.status_code == 404
        db.session.refresh(membership)
        assert membership.consent_at is None


def test_the_operator_invites_and_ends_memberships(runner, org, other, make_user):
    network = _network(runner, org, other, make_user(Role.ADMIN))
    again = runner.invoke(args=["networks", "invite", "--network", "samen", "--org", org.slug])
    assert again.exit_code == 0  # again: still one
    assert db.session.scalar(select(func.count()).select_from(NetworkMembership)) == 2
    networks.consent(networks.membership(network, other), make_user(Role.ADMIN, organisation=other))
    db.session.commit()
    assert networks.fellow_member_ids(org.id) == {other.id}
    gone = runner.invoke(args=["networks", "end", "--network", "samen", "--org", other.slug])
    assert gone.exit_code == 0, gone.output
    db.session.expire_all()
    assert networks.fellow_member_ids(org.id) == set()
    assert [o.id for o in networks.open_to_choices(org)] == [org.id]


# --- the development outbox ----------------------------------------------------------------


def _queue_for(user, subject: str) -> int:
    message = queue_message(
        "account.reset", user, subject, "accounts/reset", link="http://localhost/reset/x"
    )
    db.session.commit()
    assert message is not None
    return message.id


def test_the_outbox_is_off_unless_switched_on(app, client, make_user, login_as):
    admin = make_user(Role.ADMIN)
    message_id = _queue_for(admin, "Eigen bericht")
    login_as(admin)
    assert app.config["DEV_OUTBOX"] is False
    assert client.get("/dev/outbox").status_code == 404
    assert client.get(f"/dev/outbox/{message_id}").status_code == 404
    assert "/dev/outbox" not in client.get("/beheer/gebruikers").text


def test_the_outbox_shows_only_the_own_organisation(
    app, client, other, make_user, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "DEV_OUTBOX", True)
    admin = make_user(Role.ADMIN)
    colleague = make_user(Role.PARTICIPANT)
    stranger = make_user(Role.PARTICIPANT, organisation=other, email="vreemde@buurdorp.example")
    ours = _queue_for(colleague, "Wachtwoord voor collega")
    theirs = _queue_for(stranger, "Wachtwoord voor vreemde")
    login_as(admin)
    page = client.get("/dev/outbox")
    assert page.status_code == 200
    assert "Wachtwoord voor collega" in page.text
    assert "vreemde@buurdorp.example" not in page.text
    assert "Wachtwoord voor vreemde" not in page.text
    assert client.get(f"/dev/outbox/{ours}").status_code == 200
    assert client.get(f"/dev/outbox/{theirs}").status_code == 404
    assert "/dev/outbox" in client.get("/beheer/gebruikers").text


def test_the_outbox_switch_is_read_from_the_environment_and_never_on_in_production(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("LEARNPATH_DEV_OUTBOX", "1")
    assert build_config(str(tmp_path), {})["DEV_OUTBOX"] is True
    production = build_config(str(tmp_path), {"ENV": "production", "SECRET_KEY": "x"})
    assert production["DEV_OUTBOX"] is False
    monkeypatch.delenv("LEARNPATH_DEV_OUTBOX")
    assert build_config(str(tmp_path), {})["DEV_OUTBOX"] is False
