"""Each block type through the assignment page: valid answers are stored as structured data,
invalid ones are refused with a message tied to the field, and nothing typed is lost."""

from __future__ import annotations

import re

import pytest

from learnpath.assignments.models import Submission, SubmissionStatus
from learnpath.extensions import db


def _submission(enrolment, slug):
    db.session.expire_all()
    return db.session.scalar(
        db.select(Submission).where(
            Submission.enrolment_id == enrolment.id, Submission.assignment_slug == slug
        )
    )


def _field_error(html: str, field: str) -> str | None:
    """The error message of a field, checked to be tied to a control by aria-describedby."""
    message = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    if message is None:
        return None
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error\b', html), f"{field}: error not tied"
    return message.group(1)


TEXT_OK = "Ik wil uitzoeken welke rol in het sociaal domein bij mij past."


def test_text_block_valid_is_stored_and_too_short_is_refused(group, login_as, client):
    participant, enrolment = group.participants[0], group.enrolments[0]
    login_as(participant)
    form = {"b-vraag": "kort", "b-resultaat": "iets", "action": "submit"}
    response = client.post("/opdrachten/loopbaanvraag", data=form)
    assert response.status_code == 200
    assert "10" in _field_error(response.text, "b-vraag")
    # Nothing typed is lost.
    assert ">kort</textarea>" in response.text
    assert ">iets</textarea>" in response.text
    assert _submission(enrolment, "loopbaanvraag") is None

    form = {"b-vraag": TEXT_OK, "action": "save"}
    response = client.post("/opdrachten/loopbaanvraag", data=form)
    assert response.status_code == 302
    stored = _submission(enrolment, "loopbaanvraag")
    assert stored.status == SubmissionStatus.DRAFT
    assert stored.answers["vraag"] == {"type": "text", "value": TEXT_OK}


def test_text_longer_than_max_is_refused_even_for_a_draft(group, login_as, client):
    login_as(group.participants[0])
    response = client.post(
        "/opdrachten/loopbaanvraag", data={"b-vraag": "x" * 501, "action": "save"}
    )
    assert response.status_code == 200
    assert _field_error(response.text, "b-vraag")
    assert "x" * 501 in response.text
    assert _submission(group.enrolments[0], "loopbaanvraag") is None


def test_rating_fixed_rows(group, login_as, client):
    login_as(group.participants[0])
    form = {"b-vraag": TEXT_OK, "b-startpunt-0-score": "4", "b-startpunt-1-score": "9"}
    response = client.post("/opdrachten/loopbaanvraag", data={**form, "action": "submit"})
    assert response.status_code == 200
    assert _field_error(response.text, "b-startpunt-1-score")  # out of range
    assert _field_error(response.text, "b-startpunt-2-score")  # missing on hand-in
    assert _field_error(response.text, "b-startpunt-0-score") is None
    assert re.search(r'id="b-startpunt-0-score-4"[^>]*checked', response.text)

    form.update(
        {"b-startpunt-1-score": "2", "b-startpunt-2-score": "3", "b-startpunt-3-score": "5"}
    )
    response = client.post("/opdrachten/loopbaanvraag", data={**form, "action": "submit"})
    assert response.status_code == 302
    stored = _submission(group.enrolments[0], "loopbaanvraag")
    assert stored.status == SubmissionStatus.SUBMITTED
    assert stored.answers["startpunt"] == {"type": "rating", "scores": [4, 2, 3, 5]}


def test_rating_rows_written_by_participant(group, login_as, client):
    login_as(group.participants[0])
    form = {"b-patroon": "Vergaderen kost energie.", "action": "submit"}
    for i in range(6):
        form[f"b-taken-{i}-row"] = f"Taak {i}"
        form[f"b-taken-{i}-score"] = str(i - 2 if i < 5 else 2)
    form["b-taken-5-score"] = ""  # a row without a rating
    response = client.post("/opdrachten/energiegevers-en-energietrekkers", data=form)
    assert response.status_code == 200
    assert _field_error(response.text, "b-taken-5-score")
    assert 'value="Taak 5"' in response.text

    form["b-taken-5-score"] = "-2"
    response = client.post("/opdrachten/energiegevers-en-energietrekkers", data=form)
    assert response.status_code == 302
    rows = _submission(group.enrolments[0], "energiegevers-en-energietrekkers").answers["taken"]
    assert rows["rows"][0] == {"row": "Taak 0", "score": -2}
    assert len(rows["rows"]) == 6


def test_rating_with_too_few_rows_is_refused(group, login_as, client):
    login_as(group.participants[0])
    form = {
        "b-taken-0-row": "Plannen",
        "b-taken-0-score": "1",
        "b-patroon": "x",
        "action": "submit",
    }
    response = client.post("/opdrachten/energiegevers-en-energietrekkers", data=form)
    assert response.status_code == 200
    assert _field_error(response.text, "b-taken")
    assert 'value="Plannen"' in response.text


