"""Private notes can be edited and deleted by their author, with confirmation, audited
(issue 20, point 8). Co-facilitators read them but may not change them; facilitators of
another cohort do not reach them at all."""

from __future__ import annotations

from sqlalchemy import func, select

from learnpath.accounts.models import Role
from learnpath.assignments import services
from learnpath.assignments.models import FacilitatorNote
from learnpath.cohorts.models import cohort_facilitators
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction, AuditEvent


def _note(group, text="Twijfelt over overstap."):
    enrolment = group.enrolments[0]
    note = services.add_note(group.cohort, enrolment.user_id, group.facilitator, text)
    db.session.commit()
    base = f"/cohorten/{group.cohort.id}/deelnemers/{enrolment.id}"
    return note, base, f"{base}/notities/{note.id}"


def _audit() -> list[tuple[str, int, str]]:
    return [
        (e.action, e.subject_user_id, e.object_ref)
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


def test_the_author_edits_a_note_and_the_edit_is_audited(group, login_as, client):
    note, base, url = _note(group)
    login_as(group.facilitator)
    assert "Bewerken" in client.get(base).text
    form = client.get(url + "/bewerken")
    assert form.status_code == 200 and "Twijfelt over overstap." in form.text
    # Empty text: the form comes back, nothing changes.
    assert client.post(url + "/bewerken", data={"text": "  "}).status_code == 200
    saved = client.post(url + "/bewerken", data={"text": "Kiest voor de overstap."})
    assert saved.status_code == 302
    page = client.get(base).text
    assert "Kiest voor de overstap." in page and "bewerkt op" in page
    assert _audit() == [(AuditAction.NOTE_EDITED, group.enrolments[0].user_id, f"note:{note.id}")]


def test_delete_asks_first_then_deletes_and_audits(group, login_as, client):
    note, base, url = _note(group)
    note_id = note.id
    login_as(group.facilitator)
    confirm = client.get(url + "/verwijderen")
    assert confirm.status_code == 200
    assert "Deze notitie over" in confirm.text and "Twijfelt over overstap." in confirm.text
    assert db.session.get(FacilitatorNote, note_id) is not None  # asking deletes nothing
    assert client.post(url + "/verwijderen").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FacilitatorNote)) == 0
    assert "Twijfelt over overstap." not in client.get(base).text
    assert _audit() == [(AuditAction.NOTE_DELETED, group.enrolments[0].user_id, f"note:{note_id}")]


def test_only_the_author_changes_a_note(group, make_user, login_as, client):
    note, base, url = _note(group)
    co = make_user(Role.FACILITATOR)
    db.session.execute(
        cohort_facilitators.insert().values(cohort_id=group.cohort.id, user_id=co.id)
    )
    db.session.commit()
    login_as(co)
    page = client.get(base).text
    assert "Twijfelt over overstap." in page and url + "/bewerken" not in page
    assert client.get(url + "/bewerken").status_code == 403
    assert client.post(url + "/bewerken", data={"text": "Anders."}).status_code == 403
    assert client.post(url + "/verwijderen").status_code == 403
    # Another cohort's facilitator does not find it; nor does a note of another participant.
    login_as(make_user(Role.FACILITATOR))
    assert client.get(url + "/bewerken").status_code == 404
    assert client.post(url + "/verwijderen").status_code == 404
    login_as(group.facilitator)
    other = group.enrolments[1]
    wrong = f"/cohorten/{group.cohort.id}/deelnemers/{other.id}/notities/{note.id}/bewerken"
    assert client.get(wrong).status_code == 404
    db.session.expire_all()
    assert db.session.get(FacilitatorNote, note.id).text == "Twijfelt over overstap."
    assert _audit() == []
