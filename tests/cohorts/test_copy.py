"""Copy a cohort (settings, co-facilitators, sessions on new dates, same weekdays and local
times across DST, validated like a plan) and cohort templates per organisation."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from learnpath.accounts.models import Role
from learnpath.cohorts.models import Cohort, CohortSession, CohortTemplate
from learnpath.cohorts.queries import sessions_of
from learnpath.db import utcnow
from learnpath.extensions import db
from tests.factories import make_cohort, plan

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def coach(make_user):
    return make_user(Role.FACILITATOR, name="Carla Coach")


@pytest.fixture
def source(org, coach, make_user):
    co = make_user(Role.FACILITATOR, name="Bram Begeleider")
    cohort = make_cohort(org, [coach, co], name="Najaar", capacity=10, claim_hours=48)
    plan(cohort, coach)  # Mondays, two weeks apart, 09:30 (winter time)
    return cohort


def spring_monday() -> date:
    """The Monday before the last Sunday of March next year: the later sessions of a copy
    starting there are in summer time."""
    year = utcnow().year + 1
    last = date(year, 3, 31)
    sunday = last - timedelta(days=(last.weekday() - 6) % 7)
    return sunday - timedelta(days=6)


def copy_form(cohort, first_day, **changes):
    """What the copy page posts for ``cohort``'s settings and a new first date."""
    opens = utcnow().astimezone(AMS) + timedelta(days=1)
    data = {
        "name": f"{cohort.name} (kopie)",
        "capacity": str(cohort.capacity),
        "signup_opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "signup_closes_at": (opens + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
        "signup_mode": cohort.signup_mode.value,
        "claim_window_hours": str(cohort.claim_window_hours or ""),
        "open_to": [str(o.id) for o in cohort.open_to],
        "facilitators": [str(u.id) for u in cohort.facilitators],
        "first_day": first_day.isoformat(),
    }
    data.update(changes)
    return data


def test_copy_keeps_settings_people_weekdays_and_local_times(client, source, coach, login_as):
    login_as(coach)
    page = client.get(f"/cohorten/{source.id}/kopieren").text
    assert 'value="Najaar (kopie)"' in page and 'value="10"' in page and 'value="48"' in page
    assert page.count("checked") >= 3  # own organisation and both facilitators
    assert "Een maandag" in page
    first = spring_monday()
    response = client.post(f"/cohorten/{source.id}/kopieren", data=copy_form(source, first))
    assert response.status_code == 302, response.text
    copy = db.session.scalars(select(Cohort).where(Cohort.name == "Najaar (kopie)")).one()
    assert (copy.capacity, copy.claim_window_hours) == (10, 48)
    assert [u.name for u in copy.facilitators] == ["Bram Begeleider", "Carla Coach"]
    assert [o.id for o in copy.open_to] == [o.id for o in source.open_to]
    old, new = sessions_of(source), sessions_of(copy)
    assert [s.blueprint_slug for s in new] == [s.blueprint_slug for s in old]
    assert [s.starts_at.astimezone(AMS).date() for s in new] == [
        first + timedelta(days=14 * i) for i in range(3)
    ]
    # Same wall-clock time although the clocks moved between the first and the others.
    assert {s.starts_at.astimezone(AMS).strftime("%a %H:%M") for s in new} == {"Mon 09:30"}
    assert len({s.starts_at.utcoffset() for s in new}) == 1  # stored in UTC
    assert len({s.starts_at.astimezone(AMS).utcoffset() for s in new}) == 2
    assert {s.uid for s in new}.isdisjoint({s.uid for s in old})
    assert copy.enrolments == []


def test_refusals_come_back_with_the_input_kept(client, source, coach, login_as):
    login_as(coach)
    url = f"/cohorten/{source.id}/kopieren"
    before = db.session.scalar(select(func.count()).select_from(Cohort))
    tuesday = spring_monday() + timedelta(days=1)
    response = client.post(url, data=copy_form(source, tuesday, name="Voorjaar bis"))
    assert response.status_code == 200
    assert "dezelfde weekdag" in response.text and "maandag" in response.text
    assert 'value="Voorjaar bis"' in response.text and 'aria-invalid="true"' in response.text
    past_monday = date.today() - timedelta(days=date.today().weekday() + 7)
    response = client.post(url, data=copy_form(source, past_monday))
    assert response.status_code == 200
    assert "Niet alle sessies passen" in response.text
    assert "Dit moment is al voorbij." in response.text
    response = client.post(url, data=copy_form(source, spring_monday(), capacity="2"))
    assert response.status_code == 200 and 'value="2"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == before


def test_templates_per_organisation(client, org, source, coach, make_org, make_user, login_as):
    login_as(coach)
    response = client.post(f"/cohorten/{source.id}/als-sjabloon", data={"name": "Standaard"})
    assert response.status_code == 302
    template = db.session.scalars(select(CohortTemplate)).one()
    assert template.organisation_id == org.id and "2026" not in template.pattern
    again = client.post(f"/cohorten/{source.id}/als-sjabloon", data={"name": "Standaard"})
    assert again.status_code == 200 and "al een sjabloon met deze naam" in again.text
    # A colleague in the same organisation starts a cohort from it.
    colleague = make_user(Role.FACILITATOR, name="Dirk Docent")
    login_as(colleague)
    assert "Standaard" in client.get("/cohorten/sjablonen").text
    page = client.get(f"/cohorten/sjablonen/{template.id}/nieuw").text
    assert 'value="Standaard"' in page
    first = spring_monday() + timedelta(days=7)
    response = client.post(
        f"/cohorten/sjablonen/{template.id}/nieuw",
        data=copy_form(
            source, first, name="Voorjaar", facilitators=[str(colleague.id), str(coach.id)]
        ),
    )
    assert response.status_code == 302, response.text
    made = db.session.scalars(select(Cohort).where(Cohort.name == "Voorjaar")).one()
    assert colleague in made.facilitators and coach in made.facilitators
    assert [s.starts_at.astimezone(AMS).date() for s in sessions_of(made)][0] == first
    # Another organisation's facilitator sees nothing of it.
    stranger = make_user(Role.FACILITATOR, organisation=make_org())
    login_as(stranger)
    assert "Standaard" not in client.get("/cohorten/sjablonen").text
    assert client.get(f"/cohorten/sjablonen/{template.id}/nieuw").status_code == 404
    assert client.post(f"/cohorten/sjablonen/{template.id}/verwijderen").status_code == 404
    assert client.get(f"/cohorten/{source.id}/kopieren").status_code == 404
    assert client.get(f"/cohorten/{source.id}/als-sjabloon").status_code == 404
    # Deleting asks first.
    login_as(colleague)
    template_id = template.id
    confirm = client.get(f"/cohorten/sjablonen/{template_id}/verwijderen")
    assert "Ja, verwijder het sjabloon" in confirm.text
    assert db.session.get(CohortTemplate, template_id) is not None
    client.post(f"/cohorten/sjablonen/{template_id}/verwijderen", data={})
    db.session.expire_all()
    assert db.session.get(CohortTemplate, template_id) is None
    assert db.session.get(Cohort, made.id) is not None


def test_a_facilitator_of_another_cohort_cannot_copy_it(client, source, make_user, login_as):
    login_as(make_user(Role.FACILITATOR))
    assert client.get(f"/cohorten/{source.id}/kopieren").status_code == 404
    assert client.post(f"/cohorten/{source.id}/kopieren", data={}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CohortSession)) == 3
