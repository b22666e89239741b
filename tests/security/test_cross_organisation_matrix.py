"""Issue 23: the cross-organisation matrix. Every personal resource of a participant in a
network cohort × everyone of another organisation who might look: a participant of the other
member organisation in the same cohort, their manager, their HR and administrator, a network
coordinator (of the other organisation, not facilitating the cohort), and the administrator,
HR, facilitator and manager of an organisation outside the network → refused (403/404), with
none of the resource's content in the body; lists and overviews they may open name nothing of
it; posts to the resource change nothing.

The owner is tried on both sides of the network: in the organisation that runs the cohort and
in the other member organisation (whose people the host's HR must not see either). The data is
built once per side (the tables are emptied after every test); the whole module runs in
seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from learnpath.accounts.models import NetworkMembership, Role, User
from learnpath.action_plans import services as plans
from learnpath.action_plans.models import PlanShare
from learnpath.assignments import selfassessment
from learnpath.assignments import services as assignments
from learnpath.assignments.models import FacilitatorNote, Feedback, SelfAssessment, Submission
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.ical import services as ical
from learnpath.live import services as live
from learnpath.live.models import AbsenceNotice
from learnpath.messages import services as messages
from learnpath.messages.models import Audience, BodyFormat
from learnpath.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityResponse,
    OpportunityStatus,
    ResponseStatus,
    TimeUnit,
)
from tests.factories import enrol, full_plan_data, network_cohort, plan
from tests.role_tables import ROUTES

OWNER = "Xandra Eigenaar"
#: What of the owner's must never reach a viewer: name, address and the texts they wrote or
#: were written about them.
IDENTITY = (OWNER, "Eigenaar", "xandra.eigenaar@")
WORK = (
    "Vraag-Q",  # the action plan (tests.factories.full_plan_data)
    "Ambitie-A",
    "Antwoord-Geheim-77",  # an assignment answer
    "Feedback-Geheim-33",  # the facilitator's feedback
    "Notitie-Geheim-55",  # a facilitator's private note
    "Bericht-Geheim-22",  # a message sent to the owner alone
    "Motivatie-Geheim-44",  # a kansenbank motivation
    "Kamer-Geheim-66",  # where the career conversation with the manager takes place
)
MARKERS = IDENTITY + WORK
REFUSED = (403, 404)

#: The owner's personal resources: each is refused to every viewer.
PERSONAL = (
    "/team/plannen/{share}",
    "/team/plannen/{share}/export?format=pdf&sections=question&sections=goals",
    "/team/plannen/{share}/export?format=docx&sections=question&sections=goals",
    "/actieplan/versies/1",
    "/cohorten/{cohort}/deelnemers/{enrolment}/actieplan",
    "/cohorten/{cohort}/deelnemers/{enrolment}",
    "/cohorten/{cohort}/deelnemers/{enrolment}/notities/{note}/bewerken",
    "/cohorten/{cohort}/deelnemers/{enrolment}/notities/{note}/verwijderen",
    "/cohorten/{cohort}/inzendingen/{submission}",
    "/cohorten/{cohort}/opdrachten",
    "/cohorten/{cohort}/zelfscan",
    "/cohorten/{cohort}/certificaten/{enrolment}.pdf",
    "/mijn-traject/{enrolment}/certificaat.pdf",
    "/cohorten/{cohort}/sessies/{session}/aanwezigheid",
    "/cohorten/{cohort}/sessies/{session}/evaluatie",
    "/cohorten/{cohort}/presentielijst.pdf",
    "/cohorten/{cohort}/deelnemerslijst.csv",
    "/cohorten/{cohort}/deelnemerslijst.xlsx",
    "/cohorten/{cohort}/berichten/nieuw",
    "/cohorten/{cohort}",
    "/cohorten/{cohort}/inschrijvingen/{enrolment}/verwijderen",
    "/privacy/gebruikers/{user}/export.json",
    "/privacy/gebruikers/{user}/wissen",
    "/beheer/gebruikers/{user}",
    "/beheer/gebruikers/{user}/deactiveren",
    "/kansenbank/{opportunity}/reacties",
)

#: What a network coordinator who does not facilitate the cohort still does: run it (its
#: roster, waitlist and removals, cohorts.services.can_manage), with names but without any of
#: the participants' work.
RUNS = (
    "/cohorten/{cohort}",
    "/cohorten/{cohort}/inschrijvingen/{enrolment}/verwijderen",
)
COORDINATOR = "network coordinator"

#: Pages a viewer may open (their own lists, overviews, network pages): nothing of the owner.
OVERVIEWS = (
    "/",
    "/team",
    "/goedkeuringen",
    "/actieplan",
    "/opdrachten",
    "/zelfscan",
    "/mijn-traject",
    "/agenda",
    "/cohorten",
    "/trajecten",
    "/privacy/gebruikers",
    "/privacy/gebruikers?q=Xandra",
    "/privacy/auditlog",
    "/beheer/gebruikers",
    "/beheer/gebruikers?q=Xandra",
    "/beheer/gebruikers/export.csv",
    "/netwerken",
    "/netwerken/{network}",
    "/kansenbank",
    "/kansenbank/{opportunity}",
    "/kansenbank/aanbod",
    "/kansenbank/mijn-reacties",
    "/sessies/{session}/deelnemen",
    "/sessies/{session}/materialen",
    "/privacy/mijn-gegevens.json",
)

#: Changes to the owner's resources: refused, and nothing changes (checked afterwards).
POSTS = (
    ("/actieplan/delen/{share}/intrekken", {}),
    ("/actieplan/delen/{share}/onderdelen", {"sections": ["question"]}),
    ("/team/plannen/{share}/ontvangen", {}),
    ("/team/plannen/{share}/notities", {"manager_notes": "x", "text": "x"}),
    ("/cohorten/{cohort}/deelnemers/{enrolment}/notities", {"text": "Vreemde notitie"}),
    ("/cohorten/{cohort}/deelnemers/{enrolment}/notities/{note}/verwijderen", {"confirm": "y"}),
    ("/cohorten/{cohort}/inzendingen/{submission}", {"text": "Vreemde feedback"}),
    ("/cohorten/{cohort}/deelnemers/{enrolment}/verlenging", {"slug": "loopbaanvraag"}),
    ("/cohorten/{cohort}/inschrijvingen/{enrolment}/verwijderen", {"confirm": "y"}),
    ("/privacy/gebruikers/{user}/wissen", {"confirm": "y"}),
    ("/beheer/gebruikers/{user}/deactiveren", {"confirm": "y"}),
    ("/goedkeuringen/{enrolment}", {"decision": "decline"}),
    ("/kansenbank/reacties/{response}/besluit", {"decision": "decline", "accept": "0"}),
    ("/kansenbank/reacties/{response}/intrekken", {}),
    ("/mijn-traject/{enrolment}/afmelden", {"confirm": "y"}),
)


@dataclass
class World:
    owner: User
    viewers: dict[str, User]
    ids: dict[str, int]
    sections: list[str]
    own_manager: User


def _build(side: str, org, make_org, make_user, client, login_as) -> World:
    member = make_org("Gemeente Buurdorp")
    outsider_org = make_org("Gemeente Elders")
    own_org, other_org = (org, member) if side == "host" else (member, org)
    coach = make_user(Role.FACILITATOR, organisation=org, name="Coach Carla")
    own_manager = make_user(Role.MANAGER, organisation=own_org, name="Manon Eigen")
    owner = make_user(
        Role.PARTICIPANT,
        organisation=own_org,
        name=OWNER,
        email="xandra.eigenaar@example.org",
        manager=own_manager,
    )
    their_manager = make_user(Role.MANAGER, organisation=other_org, name="Mark Ander")
    viewers = {
        "participant of the other organisation": make_user(
            Role.PARTICIPANT, organisation=other_org, name="Pim Ander", manager=their_manager
        ),
        "their manager": their_manager,
        "their HR": make_user(Role.HR, organisation=other_org, name="Hanna Ander"),
        "their admin": make_user(Role.ADMIN, organisation=other_org, name="Arie Ander"),
        "network coordinator": make_user(
            Role.FACILITATOR, organisation=other_org, name="Cor Dinator"
        ),
        "non-member admin": make_user(Role.ADMIN, organisation=outsider_org),
        "non-member HR": make_user(Role.HR, organisation=outsider_org),
        "non-member facilitator": make_user(Role.FACILITATOR, organisation=outsider_org),
        "non-member manager": make_user(Role.MANAGER, organisation=outsider_org),
    }
    cohort = network_cohort([org, member], coach, coordinators=[viewers["network coordinator"]])
    sessions = plan(cohort, coach)
    enrolment = enrol(cohort, owner)
    enrol(cohort, viewers["participant of the other organisation"])
    content = get_content()

    action_plan = plans.start_plan(enrolment, content, "nl")
    plans.save_plan(action_plan, full_plan_data(), utcnow().date(), final=True)
    share = plans.share(action_plan, own_manager, ["question", "ambition", "goals"])
    now = utcnow()
    talk = plans.propose_times(share, [now + timedelta(days=10)], 60, now, "Kamer-Geheim-66")
    plans.accept_time(talk, talk.proposals[0].id, now)
    db.session.commit()

    login_as(owner)  # the owner's own work, through their pages
    answers = {
        "b-vraag": "Antwoord-Geheim-77: welke rol past bij mij?",
        **{f"b-startpunt-{i}-score": "3" for i in range(4)},
        "action": "submit",
    }
    assert client.post("/opdrachten/loopbaanvraag", data=answers).status_code == 302
    inst = selfassessment.instrument(content)
    scores = {
        selfassessment.item_field(item.slug): "4" for scale in inst.scales for item in scale.items
    }
    assert client.post("/zelfscan/start", data=scores).status_code == 302
    db.session.expire_all()
    submission = db.session.scalar(select(Submission).where(Submission.user_id == owner.id))
    assert submission is not None
    assignment = next(
        a for a in assignments.assignments_of(cohort, content) if a.slug == "loopbaanvraag"
    )
    assignments.give_feedback(submission, assignment, coach, "Feedback-Geheim-33 goed gedaan")
    note = assignments.add_note(cohort, owner.id, coach, "Notitie-Geheim-55 let op")
    live.say_cannot_come(sessions[0], owner, None, utcnow())
    messages.send(
        cohort,
        coach,
        messages.Draft(
            Audience.SELECTED,
            "Persoonlijk",
            "Bericht-Geheim-22 voor jou alleen",
            BodyFormat.PLAIN,
            selected=(owner.id,),
        ),
        key="matrix-1",
    )
    offerer = make_user(Role.PARTICIPANT, organisation=own_org, name="Olga Aanbieder")
    opportunity = Opportunity(
        organisation_id=own_org.id,
        offered_by_id=offerer.id,
        kind=OpportunityKind.SHADOWING,
        title="Meeloopdag Wijkteam",
        team="Wijkteam",
        time_amount=1,
        time_unit=TimeUnit.DAYS,
        learns="Hoe een wijkteam werkt",
        competency="werkexploratie",
        network_id=cohort.network_id,
        status=OpportunityStatus.OPEN,
        places=2,
    )
    db.session.add(opportunity)
    db.session.flush()
    response = OpportunityResponse(
        opportunity_id=opportunity.id,
        user_id=owner.id,
        motivation="Motivatie-Geheim-44: ik wil graag meelopen",
    )
    db.session.add(response)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SelfAssessment)) == 1
    ids = {
        "cohort": cohort.id,
        "enrolment": enrolment.id,
        "session": sessions[0].id,
        "share": share.id,
        "submission": submission.id,
        "note": note.id,
        "user": owner.id,
        "network": cohort.network_id or 0,
        "opportunity": opportunity.id,
        "response": response.id,
    }
    return World(owner, viewers, ids, list(share.sections), own_manager)


def _reach(app: Flask) -> Callable[[User, str, str], bool]:
    """Whether the role table lets the viewer's roles reach the URL at all. A URL no role of
    theirs may open is refused by its access declaration (tests/test_access.py checks every
    route of the table for every role), so it is not requested again here."""
    adapter = app.url_map.bind("localhost")

    def reaches(viewer: User, url: str, method: str) -> bool:
        endpoint, _ = adapter.match(urlsplit(url).path, method)
        rule = ROUTES[endpoint][0]
        return not isinstance(rule, frozenset) or bool(rule & viewer.roles)

    return reaches


def _feed_url(user: User, facilitating: bool) -> str:
    row = ical.issue_token(user, facilitating=facilitating)
    db.session.commit()
    links = ical.feed_links(row)
    assert links is not None
    return links.https.removeprefix("http://localhost")


def _leaks(body: bytes, markers: tuple[str, ...] = MARKERS) -> list[str]:
    text = body.decode("utf-8", "replace")
    return [m for m in markers if m in text]


@pytest.mark.parametrize("side", ["host", "member"])
def test_nothing_personal_crosses_organisations(
    side, app, client, org, make_org, make_user, login_as
):
    world = _build(side, org, make_org, make_user, client, login_as)
    problems: list[str] = []
    reaches = _reach(app)
    asked: Counter[str] = Counter()
    for who, viewer in world.viewers.items():
        login_as(viewer)
        for template in PERSONAL:
            url = template.format(**world.ids)
            if not reaches(viewer, url, "GET"):
                continue
            response = client.get(url)
            asked[who] += 1
            body = response.data
            if who == COORDINATOR and template in RUNS:
                if leaked := _leaks(body, WORK):
                    problems.append(f"{who}: GET {url} shows {leaked}")
                continue
            if response.status_code not in REFUSED:
                problems.append(f"{who}: GET {url} -> {response.status_code}")
            if leaked := _leaks(body):
                problems.append(f"{who}: GET {url} shows {leaked}")
        for template in OVERVIEWS:
            url = template.format(**world.ids)
            if not reaches(viewer, url, "GET"):
                continue
            response = client.get(url)
            asked[who] += 1
            if response.status_code >= 500:
                problems.append(f"{who}: GET {url} -> {response.status_code}")
            if leaked := _leaks(response.data):
                problems.append(f"{who}: GET {url} shows {leaked}")
        for template, data in POSTS:
            url = template.format(**world.ids)
            if not reaches(viewer, url, "POST") or (who == COORDINATOR and template in RUNS):
                continue
            response = client.post(url, data=data)
            asked[who] += 1
            if response.status_code not in REFUSED:
                problems.append(f"{who}: POST {url} -> {response.status_code}")
            if leaked := _leaks(response.data):
                problems.append(f"{who}: POST {url} shows {leaked}")

    # Calendar feeds: the viewer's own (and, for facilitators, their facilitating feed) show
    # nothing of the owner; the owner's own manager's feed does hold the conversation.
    for who, viewer in world.viewers.items():
        kinds = [False, True] if Role.FACILITATOR in viewer.roles else [False]
        for facilitating in kinds:
            body = client.get(_feed_url(viewer, facilitating)).data
            if leaked := _leaks(body):
                problems.append(f"{who}: calendar feed shows {leaked}")
            asked[who] += 1
    assert b"Kamer-Geheim-66" in client.get(_feed_url(world.own_manager, False)).data

    # Every viewer was asked something their roles may open (the rest the role table refuses).
    assert all(asked[who] >= 10 for who in world.viewers), asked
    # Nothing the posts aimed at changed.
    db.session.expire_all()
    share = db.session.get(PlanShare, world.ids["share"])
    assert share is not None and share.is_active and share.acknowledged_at is None
    assert share.sections == world.sections
    assert db.session.scalar(select(func.count()).select_from(FacilitatorNote)) == 1
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1
    assert db.session.get(Enrolment, world.ids["enrolment"]).status == EnrolmentStatus.ENROLLED
    owner = db.session.get(User, world.owner.id)
    assert owner is not None and owner.is_active_account and owner.name == OWNER
    response = db.session.get(OpportunityResponse, world.ids["response"])
    assert response is not None and response.status == ResponseStatus.PENDING
    assert db.session.scalar(select(func.count()).select_from(AbsenceNotice)) == 1
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_matrix_sees_an_active_network(org, make_org, make_user):
    """The data above is what it claims: both organisations consented members, the third not."""
    member, outsider = make_org("Gemeente Buurdorp"), make_org("Gemeente Elders")
    coach = make_user(Role.FACILITATOR)
    cohort = network_cohort([org, member], coach)
    rows = db.session.scalars(
        select(NetworkMembership).where(NetworkMembership.network_id == cohort.network_id)
    ).all()
    assert {r.organisation_id for r in rows} == {org.id, member.id}
    assert all(r.is_active for r in rows)
    assert {o.id for o in cohort.open_to} == {org.id, member.id}
    assert outsider.id not in {r.organisation_id for r in rows}
    assert cohort.signup_closes_at - cohort.signup_opens_at > timedelta(days=1)
