"""Goal categories in the builder and documents, and the participant's look back at follow-up:
per goal how far it got and the trajectory's result, seen by nobody else."""

from __future__ import annotations

import re

from learnpath.accounts.models import Role
from learnpath.action_plans import services
from learnpath.action_plans.models import (
    ActionPlan,
    PlanFollowUp,
    PlanGoal,
    PlanShare,
    PlanStatus,
)
from learnpath.action_plans.outcomes import Achievement, GoalCategory, TrajectoryResult
from learnpath.db import utcnow
from learnpath.extensions import db
from tests.factories import FUTURE, full_plan_data

FOLLOW_UP = "/actieplan/terugblik"


def _goals() -> list[PlanGoal]:
    return list(db.session.scalars(db.select(PlanGoal).order_by(PlanGoal.position)))


def _checked(html: str, name: str, value: str) -> bool:
    return bool(re.search(rf'<input checked [^>]*name="{name}" type="radio" value="{value}"', html))


def _answers(**extra: str) -> dict[str, str]:
    return {
        "goals-0-goal": "1",
        "goals-0-achievement": "achieved",
        "goals-1-goal": "1",
        "goals-1-achievement": "partly",
        "result": "internal_move",
    } | extra


def test_a_goal_needs_a_category_and_the_choice_is_kept(setup, login_as, client):
    login_as(setup.participant)
    client.get("/actieplan/bewerken")
    data = {
        "career_question": "Mijn vraag",
        "goals-0-description": "Eerste doel",
        "goals-0-horizon": "short",
        "goals-1-description": "Tweede doel",
        "goals-1-horizon": "long",
        "goals-1-category": "external_move",
        "finalise": "1",
    }
    response = client.post("/actieplan/bewerken", data=data)
    assert response.status_code == 200
    assert "Kies wat voor doel dit is." in response.text
    assert '<option selected value="external_move">' in response.text
    assert "Eerste doel" in response.text and "Tweede doel" in response.text
    assert db.session.scalar(db.select(ActionPlan)).data["goals"] == []
    bad = client.post("/actieplan/bewerken", data=data | {"goals-0-category": "promotie"})
    assert "Kies wat voor doel dit is." in bad.text

    done = client.post("/actieplan/bewerken", data=data | {"goals-0-category": "clarity"})
    assert done.status_code == 302
    assert [(g.position, g.category) for g in _goals()] == [
        (0, GoalCategory.CLARITY),
        (1, GoalCategory.EXTERNAL_MOVE),
    ]
    page = client.get("/actieplan").text
    assert "Helder krijgen wat ik wil" in page and "Andere baan buiten de organisatie" in page


def test_category_shows_for_the_manager_and_in_exports(setup, shared, login_as, client):
    row = shared(["goals"])
    login_as(setup.manager)
    page = client.get(f"/team/plannen/{row.id}").text
    assert "Soort doel" in page and "Ontwikkelen in mijn huidige werk" in page
    docx = client.get(f"/team/plannen/{row.id}/export?format=docx&sections=goals")
    from io import BytesIO

    from docx import Document

    text = "\n".join(
        cell.text for table in Document(BytesIO(docx.data)).tables for cell in table._cells
    )
    assert "Andere functie binnen de organisatie" in text
    login_as(setup.participant)
    pdf = client.get("/actieplan/export?format=pdf&sections=goals")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_plan_without_categories_still_loads_and_shows(setup, final_plan, login_as, client):
    data = full_plan_data()
    for goal in data["goals"]:
        goal.pop("category")
    plan = final_plan(full_plan_data())
    # as stored before categories existed
    plan.data = data
    plan.versions[0].data = data
    db.session.query(PlanGoal).delete()
    db.session.commit()
    login_as(setup.participant)
    assert "Doel-1" in client.get("/actieplan").text
    assert "Doel-1" in client.get("/actieplan/versies/1").text
    page = client.get(FOLLOW_UP)
    assert page.status_code == 200 and "Doel-2" in page.text
    assert [g.category for g in _goals()] == [None, None]
    client.post("/actieplan/heropenen")
    assert "Doel-1" in client.get("/actieplan/bewerken").text


