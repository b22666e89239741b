"""Every form of every role, posted with hostile values: never a 500, and the invariants hold.

Issue #16.6. The forms are found, not listed: every POST route of the URL map, posted as a
user holding a role the role table (tests/role_tables) gives it, anonymously for public ones.
Field names and sensible values come from the pages themselves (every GET page a role may open
is read, and each ``<form method=post>`` is tied to the route its ``action`` names), plus the
field names of the feature's WTForms classes (posted as extra or lone fields). Each post starts
from the form's own values and changes some of them to hostile ones (empty, 100 kB, NUL,
CR/LF, right-to-left and emoji, SQL / template / script text, numbers and dates out of range),
drops some and adds others; now and then an id in the URL is one that does not exist.

Bounded and repeatable: POSTS_PER_ROUTE posts per route, chosen by ``random.Random(seed)``;
the seed is LEARNPATH_FUZZ_SEED (default SEED) and is part of every failure message. It runs
on both databases like the rest of the suite. Afterwards SQL checks the invariants: no cohort
has more seats taken than places, no plan has two active shares, nobody holds two active
programme places.
"""

from __future__ import annotations

import importlib
import logging
import os
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException
from wtforms.fields.core import UnboundField

from learnpath.accounts import networks
from learnpath.accounts.models import Role, User
from learnpath.action_plans.models import PlanShare
from learnpath.assignments.models import Submission
from learnpath.assignments.services import add_note
from learnpath.cohorts.models import ACTIVE_STATUSES, SEAT_STATUSES, Cohort, Enrolment
from learnpath.cohorts.tracks import exclusive_kinds
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.manager_tracks import services as meeting_services
from learnpath.opportunities import services as kansen
from learnpath.opportunities.models import Opportunity, OpportunityResponse, ResponseStatus
from learnpath.schedule.services import sessions_of
from learnpath.web.access import PUBLIC, SIGNED_IN
from learnpath.web.inputs import IdConverter
from tests.factories import make_cohort
from tests.manager_tracks.helpers import make_group as make_manager_group
from tests.manager_tracks.helpers import plan_next
from tests.opportunities.helpers import offer_data as kansen_offer_data
from tests.role_tables import ROUTES

SEED = 16
POSTS_PER_ROUTE = 14
HUGE = "x" * 100_000

#: Hostile values by kind; each post of a route takes its values from one kind (in turn).
HOSTILE: dict[str, list[str]] = {
    "empty": ["", " ", "\t"],
    "huge": [HUGE],
    "nul": ["a\x00b", "\x00", "Naam\x00\nmeer"],
    "crlf": ["Anouk\r\nBcc: x@example.org", "\r\n\r\n", "a\rb", "a\nb"],
    "unicode": [
        "\u202eRTL\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
        "\U0001f600\U0001f44d\U0001f3fd\u200d\u2640\ufe0f",
        "\ufeff",
        "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
        "\u0661\u0662",
    ],
    "injection": [
        "' OR 1=1 --",
        "1; DROP TABLE users; --",
        "{{7*7}}",
        "{% raw %}",
        "${7*7}",
        "%(name)s %s %n",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "javascript:alert(1)",
        "../../etc/passwd",
    ],
    "numbers": [
        "-1",
        "0",
        str(2**31),
        str(2**63),
        str(-(2**63) - 1),
        "9" * 40,
        "1e309",
        "-1e309",
        "NaN",
        "inf",
        "0x10",
        "3.5",
    ],
    "dates": [
        "0000-00-00",
        "9999-12-31",
        "0001-01-01",
        "2024-02-30",
        "0000-00-00T00:00",
        "9999-12-31T23:59",
        "0001-01-01T00:00",
        "25:61",
    ],
    "emails": ["a@b", "@example.org", "x" * 300 + "@example.org", "a@b@c", "iemand@example.org\n"],
}
KINDS = sorted(HOSTILE)
#: Ids in URLs: ones that do not exist, and ones beyond the database's range.
PATH_IDS = [999999, 2**31 - 1, 2**31, 2**63]
#: Posts that can end what other routes need (a place, a share, a role, the session): these
#: routes come last, so that the others meet the world intact.
LAST = {
    "accounts.logout",
    "accounts.sign_out_everywhere",
    "accounts.reset_password",
    "accounts.accept_invite",
    "admin.edit_user",
    "admin.edit_user_details",
    "admin.deactivate_user",
    "admin.remove_department",
    "admin.end_network",
    "action_plans.revoke",
    "cohorts.withdraw",
    "cohorts.remove",
    "cohorts.move",
    "cohorts.complete",
    "manager_tracks.withdraw",
    "privacy.erase_user",
    "privacy.request_erasure",
    "schedule.cancel_cohort",
    "schedule.cancel_session",
}


