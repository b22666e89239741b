"""Password-reset requests: server time for a known address versus an unknown one.

Both take the same path (issue 16): the mail is built and queued, and for an unknown address
the queueing is rolled back. Requests alternate between the two kinds and come from different
sources, spread so that no rate limit is reached.

Run: .venv/bin/python bench/reset_timing.py [DATABASE_URL]
(default: a fresh SQLite file; pass a PostgreSQL URL of a scratch database to measure there —
its schema is dropped and rebuilt).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from learnpath import create_app  # noqa: E402
from learnpath.accounts.models import Organisation, Role, User  # noqa: E402
from learnpath.accounts.services import hash_password, set_roles  # noqa: E402
from learnpath.extensions import db  # noqa: E402

RUNS = 200


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://localhost",
            "RESET_MAX_PER_ADDRESS": 10 * RUNS,
        }
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(revision="heads")
        org = Organisation(slug="bench", name="Gemeente Bench")
        db.session.add(org)
        known = User(
            organisation=org,
            email="bekend@bench.example",
            name="Bekende Gebruiker",
            password_hash=hash_password("bench-wachtwoord"),
        )
        db.session.add(known)
        set_roles(known, {Role.PARTICIPANT})
        db.session.commit()
        dialect = db.engine.dialect.name

    client = app.test_client()
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(2 * RUNS + 20):
        kind = "known" if i % 2 == 0 else "unknown"
        email = "bekend@bench.example" if kind == "known" else f"onbekend{i}@bench.example"
        source = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
        t0 = time.perf_counter()
        response = client.post(
            "/wachtwoord-vergeten", data={"email": email}, environ_base={"REMOTE_ADDR": source}
        )
        elapsed = time.perf_counter() - t0
        assert response.status_code == 302, response.status_code
        if i >= 20:  # warm-up
            times[kind].append(elapsed)
    medians = {kind: statistics.median(values) * 1000 for kind, values in times.items()}
    for kind, median in medians.items():
        print(f"{kind:8s} median {median:6.2f} ms  ({len(times[kind])} runs, {dialect})")
    print(f"ratio known / unknown: {medians['known'] / medians['unknown']:.2f}")


if __name__ == "__main__":
    main()