def test_list_block(group, login_as, client):
    login_as(group.participants[0])
    form = {
        "action": "submit",
        "b-kwaliteiten-0-item": "Luisteren",
        "b-kwaliteiten-0-example": "In het team",
    }
    response = client.post("/opdrachten/topkwaliteiten", data=form)
    assert response.status_code == 200
    assert _field_error(response.text, "b-kwaliteiten")  # at least 3
    assert 'value="Luisteren"' in response.text and ">In het team</textarea>" in response.text

    form.update({"b-kwaliteiten-1-item": "Plannen", "b-kwaliteiten-3-item": "Schrijven"})
    response = client.post("/opdrachten/topkwaliteiten", data=form)
    assert response.status_code == 302
    items = _submission(group.enrolments[0], "topkwaliteiten").answers["kwaliteiten"]["items"]
    # Empty rows are dropped; order is kept.
    assert [i["item"] for i in items] == ["Luisteren", "Plannen", "Schrijven"]
    assert items[0]["example"] == "In het team"


def test_list_example_without_item_is_refused_on_hand_in(group, login_as, client):
    login_as(group.participants[0])
    form = {"action": "submit", "b-kwaliteiten-0-example": "Alleen een voorbeeld"}
    response = client.post("/opdrachten/topkwaliteiten", data=form)
    assert _field_error(response.text, "b-kwaliteiten-0-item")
    assert "Alleen een voorbeeld" in response.text


def test_ranking_block(group, login_as, client):
    login_as(group.participants[0])
    picks = ["autonomie", "leren", "autonomie", "onbekend", ""]
    form = {f"b-top-vijf-{r}": v for r, v in enumerate(picks)}
    form.update({"b-toelichting": "t" * 60, "action": "submit"})
    response = client.post("/opdrachten/waardenkaart", data=form)
    assert response.status_code == 200
    assert _field_error(response.text, "b-top-vijf-2")
    assert _field_error(response.text, "b-top-vijf-3")
    assert re.search(r'<option value="leren" selected>', response.text)

    picks = ["autonomie", "leren", "balans", "invloed", "rust"]
    form.update({f"b-top-vijf-{r}": v for r, v in enumerate(picks)})
    response = client.post("/opdrachten/waardenkaart", data=form)
    assert response.status_code == 302
    stored = _submission(group.enrolments[0], "waardenkaart").answers["top-vijf"]
    assert stored == {"type": "ranking", "ranked": picks}


def test_ranking_incomplete_is_fine_as_draft_but_not_handed_in(group, login_as, client):
    login_as(group.participants[0])
    form = {"b-top-vijf-0": "leren", "action": "save"}
    assert client.post("/opdrachten/waardenkaart", data=form).status_code == 302
    form["action"] = "submit"
    response = client.post("/opdrachten/waardenkaart", data=form)
    assert _field_error(response.text, "b-top-vijf")


def test_table_block(group, login_as, client):
    login_as(group.participants[0])
    form = {
        "action": "submit",
        "b-veranderingen-0-aspect": "taken",
        "b-veranderingen-0-nu": "Veel mail",
    }
    response = client.post("/opdrachten/jobcrafting", data=form)
    assert response.status_code == 200
    assert _field_error(response.text, "b-veranderingen-0-gewenst")  # row incomplete
    assert _field_error(response.text, "b-veranderingen")  # fewer than 3 rows
    assert 'value="Veel mail"' in response.text

    form = {"action": "submit"}
    for i, aspect in enumerate(["taken", "relaties", "betekenis"]):
        form.update(
            {
                f"b-veranderingen-{i}-aspect": aspect,
                f"b-veranderingen-{i}-nu": f"nu {i}",
                f"b-veranderingen-{i}-gewenst": f"gewenst {i}",
                f"b-veranderingen-{i}-eerste-stap": f"stap {i}",
            }
        )
    response = client.post("/opdrachten/jobcrafting", data=form)
    assert response.status_code == 302
    rows = _submission(group.enrolments[0], "jobcrafting").answers["veranderingen"]["rows"]
    assert rows[1] == {
        "aspect": "relaties",
        "nu": "nu 1",
        "gewenst": "gewenst 1",
        "eerste-stap": "stap 1",
    }


def test_table_choice_must_be_an_option(group, login_as, client):
    login_as(group.participants[0])
    form = {"action": "save", "b-veranderingen-0-aspect": "salaris"}
    response = client.post("/opdrachten/jobcrafting", data=form)
    assert response.status_code == 200
    assert _field_error(response.text, "b-veranderingen-0-aspect")


def test_feedback_request_block_needs_invitations_before_hand_in(group, login_as, client):
    login_as(group.participants[0])
    form = {"action": "submit", "b-themas": "t" * 60, "b-verhalen-0-email": "a@example.org"}
    response = client.post("/opdrachten/jij-op-je-best", data=form)
    assert response.status_code == 200
    assert "3" in _field_error(response.text, "b-verhalen")
    assert _field_error(response.text, "b-verhalen-0-email")
    assert 'value="a@example.org"' in response.text


@pytest.mark.parametrize(
    "slug",
    [
        "loopbaanvraag",
        "waardenkaart",
        "jij-op-je-best",
        "netwerkkaart",
        "kernkwadrant",
        "piekmomenten",
        "energiegevers-en-energietrekkers",
        "topkwaliteiten",
        "jobcrafting",
        "twee-gesprekken",
        "informatief-gesprek",
    ],
)
def test_every_assignment_page_renders(group, login_as, client, slug):
    login_as(group.participants[0])
    response = client.get(f"/opdrachten/{slug}")
    assert response.status_code == 200
    assert 'name="action" value="save"' in response.text


def test_action_plan_has_no_answer_page(group, login_as, client):
    login_as(group.participants[0])
    assert client.get("/opdrachten/actieplan").status_code == 404
    assert client.get("/opdrachten/bestaat-niet").status_code == 404