@dataclass
class Form:
    """One ``<form method=post>`` of a page: where it posts and its fields' own values."""

    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    #: Submit buttons with a name: (name, value).
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(urlsplit(a.get("action") or self.page_url).path)
                self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None or not name:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image"):
                form.buttons.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                form.fields.setdefault(name, [])
                if kind == "checkbox" or not form.fields[name]:
                    form.fields[name].append(a.get("value", "on"))
            else:
                form.fields.setdefault(name, []).append(a.get("value") or _sample(kind))
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "select":
            self._select = name
            form.fields.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            values = form.fields[self._select]
            if not values and a.get("value"):
                values.append(a["value"])
        elif tag == "textarea":
            self._textarea = name
            form.fields.setdefault(name, []).append("Een tekst van een paar woorden.")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _sample(kind: str) -> str:
    return {
        "email": "iemand@example.org",
        "number": "5",
        "date": "2031-05-06",
        "datetime-local": "2031-05-06T10:00",
        "time": "10:00",
        "url": "https://example.org/meeting",
        "password": "een-lang-wachtwoord-99",
    }.get(kind, "Tekst")


def _wtforms_fields(blueprint: str) -> set[str]:
    """The field names of every FlaskForm in the feature's forms modules."""
    names: set[str] = set()
    package = sys.modules.get(f"learnpath.{blueprint}")
    if package is None:
        return names
    for module_name in ("forms", "settings_form"):
        try:
            module = importlib.import_module(f"learnpath.{blueprint}.{module_name}")
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, FlaskForm):
                for cls in value.__mro__:
                    names |= {n for n, v in vars(cls).items() if isinstance(v, UnboundField)}
    return names


@dataclass
class World:
    """Real rows for the URLs: one organisation with a user per role and their things."""

    users: dict[Role, User]
    values: dict[str, int]
    group_values: dict[str, int]


@pytest.fixture
def world(setup, shared, make_user, client, login_as) -> World:
    share = shared(["question", "goals"])
    hr, admin = make_user(Role.HR), make_user(Role.ADMIN)
    make_cohort(setup.facilitator.organisation, setup.facilitator)  # somewhere to move people to
    others = [make_user(Role.MANAGER, name=f"Leidinggevende {i}") for i in range(2)]
    group = make_manager_group(
        setup.facilitator.organisation, setup.facilitator, [setup.manager, *others]
    )
    meeting_session = plan_next(group, setup.facilitator)
    meeting_services.meeting_for(meeting_session)
    db.session.commit()
    login_as(setup.participant)
    data = {
        "b-vraag": "Welke rol past bij mij in de komende jaren?",
        **{f"b-startpunt-{i}-score": "3" for i in range(4)},
        "action": "submit",
    }
    client.post("/opdrachten/loopbaanvraag", data=data)
    db.session.expire_all()
    submission = db.session.scalar(
        select(Submission.id).where(Submission.user_id == setup.participant.id)
    )
    cohort = db.session.get(Cohort, setup.cohort_id)
    assert cohort is not None
    session_id = sessions_of(cohort)[0].id
    note = add_note(cohort, setup.participant.id, setup.facilitator, "Een notitie.")
    db.session.commit()
    # The kansenbank: an opportunity (offered by HR) with the participant's response.
    opportunity = kansen.offer(hr, kansen_offer_data(places=1), set(get_content().competencies))
    response = kansen.respond(opportunity, setup.participant, "Een motivatie.")
    db.session.commit()
    # A network of the organisation (its admin accepted), coordinated by the facilitator.
    network = networks.create_network("fuzz-netwerk", "Fuzznetwerk")
    membership = networks.invite(network, admin.organisation)
    networks.consent(membership, admin)
    networks.add_coordinator(network, setup.facilitator)
    db.session.commit()
    values = {
        "cohort_id": setup.cohort_id,
        "enrolment_id": setup.enrolment_id,
        "session_id": session_id,
        "share_id": share.id,
        "user_id": setup.participant.id,
        "submission_id": submission or 1,
        "request_id": 1,
        "link_id": 1,
        "registration_id": 1,
        "message_id": 1,
        "number": 1,
        "note_id": note.id,
        "opportunity_id": opportunity.id,
        "response_id": response.id,
        "network_id": network.id,
        "membership_id": membership.id,
    }
    group_values = {**values, "cohort_id": group.id, "session_id": meeting_session.id}
    users = {
        Role.PARTICIPANT: setup.participant,
        Role.MANAGER: setup.manager,
        Role.FACILITATOR: setup.facilitator,
        Role.HR: hr,
        Role.ADMIN: admin,
    }
    return World(users, values, group_values)


