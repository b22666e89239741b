"""Pre-fill that keeps up: a plan opened before the work existed fills its empty fields from
later work until the participant edits them; scores read as sentences; limits are shown."""

from __future__ import annotations

from learnpath.action_plans.models import ActionPlan
from learnpath.assignments.models import AssessmentMoment, SelfAssessment, Submission
from learnpath.assignments.selfassessment import scores
from learnpath.content_registry import get_content
from learnpath.extensions import db


def _plan() -> ActionPlan:
    db.session.rollback()
    return db.session.scalar(db.select(ActionPlan))


def _hand_in_question(setup, text: str) -> None:
    content = get_content()
    row = db.session.scalar(
        db.select(Submission).where(Submission.assignment_slug == "loopbaanvraag")
    )
    if row is None:
        row = Submission(
            enrolment_id=setup.enrolment_id,
            cohort_id=setup.cohort_id,
            user_id=setup.participant.id,
            assignment_slug="loopbaanvraag",
            content_version=content.version,
            answers={},
        )
        db.session.add(row)
    row.answers = {"vraag": {"value": text}}
    db.session.commit()


def _self_assessment(setup, moment: AssessmentMoment, value: int) -> None:
    content = get_content()
    inst = content.instruments["zelfscan-loopbaancompetenties"]
    db.session.add(
        SelfAssessment(
            user_id=setup.participant.id,
            cohort_id=setup.cohort_id,
            moment=moment,
            instrument_slug=inst.slug,
            content_version=content.version,
            answers={i.slug: value for s in inst.scales for i in s.items},
        )
    )
    db.session.commit()


def test_later_work_fills_the_fields_left_empty(setup, login_as, client):
    login_as(setup.participant)
    client.get("/actieplan/bewerken")  # opened before any work existed
    plan = _plan()
    assert plan.data["career_question"] == ""
    assert not any(plan.data["insights"].values())

    _hand_in_question(setup, "Hoe zet ik mijn kwaliteiten beter in?")
    _self_assessment(setup, AssessmentMoment.START, 3)
    page = client.get("/actieplan/bewerken").text
    assert "Hoe zet ik mijn kwaliteiten beter in?" in page
    plan = _plan()
    assert plan.data["career_question"] == "Hoe zet ik mijn kwaliteiten beter in?"
    sentence = plan.data["insights"]["motievenreflectie"]
    assert sentence == "Bij de start gaf je jezelf 3,0 van 5 voor motievenreflectie."

    _self_assessment(setup, AssessmentMoment.END, 4)
    client.get("/actieplan/bewerken")
    sentence = _plan().data["insights"]["motievenreflectie"]
    inst = get_content().instruments["zelfscan-loopbaancompetenties"]
    end = scores(inst, {i.slug: 4 for s in inst.scales for i in s.items})["motievenreflectie"]
    expected = f"{end:.1f}".replace(".", ",")
    assert sentence == (
        f"Bij de start gaf je jezelf 3,0 van 5 voor motievenreflectie, aan het eind {expected}."
    )


def test_a_field_the_participant_edited_is_never_overwritten(setup, login_as, client):
    _hand_in_question(setup, "Eerste versie van de vraag")
    login_as(setup.participant)
    client.get("/actieplan/bewerken")
    assert _plan().data["career_question"] == "Eerste versie van de vraag"
    client.post(
        "/actieplan/bewerken",
        data={"career_question": "Mijn eigen vraag", "save": "Concept opslaan"},
    )
    assert _plan().data["career_question"] == "Mijn eigen vraag"
    _hand_in_question(setup, "Tweede versie van de vraag")
    client.get("/actieplan/bewerken")
    assert _plan().data["career_question"] == "Mijn eigen vraag"


def test_an_untouched_prefilled_field_takes_the_newer_work(setup, login_as, client):
    _hand_in_question(setup, "Eerste versie van de vraag")
    login_as(setup.participant)
    client.get("/actieplan/bewerken")
    client.post(
        "/actieplan/bewerken",
        data={"career_question": "Eerste versie van de vraag", "save": "Concept opslaan"},
    )
    _hand_in_question(setup, "Tweede versie van de vraag")
    client.get("/actieplan/bewerken")
    assert _plan().data["career_question"] == "Tweede versie van de vraag"


def test_length_limits_are_shown_with_a_counter(setup, login_as, client):
    login_as(setup.participant)
    page = client.get("/actieplan/bewerken").text
    assert 'data-max-length="3000"' in page and 'data-max-length="500"' in page
    assert "counter.js" in page and "{count} van {max} tekens" in page
