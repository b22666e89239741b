"""The audit log names every kind of read in words, never by its stored value."""

from __future__ import annotations

import re

from flask_babel import force_locale
from markupsafe import escape

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction, AuditEvent


def what_column(page: str) -> list[str]:
    """The "What" cells (fourth column) of the audit log table, as HTML."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body, "no audit table on the page"
    return re.findall(r"<tr>(?:<td>.*?</td>){3}<td>(.*?)</td>", body.group(1), re.S)


def test_every_audit_action_is_shown_with_its_dutch_label(app, client, make_user, login_as):
    admin = make_user(Role.ADMIN, name="Admin Anna")
    subject = make_user(Role.PARTICIPANT, name="Piet Deelnemer")
    for action in AuditAction:
        db.session.add(
            AuditEvent(
                actor_id=admin.id,
                subject_user_id=subject.id,
                action=action.value,
                object_ref=f"user:{subject.id}",
            )
        )
    db.session.commit()
    login_as(admin)
    shown = what_column(client.get("/privacy/auditlog").text)
    assert len(shown) == len(AuditAction)
    with app.test_request_context():
        for action in AuditAction:
            with force_locale("nl"):
                dutch = str(action.label)
            with force_locale("en"):
                english = str(action.label)
            assert dutch != english, f"{action.value}: no Dutch translation"
            assert str(escape(dutch)) in shown, f"{action.value}: {dutch!r} not shown"
    assert not {a.value for a in AuditAction} & {cell.strip() for cell in shown}


def test_the_participants_own_log_uses_the_same_labels(setup, shared, login_as, client):
    row = shared(["question"])
    login_as(setup.manager)
    client.get(f"/team/plannen/{row.id}")
    login_as(setup.participant)
    log = client.get("/actieplan/logboek").text
    assert "Deelde het plan" in log and "Actieplan geopend" in log
    assert "action_plan." not in log
