"""Privacy of the plan (DESIGN §6): the manager sees only shared sections until revoked,
nobody else sees anything, facilitators see the plan but not the manager's notes, and every
read by a manager or facilitator is in the participant's log."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from learnpath.accounts.models import Role
from learnpath.action_plans import services
from learnpath.action_plans.models import PlanShare
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.privacy.models import AuditEvent

SHARED = ["question", "goals"]
HIDDEN_MARKERS = ["Inzicht-K", "Actie-1", "Steun-S", "Onderwerp-T"]


def _actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_manager_sees_nothing_before_sharing(setup, final_plan, login_as, client):
    final_plan()
    login_as(setup.manager)
    assert "Vraag-Q" not in client.get("/team").text
    assert client.get("/team/plannen/1").status_code == 404
    assert client.get("/team/plannen/1/export?format=pdf&sections=question").status_code == 404


def test_the_manager_sees_only_the_shared_sections(setup, shared, login_as, client):
    row = shared(SHARED)
    login_as(setup.manager)
    assert setup.participant.name in client.get("/team").text
    page = client.get(f"/team/plannen/{row.id}").text
    assert "Vraag-Q" in page and "Doel-1" in page and "€ 1.500" in page
    for marker in HIDDEN_MARKERS:
        assert marker not in page
    outbox = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind == "action_plan_shared")
    ).all()
    assert [m.recipient_user_id for m in outbox] == [setup.manager.id]
    assert "Vraag-Q" not in outbox[0].body_text  # the mail carries no plan content


def test_the_preview_shows_exactly_the_chosen_sections(setup, final_plan, login_as, client):
    final_plan()
    login_as(setup.participant)
    form = {"manager": setup.manager.id, "sections": SHARED, "preview": "1"}
    page = client.post("/actieplan/delen", data=form).text
    assert "precies wat je leidinggevende ziet" in page
    assert "Vraag-Q" in page and "Doel-1" in page
    for marker in HIDDEN_MARKERS:
        assert marker not in page
    assert db.session.scalar(db.select(PlanShare)) is None  # a preview shares nothing


def test_sharing_through_the_page_defaults_to_the_own_manager(
    setup, final_plan, make_user, login_as, client
):
    final_plan()
    make_user(Role.MANAGER, name="Aaron Andere")  # sorts first by name
    login_as(setup.participant)
    page = client.get("/actieplan/delen").text
    assert page.index("Manon Leidinggevende") < page.index("Aaron Andere")
    response = client.post(
        "/actieplan/delen", data={"manager": setup.manager.id, "sections": SHARED, "share": "1"}
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(PlanShare)).sections == SHARED


def test_sharing_refuses_no_sections_and_a_manager_of_another_organisation(
    setup, final_plan, make_org, make_user, login_as, client
):
    final_plan()
    stranger = make_user(Role.MANAGER, organisation=make_org())
    login_as(setup.participant)
    response = client.post("/actieplan/delen", data={"manager": setup.manager.id, "share": "1"})
    assert "Vink minstens één onderdeel aan" in response.text
    response = client.post(
        "/actieplan/delen", data={"manager": stranger.id, "sections": SHARED, "share": "1"}
    )
    assert response.status_code == 200
    assert db.session.scalar(db.select(PlanShare)) is None


def test_revoke_ends_access_to_page_and_earlier_export_urls(setup, shared, login_as, client):
    row = shared(SHARED)
    login_as(setup.manager)
    export_url = f"/team/plannen/{row.id}/export?format=pdf&sections=question"
    assert client.get(export_url).status_code == 200
    login_as(setup.participant)
    assert client.post(f"/actieplan/delen/{row.id}/intrekken").status_code == 302
    login_as(setup.manager)
    assert client.get(f"/team/plannen/{row.id}").status_code == 404
    assert client.get(export_url).status_code == 404
    assert setup.participant.name not in client.get("/team").text


def test_unticking_a_section_hides_it_at_once(setup, shared, login_as, client):
    row = shared(SHARED)
    login_as(setup.participant)
    client.post(f"/actieplan/delen/{row.id}/onderdelen", data={"sections": ["goals"]})
    login_as(setup.manager)
    page = client.get(f"/team/plannen/{row.id}").text
    assert "Doel-1" in page and "Vraag-Q" not in page
    # An export URL for the withdrawn section gives nothing of it.
    response = client.get(f"/team/plannen/{row.id}/export?format=docx&sections=question")
    assert response.status_code == 200 and "Vink minstens" in response.text


@pytest.mark.parametrize("who", ["other_manager", "hr", "other_participant", "admin"])
def test_nobody_else_ever_sees_a_shared_plan(
    setup, shared, make_user, make_group, login_as, client, who
):
    row = shared(SHARED)
    user = {
        "other_manager": lambda: make_user(Role.MANAGER),
        "hr": lambda: make_user(Role.HR),
        "admin": lambda: make_user(Role.ADMIN),
        "other_participant": lambda: make_group(size=1).participants[0],
    }[who]()
    login_as(user)
    expected = 404 if who == "other_manager" else 403
    assert client.get(f"/team/plannen/{row.id}").status_code == expected
    assert (
        client.get(f"/team/plannen/{row.id}/export?format=pdf&sections=question").status_code
        == expected
    )
    assert "Vraag-Q" not in client.get("/team").text


def test_a_draft_after_reopening_stays_private(setup, shared, login_as, client):
    row = shared(SHARED)
    plan = row.plan
    services.reopen(plan)
    services.save_plan(
        plan, plan.data | {"career_question": "Nieuw-concept"}, plan.created_at.date(), final=False
    )
    db.session.commit()
    login_as(setup.manager)
    page = client.get(f"/team/plannen/{row.id}").text
    assert "Vraag-Q" in page and "Nieuw-concept" not in page


def test_manager_reads_and_share_changes_are_in_the_participants_log(
    setup, shared, login_as, client
):
    row = shared(SHARED)
    login_as(setup.manager)
    client.get(f"/team/plannen/{row.id}")
    client.get(f"/team/plannen/{row.id}/export?format=pdf&sections=goals")
    login_as(setup.participant)
    client.post(f"/actieplan/delen/{row.id}/intrekken")
    assert _actions() == [
        "action_plan.share",
        "action_plan.view",
        "action_plan.export",
        "action_plan.revoke",
    ]
    log = client.get("/actieplan/logboek").text
    assert setup.manager.name in log
    page = client.get("/actieplan/delen").text
    assert "ingetrokken op" in page


def test_the_participant_sees_when_the_manager_opened_it(setup, shared, login_as, client):
    row = shared(SHARED)
    login_as(setup.participant)
    assert "Nog niet geopend" in client.get("/actieplan/delen").text
    login_as(setup.manager)
    client.get(f"/team/plannen/{row.id}")
    client.post(f"/team/plannen/{row.id}/ontvangen")
    login_as(setup.participant)
    page = client.get("/actieplan/delen").text
    assert "Nog niet geopend" not in page and "Bevestigd op" in page


def test_facilitator_sees_the_plan_but_not_the_managers_notes(
    setup, shared, make_user, login_as, client
):
    row = shared(SHARED)
    login_as(setup.manager)
    client.post(f"/team/plannen/{row.id}/notities", data={"notes": "Prive-notitie-N"})
    login_as(setup.facilitator)
    page = client.get(f"/cohorten/{setup.cohort_id}/deelnemers/{setup.enrolment_id}/actieplan")
    assert page.status_code == 200
    assert "Vraag-Q" in page.text and "Onderwerp-T" in page.text
    assert "Prive-notitie-N" not in page.text
    assert _actions()[-1] == "action_plan.view"
    assert (
        db.session.scalars(db.select(AuditEvent.actor_id).order_by(AuditEvent.id)).all()[-1]
        == setup.facilitator.id
    )
    # The participant never sees the manager's notes either.
    login_as(setup.participant)
    assert "Prive-notitie-N" not in client.get("/actieplan/gesprek").text
    # A facilitator of another cohort gets nothing.
    login_as(make_user(Role.FACILITATOR))
    assert (
        client.get(
            f"/cohorten/{setup.cohort_id}/deelnemers/{setup.enrolment_id}/actieplan"
        ).status_code
        == 404
    )


def test_the_inbox_query_count_does_not_grow(setup, make_group, make_user, login_as, client):
    from learnpath.cohorts.models import Enrolment
    from learnpath.content_registry import get_content
    from learnpath.db import utcnow
    from tests.factories import full_plan_data

    def share_one() -> None:
        g = make_group(size=1)
        enrolment = db.session.get(Enrolment, g.enrolments[0].id)
        plan = services.start_plan(enrolment, get_content(), "nl")
        services.save_plan(plan, full_plan_data(), utcnow().date(), final=True)
        services.share(plan, setup.manager, ["goals"])
        db.session.commit()

    def count() -> int:
        login_as(setup.manager)
        statements: list[str] = []

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/team").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    share_one()
    one = count()
    for _ in range(3):
        share_one()
    assert count() == one
