"""One crafted value never stops all mail (issue 16 point 1).

Three layers, each tested here:

- input: every single-line field refuses line breaks, NUL and control characters with a
  message and the input kept (one validator, ``learnpath.web.forms.SingleLine``; a walk over
  every form class of learnpath checks that none forgets it), and so do the one-line inputs
  of an assignment read by hand (the feedback-request sender name among them);
- building: a subject is put on one line whatever the row holds; an address that is not one
  line makes the message unbuildable instead of sending it elsewhere;
- delivery: a message that cannot be built or sent is FAILED with its reason, alone, shown to
  the administrators, and the messages around it are delivered through a real SMTP server.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import Form, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.meta import DefaultMeta

import learnpath
from learnpath.accounts import services as accounts
from learnpath.accounts.models import Role
from learnpath.assignments.models import FeedbackRequest
from learnpath.cohorts.models import Cohort
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications import delivery
from learnpath.notifications.mime import UnbuildableMessage, build_message
from learnpath.notifications.models import OutboxMessage, OutboxStatus
from learnpath.notifications.services import queue_message
from learnpath.web.forms import SingleLine, SingleLineField
from tests.notifications.smtp import SmtpServer

INJECTION = "Anouk\r\nBcc: x@example.org"
ONE_LINE_NL = "Houd dit op één regel, zonder regeleinden of besturingstekens."


@pytest.fixture
def smtp(app):
    server = SmtpServer().start()
    app.config.update(server.config())
    yield server
    server.stop()


def _row(n: int, **values: Any) -> OutboxMessage:
    """An outbox row written directly, as an old row (queued before the input checks) is."""
    defaults: dict[str, Any] = {
        "kind": "test.poison",
        "recipient_email": f"good{n}@example.org",
        "subject": f"Bericht {n}",
        "body_text": f"Tekst {n}",
        "message_id": f"<poison-{n}@learnpath.test>",
    }
    row = OutboxMessage(**(defaults | values))
    db.session.add(row)
    db.session.commit()
    return row


def _recipients(server: SmtpServer) -> list[str]:
    return sorted(str(m["To"]) for m in server.recorder.messages)


# --- delivery: one bad row is isolated ------------------------------------------------------


def test_a_poisoned_row_between_two_good_ones_does_not_stop_their_delivery(app, smtp):
    good = _row(1)
    poisoned = _row(2, recipient_email="x@example.org\r\nBcc: evil@example.org")
    other = _row(3)

    assert delivery.deliver_pending() == 2

    assert _recipients(smtp) == ["good1@example.org", "good3@example.org"]
    db.session.expire_all()
    assert good.status == OutboxStatus.SENT and other.status == OutboxStatus.SENT
    assert poisoned.status == OutboxStatus.FAILED
    assert poisoned.claimed_at is None
    assert "Cannot build the message" in poisoned.last_error
    assert "recipient address" in poisoned.last_error
    # Nothing is left claimed, and a later run does not pick the bad row up again.
    assert delivery.deliver_pending() == 0
    assert len(smtp.recorder.messages) == 2


def test_a_subject_with_line_breaks_is_sent_on_one_line_without_the_injected_header(app, smtp):
    row = _row(1, subject="Welkom Anouk\r\nBcc: evil@example.org\x1b\u2028en\nmeer")

    assert delivery.deliver_pending() == 1

    [received] = smtp.recorder.messages
    assert received["Subject"] == "Welkom Anouk Bcc: evil@example.org en meer"
    assert received["Bcc"] is None
    assert _recipients(smtp) == ["good1@example.org"]
    db.session.expire_all()
    assert row.status == OutboxStatus.SENT


def test_an_unforeseen_error_of_the_transport_fails_only_that_message(app):
    rows = [_row(1), _row(2), _row(3)]
    delivered: list[str] = []

    class Picky:
        def send(self, message: Any) -> None:
            if message["To"] == "good2@example.org":
                raise UnicodeEncodeError("ascii", "é", 0, 1, "no SMTPUTF8")
            delivered.append(str(message["To"]))

    assert delivery.deliver_pending(Picky()) == 2
    assert delivered == ["good1@example.org", "good3@example.org"]
    db.session.expire_all()
    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SENT]
    assert "Cannot send the message: UnicodeEncodeError" in rows[1].last_error


def test_a_queued_subject_is_one_line(app, make_user):
    user = make_user(Role.PARTICIPANT)
    with app.test_request_context():
        message = queue_message("test.subject", user, INJECTION, "accounts/invite", link="x")
    assert message is not None and message.subject == "Anouk Bcc: x@example.org"


def test_an_address_on_more_than_one_line_cannot_be_built(app):
    row = OutboxMessage(
        recipient_email="a@example.org\nBcc: b@example.org",
        subject="s",
        body_text="t",
        message_id="<m@learnpath.test>",
    )
    row.created_at = utcnow()
    with pytest.raises(UnbuildableMessage, match="recipient address"):
        build_message(row, "learnpath <noreply@learnpath.test>")


def test_the_admin_page_shows_the_failed_message_with_its_reason(app, client, login_as, make_user):
    admin = make_user(Role.ADMIN)
    _row(
        1,
        recipient_email="x@example.org\r\nBcc: evil@example.org",
        organisation_id=admin.organisation_id,
    )
    delivery.deliver_pending(delivery.FileTransport(Path(app.instance_path) / "mail"))
    login_as(admin)
    page = client.get("/beheer/berichten")
    assert page.status_code == 200
    assert "Cannot build the message" in page.text and "recipient address" in page.text


def test_queue_all_again_touches_only_the_own_organisations_messages(
    app, client, login_as, make_user, make_org
):
    admin = make_user(Role.ADMIN)
    elsewhere = make_user(Role.PARTICIPANT, organisation=make_org("Gemeente Elders"))
    ours = make_user(Role.PARTICIPANT)
    theirs_row = _row(
        1,
        recipient_user_id=elsewhere.id,
        organisation_id=elsewhere.organisation_id,
        status=OutboxStatus.FAILED,
    )
    ours_row = _row(
        2,
        recipient_user_id=ours.id,
        organisation_id=ours.organisation_id,
        status=OutboxStatus.FAILED,
    )
    login_as(admin)
    client.get("/beheer/berichten")
    response = client.post("/beheer/berichten", data={"message_id": [theirs_row.id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert theirs_row.status == OutboxStatus.FAILED and ours_row.status == OutboxStatus.FAILED
    client.post("/beheer/berichten", data={})
    db.session.expire_all()
    assert theirs_row.status == OutboxStatus.FAILED
    assert ours_row.status == OutboxStatus.PENDING


def test_a_password_reset_still_leaves_after_a_poisoned_row(app, smtp, make_user):
    user = make_user(Role.PARTICIPANT, email="ilse@example.org")
    _row(1, recipient_email="x@example.org\r\nBcc: evil@example.org")
    accounts.request_password_reset(user.email)
    db.session.commit()
    assert delivery.deliver_pending() == 1
    assert _recipients(smtp) == ["ilse@example.org"]


# --- input: the feedback-request sender name and the cohort name ----------------------------


def _outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_sender_name_with_a_line_break_is_refused_with_the_input_kept(group, login_as, client):
    login_as(group.participants[0])
    before = _outbox_count()
    response = client.post(
        "/opdrachten/jij-op-je-best",
        data={
            "action": "invite:verhalen",
            "b-verhalen-sender": INJECTION,
            "b-verhalen-0-email": "ans@example.org",
            "b-verhalen-0-name": "Ans",
            "b-themas": "Mijn thema's",
        },
    )
    assert response.status_code == 200
    assert 'id="b-verhalen-sender-error"' in response.text
    assert ONE_LINE_NL in response.text
    assert 'value="ans@example.org"' in response.text and "Bcc: x@example.org" in response.text
    assert _outbox_count() == before
    assert db.session.scalar(select(func.count()).select_from(FeedbackRequest)) == 0


def test_a_colleague_name_with_a_line_break_is_refused(group, login_as, client):
    login_as(group.participants[0])
    response = client.post(
        "/opdrachten/jij-op-je-best",
        data={
            "action": "invite:verhalen",
            "b-verhalen-sender": "Sam",
            "b-verhalen-0-email": "ans@example.org",
            "b-verhalen-0-name": "Ans\nBcc: x@example.org",
        },
    )
    assert response.status_code == 200
    assert 'id="b-verhalen-0-name-error"' in response.text
    assert db.session.scalar(select(func.count()).select_from(FeedbackRequest)) == 0


def _cohort_form(org, coach, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "capacity": "12",
        "signup_opens_at": "2030-01-01T09:00",
        "signup_closes_at": "2030-01-10T09:00",
        "signup_mode": "open",
        "open_to": [org.id],
        "facilitators": [coach.id],
    }


# (A NUL byte anywhere in a request is refused before any form sees it: issue 16 point 6.)
@pytest.mark.parametrize("name", ["Voorjaar\r\nBcc: x@example.org", "Voorjaar\n", "Voor\x1bjaar"])
def test_a_cohort_name_with_a_line_break_is_refused_with_the_input_kept(
    org, make_user, login_as, client, name
):
    coach = make_user(Role.FACILITATOR)
    login_as(coach)
    client.get("/cohorten/nieuw")
    response = client.post("/cohorten/nieuw", data=_cohort_form(org, coach, name))
    assert response.status_code == 200
    assert ONE_LINE_NL in response.text
    assert "Voor" in response.text
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 0
    ok = client.post("/cohorten/nieuw", data=_cohort_form(org, coach, "Voorjaar \u200f🎉"))
    assert ok.status_code == 302


# --- every single-line field of every form carries the validator ---------------------------


#: StringField kinds that are not one-line text to check: a textarea is multi-line by design;
#: a password is never shown or sent (and an old one must keep working); a hidden field holds
#: what the page put there, and the code compares it with known values.
EXEMPT = (TextAreaField, PasswordField, HiddenField)


def _form_classes() -> list[type[Form]]:
    # Import every module that could define a form (not the others: a module that adds routes
    # to a blueprint must not be imported after an app registered it).
    root = Path(learnpath.__file__).parent
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if "migrations" not in parts and re.search(r"wtforms|Form\b", path.read_text("utf-8")):
            importlib.import_module(".".join(p for p in parts if p != "__init__"))
    found: list[type[Form]] = []
    todo = list(Form.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("learnpath."):
            found.append(cls)
    return found


def _unbound_fields(cls: type[Form]) -> Iterator[tuple[str, UnboundField]]:
    def inner(name: str, unbound: UnboundField) -> Iterator[tuple[str, UnboundField]]:
        yield name, unbound
        for arg in unbound.args:  # FieldList(StringField(...)) holds its field unbound
            if isinstance(arg, UnboundField):
                yield from inner(f"{name}[]", arg)

    for name in dir(cls):
        value = getattr(cls, name, None)
        if isinstance(value, UnboundField):
            yield from inner(f"{cls.__module__}.{cls.__qualname__}.{name}", value)


def test_the_walk_finds_the_forms_and_their_text_fields():
    classes = {f"{c.__module__}.{c.__qualname__}" for c in _form_classes()}
    assert "learnpath.cohorts.settings_form.CohortForm" in classes
    assert "learnpath.action_plans.forms.ActionForm" in classes  # a nested plain Form
    fields = {name for cls in _form_classes() for name, _ in _unbound_fields(cls)}
    assert "learnpath.cohorts.settings_form.CohortForm.name" in fields


def test_every_single_line_field_refuses_line_breaks_first():
    missing = []
    for cls in _form_classes():
        for name, unbound in _unbound_fields(cls):
            kind = unbound.field_class
            if not issubclass(kind, StringField) or issubclass(kind, EXEMPT):
                continue
            field = unbound.bind(None, "f", _meta=DefaultMeta())
            if not (field.validators and isinstance(field.validators[0], SingleLine)):
                missing.append(f"{name} ({kind.__name__})")
    assert missing == [], (
        "single-line fields without SingleLine as their first validator "
        "(use learnpath.web.forms.SingleLineField, or SingleLine() first): " + ", ".join(missing)
    )


class _Probe(Form):
    name = SingleLineField("Name")


@pytest.mark.parametrize(
    "value", ["a\rb", "a\nb", "a\x00b", "\r\n", "a\u2028b", "a\x85b", "a\x0bb", "\x1b[31m"]
)
def test_the_validator_refuses_line_breaks_and_control_characters(app, value):
    with app.test_request_context():
        form = _Probe(MultiDict({"name": value}))
        assert not form.validate()
        assert form.errors["name"] == [ONE_LINE_NL]


@pytest.mark.parametrize("value", ["Anouk de Vries", "a\tb", "Ünïcødé 🎉", "\u202eRTL", ""])
def test_the_validator_accepts_one_line_of_text(app, value):
    with app.test_request_context():
        form = _Probe(MultiDict({"name": value}))
        assert form.validate(), form.errors


def test_an_optional_field_of_only_line_breaks_is_refused_too(app):
    from wtforms.validators import Optional

    class WithOptional(Form):
        audience = SingleLineField("Audience", validators=[Optional()])

    with app.test_request_context():
        form = WithOptional(MultiDict({"audience": "\r\n"}))
        assert not form.validate()