def test_follow_up_is_offered_once_final_and_saved_per_goal(setup, final_plan, login_as, client):
    login_as(setup.participant)
    client.get("/actieplan/bewerken")
    assert "/actieplan/terugblik" not in client.get("/actieplan").text
    assert client.get(FOLLOW_UP).status_code == 302  # draft: nothing to look back on yet
    action_plan = final_plan()
    # Looking back is offered once the career conversation has been held, not before.
    assert "/actieplan/terugblik" not in client.get("/actieplan").text
    db.session.rollback()
    db.session.get(ActionPlan, action_plan.id).status = PlanStatus.DISCUSSED
    db.session.commit()
    assert "/actieplan/terugblik" in client.get("/actieplan").text
    page = client.get(FOLLOW_UP).text
    assert "Doel-1" in page and "Doel-2" in page and "Ontwikkelen in mijn huidige werk" in page
    assert "Alleen jij ziet je antwoorden" in page

    response = client.post(FOLLOW_UP, data=_answers())
    assert response.status_code == 302
    assert [(g.category, g.achievement) for g in _goals()] == [
        (GoalCategory.DEVELOPMENT, Achievement.ACHIEVED),
        (GoalCategory.INTERNAL_MOVE, Achievement.PARTLY),
    ]
    follow_up = db.session.scalar(db.select(PlanFollowUp))
    assert (follow_up.result, follow_up.version_number) == (TrajectoryResult.INTERNAL_MOVE, 1)
    again = client.get(FOLLOW_UP).text
    assert _checked(again, "goals-1-achievement", "partly")
    assert _checked(again, "result", "internal_move")
    client.post(FOLLOW_UP, data=_answers(result="job_fits"))
    db.session.refresh(follow_up)
    assert follow_up.result == TrajectoryResult.JOB_FITS
    assert db.session.query(PlanFollowUp).count() == 1


def test_missing_choices_are_refused_and_what_was_chosen_stays(setup, final_plan, login_as, client):
    final_plan()
    login_as(setup.participant)
    data = _answers(result="")
    del data["goals-1-achievement"]
    response = client.post(FOLLOW_UP, data=data | {"goals-0-achievement": "achieved"})
    assert response.status_code == 200
    assert "Kies hoe ver je met dit doel bent gekomen." in response.text
    assert "Kies waar je nu staat." in response.text
    assert _checked(response.text, "goals-0-achievement", "achieved")
    assert db.session.scalar(db.select(PlanFollowUp)) is None
    assert all(g.achievement is None for g in _goals())
    nonsense = client.post(FOLLOW_UP, data=_answers(**{"goals-0-achievement": "x"}))
    assert nonsense.status_code == 200 and db.session.scalar(db.select(PlanFollowUp)) is None


def test_refinalising_keeps_the_look_back_of_unchanged_goals(setup, final_plan, login_as, client):
    plan = final_plan()
    services.record_follow_up(plan, ["achieved", "not_achieved"], "exploring", utcnow())
    db.session.commit()
    services.reopen(plan)
    data = full_plan_data()
    data["goals"][1]["category"] = "job_fit"
    data["goals"].append(data["goals"][0] | {"description": "Doel-3", "target_date": FUTURE})
    services.save_plan(plan, data, utcnow().date(), final=True)
    db.session.commit()
    assert [(g.category, g.achievement) for g in _goals()] == [
        (GoalCategory.DEVELOPMENT, Achievement.ACHIEVED),
        (GoalCategory.JOB_FIT, None),
        (GoalCategory.DEVELOPMENT, None),
    ]


def test_nobody_else_sees_or_changes_the_look_back(
    setup, shared, make_group, make_user, login_as, client
):
    shared(["goals", "follow_up"])
    login_as(setup.participant)
    client.post(FOLLOW_UP, data=_answers(result="external_move"))
    for user in (setup.manager, setup.facilitator, make_user(Role.HR), make_user(Role.ADMIN)):
        login_as(user)
        assert client.get(FOLLOW_UP).status_code == 403
        assert client.post(FOLLOW_UP, data=_answers(result="no_change")).status_code == 403
    login_as(setup.manager)
    row = db.session.scalar(db.select(PlanShare))
    page = client.get(f"/team/plannen/{row.id}").text
    assert "Andere baan buiten de organisatie" not in page and "Gedeeltelijk" not in page
    login_as(setup.facilitator)
    page = client.get(f"/cohorten/{setup.cohort_id}/deelnemers/{setup.enrolment_id}/actieplan").text
    assert "Doel-1" in page and "Andere baan buiten de organisatie" not in page

    other = make_group(size=1).participants[0]
    login_as(other)
    assert client.get(FOLLOW_UP).status_code == 404  # no plan of their own
    assert client.post(FOLLOW_UP, data=_answers(result="no_change")).status_code == 404
    follow_up = db.session.scalar(db.select(PlanFollowUp))
    assert follow_up.result == TrajectoryResult.EXTERNAL_MOVE