TEXT_ARGS = {"slug": "loopbaanvraag", "direction": "omhoog", "token": "geen-geldige-token"}


def _url(app: Flask, world: World, endpoint: str, rng: random.Random | None) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    ids = world.group_values if endpoint.startswith("manager_tracks.") else world.values
    values: dict[str, Any] = {}
    for arg in rule.arguments:
        if arg in ids:
            values[arg] = ids[arg]
            if rng is not None and rng.random() < 0.08:
                values[arg] = rng.choice(PATH_IDS)
        elif isinstance(rule._converters[arg], IdConverter):  # noqa: SLF001
            values[arg] = 1  # an id of something the world does not have (a 404)
        else:
            values[arg] = TEXT_ARGS.get(arg, "x")
    with app.test_request_context():
        return url_for(endpoint, **values)


def _sign_in(client: Any, user: User | None) -> None:
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            fresh = db.session.get(User, user.id)  # the session epoch may have moved on
            if fresh is not None:
                session["_user_id"] = fresh.get_id()
                session["_fresh"] = True


def _user_for(world: World, rule: object, rng: random.Random) -> User | None:
    if rule == PUBLIC:
        return None
    if rule == SIGNED_IN:
        return rng.choice(list(world.users.values()))
    assert isinstance(rule, frozenset)
    return world.users[rng.choice(sorted(rule))]


def _crawl(app: Flask, client: Any, world: World) -> dict[str, list[Form]]:
    """Every page each role may open, read for post forms: endpoint -> forms that post to it."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, list[Form]] = defaultdict(list)
    for role, user in world.users.items():
        _sign_in(client, user)
        for endpoint, (rule, _method) in ROUTES.items():
            allowed = rule in (PUBLIC, SIGNED_IN) or (isinstance(rule, frozenset) and role in rule)
            if endpoint == "static" or not allowed:
                continue
            rule_obj = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            if "GET" not in (rule_obj.methods or ()) or endpoint.endswith(
                ("_csv", "_zip", "export")
            ):
                continue
            url = _url(app, world, endpoint, None)
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            parser = _FormParser(url)
            parser.feed(response.text)
            for form in parser.forms:
                try:
                    target, _args = adapter.match(form.action, method="POST")
                except HTTPException:
                    continue
                found[str(target)].append(form)
    return found


def _hostile(rng: random.Random, kind: str | None = None) -> str:
    return rng.choice(HOSTILE[kind or rng.choice(KINDS)])


def _payload(
    rng: random.Random, kind: str, forms: list[Form], extra: list[str]
) -> dict[str, list[str]]:
    """A post: a form's own values, many of them of one hostile kind, some dropped, some added."""
    if forms:
        form = rng.choice(forms)
        data = {name: list(values) for name, values in form.fields.items()}
        if form.buttons:
            name, value = rng.choice(form.buttons)
            data[name] = [value]
    else:
        data = {name: ["1"] for name in rng.sample(extra, min(len(extra), 3))}
    if rng.random() < 0.04:
        return {}
    for name in list(data):
        roll = rng.random()
        if roll < 0.6:
            data[name] = [_hostile(rng, kind) for _ in data[name] or [""]]
        elif roll < 0.7:
            del data[name]
        elif roll < 0.75:
            data[name] = [_hostile(rng, kind), _hostile(rng)]  # a single field sent twice
    if rng.random() < 0.3:
        pool = [*extra, "csrf_token", "id", "user_id", "organisation_id", "is_admin", "roles"]
        data[rng.choice(pool)] = [_hostile(rng, kind)]
    if rng.random() < 0.1:
        data[_hostile(rng)[:40] or "leeg"] = ["1"]
    return data


