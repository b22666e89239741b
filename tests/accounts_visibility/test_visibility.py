"""Issue 23.2: the personal "Privacy en zichtbaarheid" page, and the one rule for how a name is
shown to people of other organisations (learnpath.accounts.names)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.accounts.names import first_name, shown_name
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import CohortKind
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.manager_tracks import services as tracks
from learnpath.privacy.models import AuditAction, AuditEvent
from tests.factories import network_cohort
from tests.manager_tracks.helpers import SERIES
from tests.security.html_forms import form_posting_to

PAGE = "/account/zichtbaarheid"
FIRST_ONLY = "Toon alleen mijn voornaam aan mensen van andere organisaties"
DISCREET = "Discrete agenda: neutrale titels ('Afspraak') in mijn agenda"


def test_the_page_stores_both_settings_and_audits_the_change(client, make_user, login_as):
    person = make_user(Role.PARTICIPANT)
    login_as(person)
    account = client.get("/account").text
    assert PAGE in account and "Privacy en zichtbaarheid" in account
    page = client.get(PAGE)
    assert page.status_code == 200
    assert FIRST_ONLY in page.text and DISCREET in page.text
    form = form_posting_to(page.text, PAGE, PAGE)
    response = client.post(
        PAGE, data=form.data(first_name_only_elsewhere="y", discreet_calendar="y")
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.first_name_only_elsewhere and person.discreet_calendar
    page = client.get(PAGE).text
    assert "Je instellingen zijn opgeslagen." in page
    assert page.count("checked") == 2
    # Unticking both (a browser sends no value for an unticked box).
    client.post(PAGE, data={k: v for k, v in form.data().items() if k == "csrf_token"})
    db.session.refresh(person)
    assert not person.first_name_only_elsewhere and not person.discreet_calendar
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.VISIBILITY_CHANGED)
    ).all()
    assert [(e.actor_id, e.subject_user_id) for e in events] == [(person.id, person.id)] * 2


def test_the_page_needs_a_signed_in_user(client):
    assert client.get(PAGE).status_code in (302, 401)


def test_one_rule_for_the_name(make_org, org, make_user):
    other, stranger_org = make_org("Gemeente Buurdorp"), make_org("Gemeente Elders")
    zoe = make_user(Role.PARTICIPANT, organisation=other, name="Zoë van der Berg")
    colleague = make_user(Role.PARTICIPANT, organisation=other)
    peer = make_user(Role.PARTICIPANT)  # of org: another organisation than Zoë's
    coach = make_user(Role.FACILITATOR)
    coordinator = make_user(Role.PARTICIPANT)
    outsider = make_user(Role.ADMIN, organisation=stranger_org)
    network_cohort([org, other], coach, coordinators=[coordinator])

    assert shown_name(zoe, peer) == "Zoë van der Berg"  # not chosen: the full name
    zoe.first_name_only_elsewhere = True
    assert first_name("Zoë van der Berg") == "Zoë"
    assert shown_name(zoe, peer) == "Zoë"
    assert shown_name(zoe, outsider) == "Zoë"
    assert shown_name(zoe, None) == "Zoë"
    assert shown_name(zoe, zoe) == "Zoë van der Berg"
    assert shown_name(zoe, colleague) == "Zoë van der Berg"  # own organisation
    assert shown_name(zoe, coach) == "Zoë van der Berg"  # facilitators as today
    assert shown_name(zoe, coordinator) == "Zoë van der Berg"  # coordinates the network


def test_a_manager_group_across_organisations_shows_the_chosen_first_name(
    client, make_org, org, make_user, login_as
):
    other = make_org("Gemeente Buurdorp")
    coach = make_user(Role.FACILITATOR)
    ours = make_user(Role.MANAGER, name="Anton Jansen")
    theirs = make_user(Role.MANAGER, organisation=other, name="Zoë van der Berg")
    theirs.first_name_only_elsewhere = True
    colleague = make_user(Role.MANAGER, organisation=other, name="Bram de Wit")
    network_cohort([org, other], coach)  # the network both belong to
    now = utcnow()
    data = cohorts.CohortData(
        name="Intervisie netwerk",
        capacity=6,
        signup_opens_at=now - timedelta(days=1),
        signup_closes_at=now + timedelta(days=30),
        open_to=[org, other],
        facilitators=[coach],
        kind=CohortKind.INTERVISION,
    )
    group = tracks.create_group(org, data, SERIES, [ours, theirs, colleague], coach)
    for member in (ours, theirs, colleague):
        cohorts.sign_up(group, member)
    db.session.commit()
    url = f"/leidinggevenden/groepen/{group.id}"

    login_as(ours)
    page = client.get(url).text
    assert "<li>Zoë</li>" in page and "van der Berg" not in page
    assert "Bram de Wit" in page
    login_as(colleague)  # Zoë's own organisation
    assert "Zoë van der Berg" in client.get(url).text
    login_as(coach)
    assert "Zoë van der Berg" in client.get(f"/cohorten/{group.id}").text
