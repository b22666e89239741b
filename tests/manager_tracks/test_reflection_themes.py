"""A manager's reflections are tagged with the track's theme (the meeting they follow), not
with the participants' career competencies; the list says what is next truthfully."""

from __future__ import annotations

from learnpath.cohorts.models import CohortKind
from tests.manager_tracks.helpers import make_group, plan_workshop


def test_reflections_show_the_meeting_theme_not_a_competency(
    org, coach, managers, login_as, client
):
    cohort = make_group(org, coach, managers[:3], kind=CohortKind.WORKSHOP)
    plan_workshop(cohort, coach)
    login_as(managers[0])
    base = f"/leidinggevenden/groepen/{cohort.id}/reflecties"
    page = client.get(base).text
    timeline = page[page.index("Tijdlijn") :]
    assert "Motievenreflectie" not in timeline and "Werkexploratie" not in timeline
    assert "(Voorbereiden," in timeline
    # Before the first meeting the first reflection is already listed as what comes next.
    next_part = page[page.index('id="next-heading"') : page.index("Tijdlijn")]
    assert "Op dit moment geen openstaande opdrachten" not in next_part
    assert "Reflectie: een loopbaangesprek voorbereiden" in next_part
    detail = client.get(f"{base}/reflectie-voorbereiden").text
    assert "Thema" in detail and "Voorbereiden" in detail
    assert "Loopbaancompetentie" not in detail
