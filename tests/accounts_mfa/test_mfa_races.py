"""The same code sent twice at once signs in once (real threads, their own connections)."""

from __future__ import annotations

import threading

import pyotp
import pytest
from sqlalchemy import delete

from learnpath import create_app
from learnpath.accounts import mfa
from learnpath.accounts.models import MfaFailure, Role, User
from learnpath.db import utcnow
from learnpath.extensions import db


@pytest.fixture
def race_app(app_config, _migrated, app):
    sqlite = app_config["DATABASE_URL"].startswith("sqlite")
    options = {"connect_args": {"timeout": 60, "check_same_thread": False}} if sqlite else {}
    return create_app(
        {
            **app_config,
            "SQLALCHEMY_ENGINE_OPTIONS": {**options, "pool_size": 4, "max_overflow": 0},
        }
    )


def test_one_code_is_accepted_once_even_at_the_same_moment(race_app, make_user):
    admin = make_user(Role.ADMIN)
    secret = pyotp.random_base32()
    mfa.enrol_with_secret(admin, secret)
    codes = mfa.regenerate_recovery_codes(admin)
    db.session.commit()
    totp = pyotp.TOTP(secret)
    code = totp.generate_otp(totp.timecode(utcnow()))
    user_id = admin.id
    db.session.rollback()
    read_first = db.engine.dialect.name != "sqlite"
    for attempt in (code, codes[0]):
        barrier = threading.Barrier(4)
        results: list[bool] = []

        def verify(
            attempt: str = attempt, barrier: threading.Barrier = barrier, results=results
        ) -> None:
            with race_app.app_context():
                # PostgreSQL: read first, then go together; SQLite serialises writers
                # (BEGIN IMMEDIATE), so there the threads start together and take turns.
                if not read_first:
                    barrier.wait(timeout=30)
                user = db.session.get(User, user_id)
                assert user is not None
                if read_first:
                    barrier.wait(timeout=30)
                try:
                    results.append(mfa.verify(user, attempt, "192.0.2.1"))
                except Exception as exc:  # noqa: BLE001 - shown by the assertion below
                    results.append(exc)  # type: ignore[arg-type]
                    raise
                db.session.commit()
                db.session.remove()

        threads = [threading.Thread(target=verify) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(results, key=str) == [False, False, False, True], (attempt, results)
        db.session.execute(delete(MfaFailure))  # the losers' wrong codes: not throttled next
        db.session.commit()
