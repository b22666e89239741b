"""Two accepts of the last place at once (two tabs, two workers): one is accepted, the other
refused. Real threads, separate connections, no mocks; both databases."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from learnpath import create_app
from learnpath.accounts.models import User
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.opportunities import services
from learnpath.opportunities.models import OpportunityResponse, ResponseStatus
from learnpath.opportunities.services import OpportunityError


def test_two_accepts_for_the_last_place_at_once(app_config, app, kb, make_offer):
    opportunity = make_offer(places=1)
    responses = [
        services.respond(opportunity, user, "Graag").id for user in (kb.participant, kb.other)
    ]
    db.session.commit()
    offerer_id = kb.offerer.id
    db.session.commit()  # end this connection's transaction: SQLite would hold its write lock
    other = create_app(
        {
            **app_config,
            "SQLALCHEMY_ENGINE_OPTIONS": (
                {"connect_args": {"timeout": 30, "check_same_thread": False}}
                if app_config["DATABASE_URL"].startswith("sqlite")
                else {}
            ),
        }
    )
    start = threading.Barrier(2)

    def accept(response_id: int) -> bool:
        with other.app_context(), other.test_request_context():
            response = db.session.get(OpportunityResponse, response_id)
            offerer = db.session.get(User, offerer_id)
            assert response is not None and offerer is not None
            db.session.commit()  # no transaction (SQLite: no write lock) while waiting
            start.wait(timeout=30)
            try:
                services.decide(response, offerer, True, utcnow())
                db.session.commit()
                return True
            except OpportunityError:
                db.session.rollback()
                return False

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(accept, responses))
    assert sorted(results) == [False, True]
    db.session.expire_all()
    statuses = db.session.scalars(select(OpportunityResponse.status)).all()
    assert sorted(statuses) == sorted([ResponseStatus.ACCEPTED, ResponseStatus.PENDING])
