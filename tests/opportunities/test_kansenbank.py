"""The kansenbank: offer, find, filter, respond, accept and decline; who sees what."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import event, select

from learnpath.accounts.models import NetworkMembership, Role
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.opportunities import queries, services
from learnpath.opportunities.models import (
    Opportunity,
    OpportunityResponse,
    OpportunityStatus,
    ResponseStatus,
)
from learnpath.opportunities.services import OpportunityError
from tests.opportunities.helpers import COMPETENCIES, offer_data

OFFER_FORM = {
    "kind": "interview",
    "title": "Gesprek met een beleidsadviseur",
    "team": "Team Beleid",
    "time_amount": "2",
    "time_unit": "hours",
    "starts_on": "",
    "ends_on": "",
    "learns": "Wat beleidswerk inhoudt.\nEn hoe je erin komt.",
    "competency": "werkexploratie",
    "visibility": "own",
    "places": "2",
    "status": "open",
}


def _respond(client, login_as, user, opportunity, text="Ik wil graag zien hoe dit werkt."):
    login_as(user)
    return client.post(f"/kansenbank/{opportunity.id}/reageren", data={"motivation": text})


def _response(user, opportunity) -> OpportunityResponse:
    db.session.expire_all()
    row = db.session.scalar(
        select(OpportunityResponse).where(
            OpportunityResponse.user_id == user.id,
            OpportunityResponse.opportunity_id == opportunity.id,
        )
    )
    assert row is not None
    return row


# --- offering ---------------------------------------------------------------------------


def test_anyone_signed_in_offers_an_opportunity_to_the_network(kb, client, login_as):
    login_as(kb.offerer)
    page = client.get("/kansenbank/nieuw")
    assert page.status_code == 200
    assert f"network-{kb.network.id}" in page.text and "IGOM" in page.text
    data = {**OFFER_FORM, "visibility": f"network-{kb.network.id}"}
    assert client.post("/kansenbank/nieuw", data=data).status_code == 302
    row = db.session.scalar(select(Opportunity))
    assert row is not None
    assert (row.organisation_id, row.offered_by_id, row.network_id) == (
        kb.b.id,
        kb.offerer.id,
        kb.network.id,
    )
    assert row.starts_on is None and row.places == 2
    assert "Gesprek met een beleidsadviseur" in client.get("/kansenbank/aanbod").text


def test_an_invalid_offer_comes_back_with_the_input_kept(kb, client, login_as):
    login_as(kb.offerer)
    data = {**OFFER_FORM, "starts_on": "2031-05-06", "ends_on": "2031-05-01"}
    page = client.post("/kansenbank/nieuw", data=data)
    assert page.status_code == 400
    assert "De laatste dag kan niet voor de eerste liggen." in page.text
    assert "Gesprek met een beleidsadviseur" in page.text
    assert db.session.scalar(select(Opportunity)) is None


def test_an_organisation_cannot_offer_to_a_network_it_is_not_an_active_member_of(kb):
    with pytest.raises(OpportunityError) as refused:
        services.offer(kb.outsider, offer_data(network_id=kb.network.id), COMPETENCIES)
    assert "visibility" in refused.value.errors
    db.session.rollback()


def test_only_the_offerer_changes_an_opportunity(kb, client, login_as, make_offer):
    opportunity = make_offer()
    login_as(kb.colleague)
    assert client.get(f"/kansenbank/{opportunity.id}/bewerken").status_code == 404
    login_as(kb.offerer)
    data = {**OFFER_FORM, "status": "closed", "visibility": f"network-{kb.network.id}"}
    assert client.post(f"/kansenbank/{opportunity.id}/bewerken", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Opportunity, opportunity.id).status == OpportunityStatus.CLOSED


# --- finding ----------------------------------------------------------------------------


def test_visibility_across_organisations(kb, client, login_as, make_offer):
    network_offer = make_offer(title="Netwerkkans")
    own_offer = make_offer(title="Alleen Beekdal", network_id=None)
    login_as(kb.participant)  # A: shares the network with B
    page = client.get("/kansenbank").text
    assert "Netwerkkans" in page and "Alleen Beekdal" not in page
    assert client.get(f"/kansenbank/{network_offer.id}").status_code == 200
    assert client.get(f"/kansenbank/{own_offer.id}").status_code == 404
    assert _respond(client, login_as, kb.participant, own_offer).status_code == 404
    login_as(kb.colleague)  # B itself sees both
    page = client.get("/kansenbank").text
    assert "Netwerkkans" in page and "Alleen Beekdal" in page
    login_as(kb.outsider)  # C: invited, never consented
    assert "Netwerkkans" not in client.get("/kansenbank").text
    assert client.get(f"/kansenbank/{network_offer.id}").status_code == 404
    assert _respond(client, login_as, kb.outsider, network_offer).status_code == 404
    assert db.session.scalar(select(OpportunityResponse)) is None


def test_an_ended_membership_hides_the_network_offers(kb, client, login_as, make_offer):
    opportunity = make_offer()
    membership = db.session.scalar(
        select(NetworkMembership).where(NetworkMembership.organisation_id == kb.a.id)
    )
    membership.ended_at = utcnow()
    db.session.commit()
    login_as(kb.participant)
    assert client.get(f"/kansenbank/{opportunity.id}").status_code == 404


def test_offers_of_a_deactivated_offerer_are_hidden(kb, client, login_as, make_offer):
    opportunity = make_offer(title="Kans van iemand die vertrok")
    kb.offerer.is_active_account = False
    db.session.commit()
    login_as(kb.participant)
    assert "Kans van iemand die vertrok" not in client.get("/kansenbank").text
    assert client.get(f"/kansenbank/{opportunity.id}").status_code == 404


def test_filters(kb, client, login_as, make_offer):
    make_offer(title="Meeloopdag Archief", competency="werkexploratie")
    make_offer(title="Klus Netwerkdag", kind=services.OpportunityKind.TASK, competency="netwerken")
    make_offer(
        title="Gesprek Financien",
        kind=services.OpportunityKind.INTERVIEW,
        time_unit=services.TimeUnit.HOURS,
        starts_on=utcnow().date(),
        ends_on=utcnow().date(),
    )
    make_offer(kb.other, title="Eigen kans A")
    login_as(kb.participant)

    def titles(**query: str) -> set[str]:
        page = client.get("/kansenbank", query_string=query).text
        names = {"Meeloopdag Archief", "Klus Netwerkdag", "Gesprek Financien", "Eigen kans A"}
        return {t for t in names if t in page}

    assert titles() == {
        "Meeloopdag Archief",
        "Klus Netwerkdag",
        "Gesprek Financien",
        "Eigen kans A",
    }
    assert titles(competency="netwerken") == {"Klus Netwerkdag"}
    assert titles(kind="interview") == {"Gesprek Financien"}
    assert titles(duration="hours") == {"Gesprek Financien"}
    assert titles(duration="agreed") == {"Meeloopdag Archief", "Klus Netwerkdag", "Eigen kans A"}
    assert titles(organisation=str(kb.a.id)) == {"Eigen kans A"}
    # Nonsense filters are ignored, never a crash.
    assert len(titles(organisation="abc", kind="x' OR 1=1", duration="zz")) == 4


# --- responding and deciding --------------------------------------------------------------


def test_respond_accept_and_the_participant_is_told(kb, client, login_as, make_offer):
    opportunity = make_offer()
    assert _respond(client, login_as, kb.participant, opportunity).status_code == 302
    assert _response(kb.participant, opportunity).status == ResponseStatus.PENDING
    assert "Meelopen bij Vergunningen" in client.get("/kansenbank/mijn-reacties").text
    # The offerer sees the motivation, the name and the organisation.
    login_as(kb.offerer)
    page = client.get(f"/kansenbank/{opportunity.id}/reacties").text
    assert "Pien Deelnemer" in page and kb.a.name in page
    assert "Ik wil graag zien hoe dit werkt." in page
    response = _response(kb.participant, opportunity)
    url = f"/kansenbank/reacties/{response.id}/besluit"
    assert client.post(url, data={"decision": "accept"}).status_code == 302
    response = _response(kb.participant, opportunity)
    assert response.status == ResponseStatus.ACCEPTED and response.decided_at is not None
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "opportunities.decided")
    )
    assert mail is not None and mail.recipient_user_id == kb.participant.id
    assert "geaccepteerd" in mail.subject and "Meelopen bij Vergunningen" in mail.subject
    login_as(kb.participant)
    assert "Geaccepteerd" in client.get("/kansenbank/mijn-reacties").text


def test_decline_with_a_neutral_mail_in_discreet_mode(kb, client, login_as, make_offer):
    kb.participant.discreet_calendar = True
    db.session.commit()
    opportunity = make_offer()
    _respond(client, login_as, kb.participant, opportunity)
    login_as(kb.offerer)
    response = _response(kb.participant, opportunity)
    client.post(f"/kansenbank/reacties/{response.id}/besluit", data={"decision": "decline"})
    assert _response(kb.participant, opportunity).status == ResponseStatus.DECLINED
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "opportunities.decided")
    )
    assert mail is not None
    for text in (mail.subject, mail.body_text, mail.body_html or ""):
        for word in ("kans", "Vergunningen", "afgewezen", "Beekdal"):
            assert word.lower() not in text.lower(), (word, text)


def test_the_offerer_sees_only_the_first_name_when_asked(kb, client, login_as, make_offer):
    kb.participant.first_name_only_elsewhere = True
    db.session.commit()
    opportunity = make_offer()
    _respond(client, login_as, kb.participant, opportunity)
    login_as(kb.offerer)
    page = client.get(f"/kansenbank/{opportunity.id}/reacties").text
    assert "Pien" in page and "Pien Deelnemer" not in page


def test_a_response_is_length_limited_and_kept_on_refusal(kb, client, login_as, make_offer):
    opportunity = make_offer()
    page = _respond(client, login_as, kb.participant, opportunity, "x" * 1501 + "\nEINDE")
    assert page.status_code == 400 and "EINDE" in page.text
    assert db.session.scalar(select(OpportunityResponse)) is None
    assert _respond(client, login_as, kb.participant, opportunity, "   ").status_code == 400


def test_one_response_per_person_and_withdraw(kb, client, login_as, make_offer):
    opportunity = make_offer()
    _respond(client, login_as, kb.participant, opportunity)
    _respond(client, login_as, kb.participant, opportunity, "Nog een keer")
    assert _response(kb.participant, opportunity).motivation != "Nog een keer"
    response = _response(kb.participant, opportunity)
    client.post(f"/kansenbank/reacties/{response.id}/intrekken")
    assert _response(kb.participant, opportunity).status == ResponseStatus.WITHDRAWN
    login_as(kb.offerer)
    assert "Pien Deelnemer" not in client.get(f"/kansenbank/{opportunity.id}/reacties").text


def test_accepting_beyond_the_places_is_refused(kb, client, login_as, make_offer):
    opportunity = make_offer(places=1)
    _respond(client, login_as, kb.participant, opportunity)
    _respond(client, login_as, kb.other, opportunity)
    first, second = _response(kb.participant, opportunity), _response(kb.other, opportunity)
    services.decide(first, kb.offerer, True, utcnow())
    db.session.commit()
    with pytest.raises(OpportunityError):
        services.decide(second, kb.offerer, True, utcnow())
    db.session.rollback()
    login_as(kb.offerer)
    client.post(f"/kansenbank/reacties/{second.id}/besluit", data={"decision": "accept"})
    assert _response(kb.other, opportunity).status == ResponseStatus.PENDING
    assert services.accepted_count(opportunity.id) == 1


def test_accepting_locks_the_opportunity_row_first(kb, make_offer, client, login_as):
    opportunity = make_offer()
    _respond(client, login_as, kb.participant, opportunity)
    response = _response(kb.participant, opportunity)
    statements: list[str] = []

    def capture(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        services.decide(response, kb.offerer, True, utcnow())
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    db.session.commit()
    locking = [i for i, s in enumerate(statements) if "FROM opportunities" in s]
    counting = [i for i, s in enumerate(statements) if "count(" in s.lower()]
    assert locking and counting and locking[0] < counting[0]
    if db.engine.dialect.name == "postgresql":
        assert "FOR UPDATE" in statements[locking[0]]


def test_offerer_sees_only_responses_to_own_opportunities(kb, client, login_as, make_offer):
    opportunity = make_offer()
    _respond(client, login_as, kb.participant, opportunity)
    response = _response(kb.participant, opportunity)
    for someone in (kb.colleague, kb.manager, kb.other):
        login_as(someone)
        assert client.get(f"/kansenbank/{opportunity.id}/reacties").status_code == 404
        url = f"/kansenbank/reacties/{response.id}/besluit"
        assert client.post(url, data={"decision": "accept"}).status_code in (403, 404)
    login_as(kb.other)
    assert client.post(f"/kansenbank/reacties/{response.id}/intrekken").status_code == 404
    assert _response(kb.participant, opportunity).status == ResponseStatus.PENDING


# --- where an accepted opportunity shows --------------------------------------------------


def test_manager_sees_the_opportunity_only_when_shared(kb, make_offer, client, login_as):
    opportunity = make_offer(title="Klus bij Beekdal")
    _respond(client, login_as, kb.participant, opportunity)
    response = _response(kb.participant, opportunity)
    services.decide(response, kb.offerer, True, utcnow())
    db.session.commit()
    login_as(kb.manager)
    assert client.get("/kansenbank/mijn-reacties").status_code == 403
    assert client.get(f"/kansenbank/{opportunity.id}/reacties").status_code == 404
    assert queries.accepted_for(kb.participant.id, shared_only=True) == []
    login_as(kb.participant)
    client.post(f"/kansenbank/reacties/{response.id}/plan", data={"show": "y"})
    assert _response(kb.participant, opportunity).show_in_plan
    assert [o.id for o in queries.accepted_for(kb.participant.id, shared_only=True)] == [
        opportunity.id
    ]
    client.post(f"/kansenbank/reacties/{response.id}/plan", data={})
    assert not _response(kb.participant, opportunity).show_in_plan


def test_shared_plan_shows_the_opportunity_only_when_ticked(
    setup, shared, make_org, make_user, client, login_as
):
    other = make_org("Gemeente Elders")
    offerer = make_user(Role.FACILITATOR, organisation=setup.participant.organisation)
    opportunity = services.offer(offerer, offer_data(title="Dag bij Handhaving"), COMPETENCIES)
    response = services.respond(opportunity, setup.participant, "Graag.")
    services.decide(response, offerer, True, utcnow())
    db.session.commit()
    share = shared(["question", "goals"])
    login_as(setup.manager)
    assert "Dag bij Handhaving" not in client.get(f"/team/plannen/{share.id}").text
    login_as(setup.participant)
    assert "Dag bij Handhaving" in client.get("/actieplan").text
    assert "Dag bij Handhaving" in client.get("/opdrachten/informatief-gesprek").text
    services.set_show_in_plan(
        db.session.get(OpportunityResponse, response.id), setup.participant, True
    )
    db.session.commit()
    login_as(setup.manager)
    assert "Dag bij Handhaving" in client.get(f"/team/plannen/{share.id}").text
    assert "Dag bij Handhaving" in _docx_text(
        client.get(f"/team/plannen/{share.id}/export?format=docx&sections=question").data
    )
    login_as(setup.participant)
    assert "Dag bij Handhaving" in _docx_text(
        client.get("/actieplan/export?format=docx&sections=question").data
    )
    assert other  # another organisation exists and changes nothing


def test_plan_export_for_the_manager_leaves_unshared_opportunities_out(
    setup, shared, make_user, client, login_as
):
    offerer = make_user(Role.FACILITATOR, organisation=setup.participant.organisation)
    opportunity = services.offer(offerer, offer_data(title="Dag bij Handhaving"), COMPETENCIES)
    services.decide(services.respond(opportunity, setup.participant, "Ja"), offerer, True, utcnow())
    db.session.commit()
    share = shared(["question"])
    login_as(setup.manager)
    data = client.get(f"/team/plannen/{share.id}/export?format=docx&sections=question").data
    assert "Dag bij Handhaving" not in _docx_text(data)


def _docx_text(data: bytes) -> str:
    return zipfile.ZipFile(BytesIO(data)).read("word/document.xml").decode()


def test_taken_by_organisation(kb, make_offer):
    elsewhere = make_offer(places=3)  # offered by B
    at_home = make_offer(kb.manager, title="Bij A zelf", places=2)  # offered by A
    for user in (kb.participant, kb.other):
        services.respond(elsewhere, user, "Graag")
    services.respond(at_home, kb.participant, "Graag")
    services.respond(elsewhere, kb.colleague, "Graag")
    db.session.commit()
    now = utcnow()
    rows = db.session.scalars(select(OpportunityResponse)).all()
    for row in rows:
        offerer = kb.offerer if row.opportunity_id == elsewhere.id else kb.manager
        services.decide(row, offerer, row.user_id != kb.other.id, now)
    db.session.commit()

    def counts(ids, start, end):
        """(taken, of which elsewhere) per organisation, from the facts the reports read."""
        result = dict.fromkeys(ids, (0, 0))
        for fact in queries.taken_by_organisation(ids, start, end):
            taken, elsewhere = result[fact.dept]
            result[fact.dept] = (taken + 1, elsewhere + fact.elsewhere)
        return result

    assert counts([kb.a.id, kb.b.id, kb.c.id], None, None) == {
        kb.a.id: (2, 1),
        kb.b.id: (1, 0),
        kb.c.id: (0, 0),
    }
    by_person = {f.user_id for f in queries.taken_by_organisation([kb.a.id], None, None)}
    assert by_person == {kb.participant.id}  # two opportunities, one person
    assert counts([kb.a.id], now + timedelta(seconds=1), None) == {kb.a.id: (0, 0)}
    assert counts([kb.a.id], now - timedelta(days=1), now + timedelta(days=1)) == {kb.a.id: (2, 1)}
    assert queries.taken_by_organisation([], None, None) == []


def test_responses_are_in_the_privacy_export_and_erased(kb, make_offer, make_user):
    from learnpath.privacy import services as privacy
    from learnpath.privacy.requests import personal_zip

    opportunity = make_offer()
    services.respond(opportunity, kb.participant, "Mijn geheime motivatie")
    db.session.commit()
    archive = zipfile.ZipFile(BytesIO(personal_zip(kb.participant)))
    data = json.loads(archive.read("gegevens.json"))
    assert "Mijn geheime motivatie" in json.dumps(data)
    privacy.erase(kb.participant, make_user(Role.ADMIN))
    db.session.commit()
    row = db.session.scalar(select(OpportunityResponse))
    assert row is not None and "geheime" not in row.motivation