def _short(data: dict[str, list[str]]) -> str:
    return repr({k[:30]: [v[:40] for v in vs] for k, vs in data.items()})[:400]


def _invariants() -> list[str]:
    problems = []
    seats = (
        select(Cohort.id, Cohort.capacity, func.count(Enrolment.id))
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(Enrolment.status.in_(SEAT_STATUSES))
        .group_by(Cohort.id, Cohort.capacity)
    )
    for cohort_id, capacity, taken in db.session.execute(seats):
        if taken > capacity:
            problems.append(f"cohort {cohort_id}: {taken} seats taken of {capacity}")
    shares = (
        select(PlanShare.plan_id, func.count())
        .where(PlanShare.revoked_at.is_(None))
        .group_by(PlanShare.plan_id)
        .having(func.count() > 1)
    )
    problems += [f"plan {plan}: {n} active shares" for plan, n in db.session.execute(shares)]
    # One active programme per person: ACTIVE_STATUSES in cohorts of exclusive kinds.
    places = (
        select(Enrolment.user_id, func.count())
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.status.in_(ACTIVE_STATUSES), Cohort.kind.in_(exclusive_kinds()))
        .group_by(Enrolment.user_id)
        .having(func.count() > 1)
    )
    problems += [f"user {user}: {n} active programmes" for user, n in db.session.execute(places)]
    # The kansenbank: no opportunity has more people accepted than places.
    accepted = (
        select(Opportunity.id, Opportunity.places, func.count(OpportunityResponse.id))
        .join(OpportunityResponse, OpportunityResponse.opportunity_id == Opportunity.id)
        .where(OpportunityResponse.status == ResponseStatus.ACCEPTED)
        .group_by(Opportunity.id, Opportunity.places)
    )
    for opportunity_id, places, taken in db.session.execute(accepted):
        if taken > places:
            problems.append(f"opportunity {opportunity_id}: {taken} accepted of {places}")
    return problems


def test_fuzzed_posts_to_every_form_never_crash(app, client, world, caplog, capsys):
    seed = int(os.environ.get("LEARNPATH_FUZZ_SEED", SEED))
    rng = random.Random(seed)
    caplog.set_level(logging.ERROR)
    forms = _crawl(app, client, world)
    post_routes = sorted(
        r.endpoint
        for r in app.url_map.iter_rules()
        if "POST" in (r.methods or ()) and r.endpoint in ROUTES
    )
    rng.shuffle(post_routes)
    post_routes.sort(key=lambda endpoint: endpoint in LAST)  # stable: shuffled within each part
    crashes: list[str] = []
    posts = 0
    for endpoint in post_routes:
        rule, _method = ROUTES[endpoint]
        extra = sorted(_wtforms_fields(endpoint.split(".")[0]))
        offset = rng.randrange(len(KINDS))
        for i in range(POSTS_PER_ROUTE):
            kind = KINDS[(offset + i) % len(KINDS)]
            _sign_in(client, _user_for(world, rule, rng))
            url = _url(app, world, endpoint, rng)
            data = _payload(rng, kind, forms.get(endpoint, []), extra)
            posts += 1
            caplog.clear()
            try:
                status = client.post(url, data=data).status_code
            except Exception as exc:  # a crash that escaped the error page
                status = 500
                caplog.records.append(logging.makeLogRecord({"msg": repr(exc), "levelno": 50}))
            logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            if status >= 500 or logged:
                crashes.append(f"{endpoint} POST {url} {_short(data)} -> {status} {logged[:1]}")
    db.session.expire_all()
    broken = _invariants()
    with capsys.disabled():
        print(
            f"\nfuzz ({db.engine.dialect.name}, seed {seed}): {posts} posts to "
            f"{len(post_routes)} routes ({len(forms)} with forms found on pages), "
            f"{len(crashes)} server errors"
        )
    assert not crashes, f"seed {seed}: {len(crashes)} of {posts} posts crashed:\n" + "\n".join(
        crashes[:30]
    )
    assert not broken, f"seed {seed}: invariants broken: {broken}"
