"""The builder: pre-filled insights, validation that keeps what was typed, draft → final,
reopening as a new version with earlier versions still readable."""

from __future__ import annotations

from datetime import timedelta

from learnpath.action_plans.models import ActionPlan, PlanStatus
from learnpath.assignments.models import AssessmentMoment, SelfAssessment, Submission
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from tests.factories import FUTURE

PAST = (utcnow() - timedelta(days=3)).date().isoformat()


def _form(**fields: str) -> dict[str, str]:
    base = {"career_question": "Mijn vraag", "save": "1"}
    return base | fields


def _plan() -> ActionPlan:
    return db.session.scalar(db.select(ActionPlan))


def test_nothing_to_build_without_a_programme(make_user, login_as, client):
    login_as(make_user())
    assert "een plek in een programma" in client.get("/actieplan").text
    assert client.get("/actieplan/bewerken").status_code == 404


def test_insights_are_prefilled_from_own_answers_and_self_assessment(setup, login_as, client):
    content = get_content()
    db.session.add(
        Submission(
            enrolment_id=setup.enrolment_id,
            cohort_id=setup.cohort_id,
            user_id=setup.participant.id,
            assignment_slug="topkwaliteiten",
            content_version=content.version,
            answers={
                "kwaliteiten": {
                    "type": "list",
                    "items": [
                        {"item": "Analyseren", "example": ""},
                        {"item": "Verbinden", "example": ""},
                    ],
                }
            },
        )
    )
    inst = content.instruments["zelfscan-loopbaancompetenties"]
    db.session.add(
        SelfAssessment(
            user_id=setup.participant.id,
            cohort_id=setup.cohort_id,
            moment=AssessmentMoment.START,
            instrument_slug=inst.slug,
            content_version=content.version,
            answers={i.slug: 4 for s in inst.scales for i in s.items},
        )
    )
    db.session.commit()
    login_as(setup.participant)
    page = client.get("/actieplan/bewerken").text
    assert "Analyseren; Verbinden" in page
    assert "/opdrachten/topkwaliteiten" in page  # link to the source
    assert "/zelfscan" in page
    assert "Analyseren; Verbinden" in _plan().data["insights"]["kwaliteitenreflectie"]


def test_a_goal_without_description_is_refused_and_everything_typed_stays(setup, login_as, client):
    login_as(setup.participant)
    client.get("/actieplan/bewerken")
    response = client.post(
        "/actieplan/bewerken",
        data=_form(**{"goals-0-measurable": "Drie gesprekken gevoerd", "topics": "Mijn onderwerp"}),
    )
    assert response.status_code == 200
    assert "Beschrijf het doel" in response.text
    assert "Drie gesprekken gevoerd" in response.text and "Mijn onderwerp" in response.text
    assert _plan().data["topics"] == ""  # nothing half-saved


def test_dates_in_the_past_are_refused(setup, login_as, client):
    login_as(setup.participant)
    client.get("/actieplan/bewerken")
    response = client.post(
        "/actieplan/bewerken",
        data=_form(
            **{"goals-0-description": "Doel", "goals-0-target_date": PAST, "follow_up_on": PAST}
        ),
    )
    assert response.text.count("Kies een datum vanaf vandaag") == 2
    assert PAST in response.text


def test_more_than_three_goals_are_refused_without_losing_any(setup, login_as, client):
    login_as(setup.participant)
    client.get("/actieplan/bewerken")
    goals = {f"goals-{i}-description": f"Doel nummer {i}" for i in range(4)}
    response = client.post("/actieplan/bewerken", data=_form(**goals))
    assert "Kies maximaal 3 doelen (nu 4)" in response.text
    for i in range(4):
        assert f"Doel nummer {i}" in response.text
    assert _plan().data["goals"] == []


def test_finalise_needs_a_question_and_a_goal(setup, login_as, client):
    login_as(setup.participant)
    client.get("/actieplan/bewerken")
    response = client.post("/actieplan/bewerken", data={"career_question": "", "finalise": "1"})
    assert "Stel minstens één doel" in response.text
    assert _plan().status == PlanStatus.DRAFT


def test_draft_final_reopen_and_earlier_versions(setup, login_as, client):
    login_as(setup.participant)
    client.get("/actieplan/bewerken")
    data = _form(
        **{
            "goals-0-description": "Eerste doel",
            "goals-0-target_date": FUTURE,
            "goals-0-horizon": "short",
            "goals-0-category": "clarity",
        }
    )
    data.pop("save")
    assert client.post("/actieplan/bewerken", data=data | {"finalise": "1"}).status_code == 302
    plan = _plan()
    assert (plan.status, plan.version) == (PlanStatus.FINAL, 1)
    # A final plan cannot be edited until reopened.
    assert client.post("/actieplan/bewerken", data=data | {"save": "1"}).status_code == 302
    assert client.post("/actieplan/heropenen").status_code == 302
    data["goals-0-description"] = "Tweede doel"
    client.post("/actieplan/bewerken", data=data | {"finalise": "1"})
    plan = _plan()
    db.session.refresh(plan)
    assert (plan.status, plan.version) == (PlanStatus.FINAL, 2)
    assert "Eerste doel" in client.get("/actieplan/versies/1").text
    assert "Tweede doel" in client.get("/actieplan/versies/2").text
    assert client.get("/actieplan/versies/3").status_code == 404


def test_a_date_already_in_the_plan_may_lie_in_the_past_later(setup, final_plan):
    from learnpath.action_plans import plan_data

    stored = {"goals": [{"target_date": PAST}]}
    data = plan_data.normalise(
        {
            "goals": [
                {"description": "x", "target_date": PAST, "horizon": "short", "category": "clarity"}
            ]
        }
    )
    assert plan_data.validate(data, stored, utcnow().date(), final=False) == {}


def test_another_participant_never_sees_the_plan(setup, final_plan, make_group, login_as, client):
    final_plan()
    other = make_group(size=1).participants[0]
    login_as(other)
    assert "Vraag-Q" not in client.get("/actieplan").text
    assert client.get("/actieplan/versies/1").status_code == 404
    assert client.get("/actieplan/export?format=pdf&sections=question").status_code == 404
