"""Workshop materials: content with a Markdown body in both languages, checked when it is
loaded, and a page per material for the group's members and facilitators only."""

from __future__ import annotations

import shutil
from pathlib import Path

from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import CohortKind
from learnpath.content_registry import get_content
from learnpath.extensions import db
from tests.content.content_tree import PROJECT_ROOT, ContentTree, delete, set_at
from tests.manager_tracks.helpers import SERIES, make_group, plan_workshop

WORKSHOP_FILE = "modules/workshops/het-goede-loopbaangesprek.toml"


def url(cohort, slug: str = "") -> str:
    base = f"/leidinggevenden/groepen/{cohort.id}/materialen"
    return f"{base}/{slug}" if slug else base


# --- content ---------------------------------------------------------------------------------


def test_every_workshop_material_has_a_written_text_in_both_languages(app):
    series = get_content().workshop_series[SERIES]
    materials = [m for meeting in series.meetings for m in meeting.materials]
    assert len(materials) == 5
    for material in materials:
        for text in (material.body.nl, material.body.en):
            assert len(text) > 1000, material.slug  # a handout, not a title
            assert "\n## " in text, material.slug  # structured with headings
    assert "geen beoordelingsgesprek" in series.material("gespreksleidraad")[1].body.nl


def test_material_problems_are_reported_at_their_field(tmp_path: Path):
    for directory in ("modules", "assignments"):
        shutil.copytree(PROJECT_ROOT / directory, tmp_path / directory)
    tree = ContentTree(tmp_path)
    tree.edit(
        WORKSHOP_FILE,
        set_at("meetings[0].materials[0].body.nl", "Tekst met <b>HTML</b>."),
        set_at("meetings[0].materials[1].body.en", "# A second title\n\nText."),
        set_at("meetings[1].materials[0].slug", "gespreksleidraad"),
        delete("meetings[2].materials[0].body"),
    )
    assert tree.located() == [
        (WORKSHOP_FILE, "meetings[0].materials[0].body.nl"),
        (WORKSHOP_FILE, "meetings[0].materials[1].body.en"),
        (WORKSHOP_FILE, "meetings[2].materials[0].body"),
        (WORKSHOP_FILE, "meetings[1].materials[0].slug"),
    ]


# --- pages -----------------------------------------------------------------------------------


def test_a_member_opens_a_material_from_the_group_page(org, coach, managers, login_as, client):
    cohort = make_group(org, coach, managers[:3], kind=CohortKind.WORKSHOP)
    plan_workshop(cohort, coach)
    login_as(managers[0])
    group = client.get(f"/leidinggevenden/groepen/{cohort.id}").text
    assert f'href="{url(cohort, "gespreksleidraad")}"' in group
    assert f'href="{url(cohort)}"' in group

    page = client.get(url(cohort, "gespreksleidraad"))
    assert page.status_code == 200
    assert "<h1>Gespreksleidraad loopbaangesprek" in page.text
    assert "<h2>De opbouw van het gesprek</h2>" in page.text  # Markdown rendered
    assert "<strong>geen beoordelingsgesprek</strong>" in page.text
    assert "Bijeenkomst 1: Voorbereiden" in page.text

    overview = client.get(url(cohort)).text
    for slug in ("vijf-loopbaancompetenties", "oefencasussen", "ondersteuningsmogelijkheden"):
        assert f'href="{url(cohort, slug)}"' in overview


def test_the_material_is_shown_in_the_readers_language(org, coach, make_user, login_as, client):
    english = make_user(Role.MANAGER, locale="en")
    cohort = make_group(org, coach, [english], kind=CohortKind.WORKSHOP)
    login_as(english)
    page = client.get(url(cohort, "observatieformulier"), headers={"Accept-Language": "en"})
    assert "<h1>Observation form</h1>" in page.text
    assert "<h2>One tip and one top</h2>" in page.text


def test_facilitators_of_the_group_read_the_materials_others_are_refused(
    org, make_org, coach, managers, make_user, login_as, client
):
    cohort = make_group(org, coach, managers[:2], kind=CohortKind.WORKSHOP)
    login_as(coach)
    assert client.get(url(cohort, "oefencasussen")).status_code == 200
    assert f'href="{url(cohort)}"' in client.get("/leidinggevenden/groepen").text

    other_org = make_org()
    outsiders = {
        "facilitator of another group": make_user(Role.FACILITATOR),
        "manager not in the group": managers[5],
        "manager of another organisation": make_user(Role.MANAGER, organisation=other_org),
    }
    for who, user in outsiders.items():
        login_as(user)
        assert client.get(url(cohort)).status_code == 404, who
        assert client.get(url(cohort, "oefencasussen")).status_code == 404, who


def test_invited_and_waitlisted_managers_do_not_read_them_yet(
    org, coach, managers, login_as, client
):
    full = make_group(org, coach, managers[:4], kind=CohortKind.WORKSHOP, capacity=4)
    cohorts.sign_up(full, managers[4])  # fifth for four seats: on the waitlist
    db.session.commit()
    login_as(managers[4])
    assert client.get(url(full, "oefencasussen")).status_code == 404
    invited = make_group(
        org, coach, managers[5:], kind=CohortKind.WORKSHOP, name="Groep B", accept=False
    )
    login_as(managers[5])
    assert client.get(url(invited)).status_code == 404


def test_unknown_material_and_intervision_groups_have_none(org, coach, managers, login_as, client):
    workshop = make_group(org, coach, managers[:2], kind=CohortKind.WORKSHOP)
    intervision = make_group(org, coach, managers[2:5], name="Intervisie")
    login_as(managers[0])
    assert client.get(url(workshop, "bestaat-niet")).status_code == 404
    login_as(managers[2])
    assert client.get(url(intervision)).status_code == 404
