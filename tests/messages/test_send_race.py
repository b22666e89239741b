"""Two requests send the same form at once (a double click on two workers): one message, one
mail per recipient. Real threads, separate connections, no mocks."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from learnpath import create_app
from learnpath.accounts.models import Role, User
from learnpath.cohorts import services as cohort_services
from learnpath.cohorts.models import Cohort
from learnpath.extensions import db
from learnpath.messages import services
from learnpath.messages.models import Audience, BodyFormat, CohortMessage
from learnpath.notifications.models import OutboxMessage
from tests.factories import make_cohort


def test_a_message_sent_twice_at_once_goes_out_once(app_config, app, org, make_user):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    for i in range(3):
        cohort_services.sign_up(cohort, make_user(Role.PARTICIPANT, name=f"Lid {i}"))
    db.session.commit()
    ids, key = (cohort.id, coach.id), uuid.uuid4().hex
    db.session.commit()  # end this connection's transaction: SQLite would hold its write lock
    other = create_app(
        {
            **app_config,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                **(
                    {"connect_args": {"timeout": 30, "check_same_thread": False}}
                    if app_config["DATABASE_URL"].startswith("sqlite")
                    else {}
                ),
            },
        }
    )
    draft = services.Draft(Audience.COHORT, "Dubbel", "Tekst", BodyFormat.PLAIN)
    start = threading.Barrier(2)

    def send() -> bool:
        with other.app_context(), other.test_request_context():
            c, author = db.session.get(Cohort, ids[0]), db.session.get(User, ids[1])
            db.session.commit()  # no transaction (SQLite: no write lock) while waiting
            start.wait(timeout=30)
            message = services.send(c, author, draft, key)
            db.session.commit()
            return message is not None

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: send(), range(2)))
    assert sorted(results) == [False, True]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CohortMessage)) == 1
    count = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.kind == "cohorts.message")
    )
    assert db.session.scalar(count) == 3
