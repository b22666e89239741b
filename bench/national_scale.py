"""Benchmark: the main pages at demo scale and at national scale, on PostgreSQL (not a test).

1. The database named by --database is dropped and created anew, migrated, and the demo data
   is loaded (``learnpath.demo.seed``). Every page in the list below is measured for the demo
   users ("demo").
2. National data is loaded with COPY: 355 organisations (the largest with 5,400 participants),
   about 90,000 participants with their managers, facilitators, HR and administrators, 7,500
   programme cohorts with 22,500 sessions over the year, workshop groups for the managers, and
   realistic rows in every table the pages read: enrolments, attendance, submissions with
   feedback, self-assessments, action plans with versions, goals, shares, conversations and
   follow-ups, facilitator notes, calendar tokens, outbox messages, audit events and the cohort
   history. One password hash is shared by everyone. The load is timed.
   It is loaded in two steps: first the largest organisation and 10 % of the others, then the
   rest, and the HR dashboard of the largest organisation is measured after each step (same
   organisation, 10 % and 100 % of the country).
3. Every page is measured for users of the national data ("national": the largest
   organisation, and the HR dashboard of a median-sized one too).

Per page: the median server time of --runs requests (in-process Flask test client, the pages
interleaved run by run), the number of SQL queries per request, the HTML size, and the ratio to
the floor: a bare Flask app whose route renders a Jinja template to the same number of bytes,
measured in the same interleaved runs. For the HR dashboard the time spent in SQL (driver
execute + fetch) is printed separately from the total, so what the protection step costs is
visible.

    .venv/bin/python bench/national_scale.py \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/learnpath_national \
        [--scale 0.1] [--runs 25] [--keep]

``--scale 0.1`` loads a tenth of the country (the largest organisation keeps its size), for a
quick run. Without ``--keep`` the database is dropped at the end. bench/worker_memory.py then
measures gunicorn workers' memory on a kept database.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import operator
import queue
import random
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-national-secret"
PASSWORD = "bench-wachtwoord-2026"
ORGANISATIONS = 355
PARTICIPANTS = 90_000
LARGEST = 5_400
COHORT_SIZE = 12
FIRST_STEP = 0.10


def recreate_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def drop_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def make_app(url: str) -> Any:
    from learnpath import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "BASE_URL": "http://localhost",
            "WTF_CSRF_ENABLED": False,
            "MAIL_BACKEND": "file",
            # report counters raised at the commit, not by a thread a moment later: a page
            # measured right after a change (``changed``) sees the new version, and no raise
            # lands later in the middle of the runs
            "REPORT_VERSION_DELAY": 0,
        }
    )


# --- the national data ---------------------------------------------------------------------


@dataclass
class OrgPlan:
    index: int
    participants: int
    id: int = 0
    slug: str = ""
    #: Filled in while loading: user ids of some people, for the measurements.
    hr: int = 0
    admin: int = 0
    sample: dict[str, Any] = field(default_factory=dict)


def organisation_sizes(scale: float, seed: int = 17) -> list[int]:
    """Participants per organisation: the largest has LARGEST, the others share the rest of
    the country's (scaled) participants with a skewed spread, as municipalities do."""
    rng = random.Random(seed)
    others = max(2, round((ORGANISATIONS - 1) * scale))
    rest = max(others * COHORT_SIZE, round(PARTICIPANTS * scale) - LARGEST)
    weights = [rng.lognormvariate(0, 0.9) for _ in range(others)]
    total = sum(weights)
    sizes = [max(COHORT_SIZE, round(rest * w / total)) for w in weights]
    top = max(sizes)
    if top >= LARGEST:  # keep the largest one largest
        sizes = [min(s, LARGEST - 1) for s in sizes]
    return [LARGEST, *sizes]


FIRST = [
    "Anouk", "Bram", "Chantal", "Daan", "Eva", "Fatima", "Gijs", "Hanneke", "Imane", "Jeroen",
    "Karin", "Lars", "Mila", "Noah", "Olga", "Pieter", "Rosa", "Sven", "Tess", "Umut", "Vera",
    "Wouter", "Yara", "Zeynep", "Bas", "Ellen", "Ruben", "Sanne", "Thijs", "Mohammed",
]  # fmt: skip
LAST = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
    "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Dekker", "Brouwer", "de Wit", "Dijkstra",
    "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs", "de Haan", "Vermeulen", "El Amrani",
    "Yılmaz", "Verhoeven", "van den Berg", "Koster",
]  # fmt: skip
DEPARTMENTS = [
    "Sociaal domein", "Ruimte", "Economie", "Bedrijfsvoering", "Publiekszaken", "Veiligheid",
    "Dienstverlening", "Financiën", "Informatievoorziening", "Wonen", "Onderwijs", "Cultuur",
    "Openbare ruimte", "Griffie", "Communicatie",
]  # fmt: skip
LOREM = (
    "Ik merk dat ik energie krijg van samenwerken met collega's uit andere teams en van "
    "het oplossen van lastige vraagstukken voor inwoners. "
)


class Loader:
    """Writes national data with COPY, table by table in chunks (foreign keys are checked by
    the data's construction: the session runs with session_replication_role = replica)."""

    CHUNK = 50_000

    def __init__(self, conn: Any, content: Any, now: datetime, token_for: Callable) -> None:
        self.conn = conn
        self.now = now
        self.token_for = token_for
        self.rng = random.Random(7)
        self.columns: dict[str, tuple[str, ...]] = {}
        #: Columns the database fills in itself, and a neutral value for required columns
        #: this loader does not know (added by a later change): rows stay loadable.
        self.defaulted: set[tuple[str, str]] = set()
        self.neutral: dict[tuple[str, str], Any] = {}
        #: The columns each table is copied with (fixed by its first row).
        self.copied: dict[str, tuple[str, ...]] = {}
        self.buffers: dict[str, list[str]] = {}
        self.bases: dict[str, dict[str, Any]] = {}
        self.getters: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {}
        #: Chunks of COPY data for the writer thread (bounded: generation waits for it).
        self.queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.writer = threading.Thread(target=self._write, daemon=True)
        self.counts: dict[str, int] = {}
        self.next_id: dict[str, int] = {}
        self.password_hash = ""
        self.version = content.version
        from learnpath.content.schema import CAREER_PROGRAMME

        self.programme = CAREER_PROGRAMME
        self.sessions = [
            (s.slug, s.duration_minutes) for s in content.programme(CAREER_PROGRAMME).sessions
        ]
        self.assignments = [(a.slug, a.blocks) for a in content.assignments_for(CAREER_PROGRAMME)]
        self.answers = {slug: json.dumps(_answers(blocks)) for slug, blocks in self.assignments}
        inst = content.instruments["zelfscan-loopbaancompetenties"]
        self.instrument = inst.slug
        items = [i.slug for s in inst.scales for i in s.items]
        self.assessments = [
            json.dumps({i: self.rng.randint(1, inst.scale_max) for i in items}) for _ in range(200)
        ]
        series = next(iter(content.workshop_series.values()))
        self.series = series.slug
        self.meetings = [
            (f"meeting-{m.order}", m.duration_minutes)
            for m in sorted(series.meetings, key=lambda m: m.order)
        ]
        self.plans = [json.dumps(_plan(self.rng, n)) for n in range(50)]
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name, column_name, column_default IS NOT NULL, is_nullable = 'NO', "
                "data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
            )
            numbered: set[str] = set()  # tables with an integer id (the loader numbers them)
            for table, column, has_default, required, kind in cur.fetchall():
                self.columns.setdefault(table, ())
                self.columns[table] += (column,)
                if column == "id" and kind in ("integer", "bigint"):
                    numbered.add(table)
                if has_default:
                    self.defaulted.add((table, column))
                elif required and column != "id":
                    self.neutral[(table, column)] = NEUTRAL.get(kind, "")
            for table in self.columns:
                if table in numbered:
                    cur.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
                    self.next_id[table] = cur.fetchone()[0] + 1
        self.writer.start()

    def new_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def add(self, table: str, **row: Any) -> int:
        """Queue a row (columns not given are NULL); returns its id when the table has one."""
        base = self.bases.get(table)
        if base is None:
            base = self._prepare(table, row)
        if "id" in base and "id" not in row:
            row["id"] = self.new_id(table)
        full = base.copy()
        full.update(row)
        if len(full) != len(base):
            raise ValueError(f"{table}: {set(row) - set(base)} not in the first row")
        formats = _FORMATS
        self.buffers[table].append(
            "\t".join([formats[type(v)](v) for v in self.getters[table](full)])
        )
        if len(self.buffers[table]) >= self.CHUNK:
            self.flush(table)
        return int(row.get("id") or 0)

    def _prepare(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """Fix the table's copied columns by its first row (plus every column the database has
        no default for), with their values when a row does not give them."""
        columns = self.columns[table]
        copied = tuple(
            c for c in columns if c == "id" or c in row or (table, c) not in self.defaulted
        )
        base: dict[str, Any] = {c: self.neutral.get((table, c)) for c in copied}
        for stamp in ("created_at", "updated_at"):
            if stamp in base:
                base[stamp] = self.now
        unknown = [
            c
            for c in copied
            if c not in row and (table, c) in self.neutral and c not in ("created_at", "updated_at")
        ]
        if unknown:
            print(f"  note: {table}.{', '.join(unknown)} not generated: neutral values")
        self.copied[table] = copied
        self.bases[table] = base
        getter = operator.itemgetter(*copied)
        self.getters[table] = getter if len(copied) > 1 else lambda d: (getter(d),)
        self.buffers[table] = []
        return base

    def flush(self, table: str | None = None) -> None:
        """Hand full chunks to the writer thread (it COPYs while rows are generated)."""
        for name in [table] if table else list(self.buffers):
            rows = self.buffers.get(name) or []
            if not rows:
                continue
            columns = ", ".join(f'"{c}"' for c in self.copied[name])
            data = ("\n".join(rows) + "\n").encode()
            self.queue.put((f'COPY "{name}" ({columns}) FROM STDIN', data))
            self.counts[name] = self.counts.get(name, 0) + len(rows)
            self.buffers[name] = []

    def _write(self) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute("SET session_replication_role = replica")
                while (item := self.queue.get()) is not None:
                    statement, data = item
                    with cur.copy(statement) as copy:
                        copy.write(data)
        except BaseException as error:  # noqa: BLE001 - reported by finish()
            self.error = error
            while self.queue.get() is not None:
                pass

    def finish(self) -> None:
        self.flush()
        self.queue.put(None)
        self.writer.join()
        if self.error is not None:
            raise self.error
        with self.conn.cursor() as cur:
            for table in self.next_id:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f'greatest((SELECT max(id) FROM "{table}"), 1))'
                )
        self.conn.commit()

    # -- one organisation -------------------------------------------------------------------

    def organisation(self, plan: OrgPlan) -> None:
        rng, now = self.rng, self.now
        plan.slug = f"gemeente-{plan.index:03d}"
        plan.id = self.add(
            "organisations",
            slug=plan.slug,
            name=f"Gemeente {plan.index:03d}",
            timezone="Europe/Amsterdam",
            report_min_group=5,
            retention_months=24,
        )
        n = plan.participants
        depts = [
            self.add("departments", organisation_id=plan.id, name=name)
            for name in DEPARTMENTS[: max(3, min(len(DEPARTMENTS), n // 60))]
        ]
        domain = f"{plan.slug}.example"

        def person(local: str, role: str, dept: int | None, manager: int | None = None) -> int:
            uid = self.new_id("users")
            self.add(
                "users",
                id=uid,
                organisation_id=plan.id,
                department_id=dept,
                manager_id=manager,
                email=f"{local}@{domain}",
                name=f"{FIRST[uid % len(FIRST)]} {LAST[(uid // 7) % len(LAST)]}",
                password_hash=self.password_hash,
                locale="nl",
                is_active_account=True,
                last_login_at=now - timedelta(days=uid % 30),
                wants_session_reminders=True,
                wants_assignment_reminders=True,
                session_epoch=0,
            )
            self.add("user_roles", user_id=uid, role=role)
            return uid

        plan.admin = person("beheer", "admin", depts[0])
        plan.hr = person("hr", "hr", depts[0])
        person("hr2", "hr", depts[0])
        managers = [
            person(f"manager{i}", "manager", depts[i % len(depts)]) for i in range(max(1, n // 12))
        ]
        n_cohorts = math.ceil(n / COHORT_SIZE)
        facilitators = [
            person(f"coach{i}", "facilitator", None) for i in range(max(1, n_cohorts // 8))
        ]
        participants = [
            person(
                f"deelnemer{i}", "participant", depts[i % len(depts)], managers[i % len(managers)]
            )
            for i in range(n)
        ]
        manager_of = {p: managers[i % len(managers)] for i, p in enumerate(participants)}
        for i, uid in enumerate(participants):
            if i % 3 == 0:
                self.token(uid)
        for uid in managers[::2]:
            self.token(uid)
        for j in range(n_cohorts):
            members = participants[j * COHORT_SIZE : (j + 1) * COHORT_SIZE]
            # Cohorts start over the year: most have finished, some run, some are to come.
            first = now - timedelta(days=300) + timedelta(days=365 * (j + rng.random()) / n_cohorts)
            coach = facilitators[j % len(facilitators)]
            cohort = self.cohort(
                plan.id,
                "programme",
                self.programme,
                f"Loopbaantraject {j + 1}",
                first,
                self.sessions,
                coach,
                14,
            )
            if j == 0 or (j == n_cohorts // 2):
                self.token(coach, cohort[0])
            self.programme_members(cohort, members, coach, manager_of, plan)
        for j in range(math.ceil(len(managers) / 12)):
            members = managers[j * 12 : (j + 1) * 12]
            first = now - timedelta(days=250) + timedelta(days=300 * j / max(1, len(managers) / 12))
            coach = facilitators[j % len(facilitators)]
            cohort = self.cohort(
                plan.id,
                "workshop",
                self.series,
                f"Het goede gesprek {j + 1}",
                first,
                self.meetings,
                coach,
                21,
            )
            self.manager_members(cohort, members, plan)

    def token(self, uid: int, cohort_id: int | None = None) -> None:
        seed = f"seed-{uid}-{cohort_id or 'p'}"
        self.add(
            "calendar_tokens",
            user_id=uid,
            scope="personal" if cohort_id is None else f"cohort:{cohort_id}",
            cohort_id=cohort_id,
            seed=seed,
            token_hash=hashlib.sha256(self.token_for(seed).encode()).hexdigest(),
        )

    def cohort(
        self,
        org: int,
        kind: str,
        slug: str,
        name: str,
        first: datetime,
        sessions: list[tuple[str, int]],
        coach: int,
        gap: int,
    ) -> tuple[int, list[tuple[int, datetime]]]:
        cid = self.add(
            "cohorts",
            kind=kind,
            organisation_id=org,
            name=name,
            programme_slug=slug,
            content_version=self.version,
            capacity=COHORT_SIZE,
            signup_mode="open",
            signup_opens_at=first - timedelta(days=60),
            signup_closes_at=first - timedelta(days=7),
            requires_manager_approval=False,
            claim_window_hours=48,
            status="active",
            created_by_id=coach,
            created_at=first - timedelta(days=70),
        )
        self.add("cohort_organisations", cohort_id=cid, organisation_id=org)
        self.add("cohort_facilitators", cohort_id=cid, user_id=coach)
        self.add(
            "schedule_changes",
            cohort_id=cid,
            session_id=None,
            actor_id=coach,
            action="created",
            detail="{}",
            created_at=first - timedelta(days=70),
        )
        held = []
        for position, (blueprint, minutes) in enumerate(sessions):
            start = first + timedelta(days=gap * position)
            sid = self.add(
                "cohort_sessions",
                cohort_id=cid,
                blueprint_slug=blueprint,
                position=position,
                starts_at=start,
                duration_minutes=minutes,
                meeting_url=f"https://meet.jit.si/learnpath-{cid}-{position}",
                status="scheduled",
                uid=f"{hashlib.md5(f'{cid}-{position}'.encode()).hexdigest()}@learnpath",
                sequence=0,
                changed_at=first - timedelta(days=70),
            )
            self.add(
                "schedule_changes",
                cohort_id=cid,
                session_id=sid,
                actor_id=coach,
                action="scheduled",
                detail=json.dumps({"session": sid}),
                created_at=first - timedelta(days=70),
            )
            held.append((sid, start))
        return cid, held

    def programme_members(
        self,
        cohort: tuple[int, list[tuple[int, datetime]]],
        members: list[int],
        coach: int,
        manager_of: dict[int, int],
        plan: OrgPlan,
    ) -> None:
        rng, now = self.rng, self.now
        cid, sessions = cohort
        first, last = sessions[0][1], sessions[-1][1]
        finished = last < now - timedelta(days=7)
        started = first < now
        held = [(sid, at) for sid, at in sessions if at < now]
        for k, uid in enumerate(members):
            roll = rng.random()
            if finished:
                status = (
                    "completed" if roll < 0.85 else "dropped_out" if roll < 0.93 else "withdrawn"
                )
            else:
                status = "enrolled" if k < COHORT_SIZE - 1 or roll < 0.7 else "waitlisted"
            active = status in ("enrolled", "waitlisted")
            eid = self.add(
                "enrolments",
                cohort_id=cid,
                user_id=uid,
                status=status,
                active_user_id=uid if active else None,
                waitlist_rank=1 if status == "waitlisted" else None,
                requested_at=first - timedelta(days=40),
                enrolled_at=None if status == "waitlisted" else first - timedelta(days=40),
                ended_at=last + timedelta(days=1) if finished else None,
                dropout_reason="workload" if status == "dropped_out" else None,
                created_at=first - timedelta(days=40),
            )
            if status in ("withdrawn", "waitlisted"):
                continue
            took_part = status != "withdrawn"
            for sid, at in held:
                r = rng.random()
                self.add(
                    "attendance",
                    session_id=sid,
                    user_id=uid,
                    status="present" if r < 0.86 else "excused" if r < 0.95 else "absent",
                    recorded_by_id=coach,
                    recorded_at=at + timedelta(hours=3),
                )
            if not started or not took_part:
                continue
            done = (
                len(self.assignments)
                if finished
                else max(1, len(self.assignments) * len(held) // 4)
            )
            if status == "dropped_out":
                done = done // 3
            for slug, _blocks in self.assignments[:done]:
                r = rng.random()
                state = "reviewed" if r < 0.55 else "submitted" if r < 0.9 else "draft"
                handed = first + timedelta(days=rng.randint(1, 30))
                sub = self.add(
                    "submissions",
                    enrolment_id=eid,
                    cohort_id=cid,
                    user_id=uid,
                    assignment_slug=slug,
                    content_version=self.version,
                    answers=self.answers[slug],
                    status=state,
                    submitted_at=None if state == "draft" else handed,
                    is_late=r > 0.85,
                    reviewed_at=handed + timedelta(days=3) if state == "reviewed" else None,
                )
                if state == "reviewed":
                    self.add(
                        "submission_feedback",
                        submission_id=sub,
                        author_id=coach,
                        text="Mooi uitgewerkt; kijk nog eens naar je voorbeelden. " * 2,
                        created_at=handed + timedelta(days=3),
                    )
                    if r < 0.2:
                        self.add(
                            "audit_events",
                            actor_id=coach,
                            subject_user_id=uid,
                            action="submission.view",
                            object_ref=f"submission:{sub}",
                            created_at=handed + timedelta(days=3),
                        )
            if rng.random() < 0.92:
                self.add(
                    "self_assessments",
                    user_id=uid,
                    cohort_id=cid,
                    moment="start",
                    instrument_slug=self.instrument,
                    content_version=self.version,
                    answers=rng.choice(self.assessments),
                    completed_at=first,
                )
            if finished and rng.random() < 0.8:
                self.add(
                    "self_assessments",
                    user_id=uid,
                    cohort_id=cid,
                    moment="end",
                    instrument_slug=self.instrument,
                    content_version=self.version,
                    answers=rng.choice(self.assessments),
                    completed_at=last,
                )
            if rng.random() < 0.1:
                self.add(
                    "facilitator_notes",
                    cohort_id=cid,
                    user_id=uid,
                    author_id=coach,
                    text="Wil graag meer tijd voor het informatief gesprek.",
                )
            self.outbox(plan.id, uid, cid, first)
            if rng.random() < 0.85:
                self.action_plan(uid, cid, coach, manager_of[uid], finished, status, last)
            if not plan.sample.get("participant") and started and not finished and len(held) >= 2:
                plan.sample.update(
                    participant=uid, cohort=cid, coach=coach, manager=manager_of[uid]
                )

    def action_plan(
        self,
        uid: int,
        cid: int,
        coach: int,
        manager: int,
        finished: bool,
        status: str,
        last: datetime,
    ) -> None:
        rng = self.rng
        final = finished and status == "completed" and rng.random() < 0.85
        data = rng.choice(self.plans)
        versions = (2 if rng.random() < 0.2 else 1) if final else 0
        share = final and rng.random() < 0.65
        talk = share and rng.random() < 0.6
        discussed = talk and rng.random() < 0.7
        pid = self.add(
            "action_plans",
            user_id=uid,
            cohort_id=cid,
            content_version=self.version,
            data=data,
            status="discussed" if discussed else "final" if final else "draft",
            version=max(1, versions),
        )
        for number in range(1, versions + 1):
            self.add(
                "action_plan_versions",
                plan_id=pid,
                number=number,
                data=data,
                finalised_at=last - timedelta(days=3 - number),
            )
        if not final:
            return
        followed = rng.random() < 0.45
        for position in range(rng.randint(1, 3)):
            self.add(
                "action_plan_goals",
                plan_id=pid,
                position=position,
                category=rng.choice(["clarity", "development", "internal_move", "job_fit", None]),
                achievement=rng.choice(["achieved", "partly", "not_achieved"])
                if followed
                else None,
                assessed_at=self.now - timedelta(days=5) if followed else None,
            )
        if followed:
            self.add(
                "action_plan_follow_ups",
                plan_id=pid,
                result=rng.choice(["internal_move", "job_fits", "exploring", "no_change"]),
                version_number=versions,
            )
        if not share:
            return
        sid = self.add(
            "action_plan_shares",
            plan_id=pid,
            manager_id=manager,
            sections=json.dumps(["question", "goals", "actions", "support"]),
            created_at=last,
            first_opened_at=last + timedelta(days=1),
            last_opened_at=last + timedelta(days=2),
        )
        self.add(
            "audit_events",
            actor_id=manager,
            subject_user_id=uid,
            action="action_plan.view",
            object_ref=f"action_plan:{pid}",
            created_at=last + timedelta(days=1),
        )
        if talk:
            at = last + timedelta(days=14)
            conv = self.add(
                "career_conversations",
                share_id=sid,
                starts_at=at if discussed or rng.random() < 0.5 else None,
                duration_minutes=60,
                sequence=0,
                manager_notes="Voorbereiden: budget opleiding.",
                checklist=json.dumps({"participant": [], "manager": []}),
                agreements="Opleiding projectleiding in Q2; maandelijks gesprek."
                if discussed
                else "",
                discussed_at=at if discussed else None,
            )
            if not discussed:
                for d in (14, 15):
                    self.add(
                        "career_conversation_proposals",
                        conversation_id=conv,
                        starts_at=last + timedelta(days=d),
                    )

    def outbox(self, org: int, uid: int, cid: int, first: datetime) -> None:
        for kind in (
            "cohorts.enrolled",
            "calendar.invitation",
            "schedule.reminder",
            "assignments.reminder",
        ):
            mid = self.new_id("outbox_messages")
            self.add(
                "outbox_messages",
                id=mid,
                kind=kind,
                recipient_user_id=uid,
                organisation_id=org,
                recipient_email=f"user{uid}@example.org",
                subject=f"Loopbaantraject: {kind}",
                body_text="Beste deelnemer,\n\n" + LOREM * 2,
                body_html=None,
                ics=CALENDAR_STUB if kind == "calendar.invitation" else None,
                ics_method="REQUEST" if kind == "calendar.invitation" else None,
                message_id=f"<{mid}.{uid}@learnpath.bench>",
                idempotency_key=f"{kind}:{uid}:{cid}",
                status="sent",
                attempts=1,
                next_attempt_at=first - timedelta(days=40),
                created_at=first - timedelta(days=40),
                sent_at=first - timedelta(days=40),
            )

    def manager_members(
        self, cohort: tuple[int, list[tuple[int, datetime]]], members: list[int], plan: OrgPlan
    ) -> None:
        cid, sessions = cohort
        for uid in members:
            self.add(
                "enrolments",
                cohort_id=cid,
                user_id=uid,
                status="enrolled",
                requested_at=sessions[0][1] - timedelta(days=30),
                enrolled_at=sessions[0][1] - timedelta(days=30),
            )
            for sid, at in sessions:
                if at < self.now:
                    self.add(
                        "attendance",
                        session_id=sid,
                        user_id=uid,
                        status="present",
                        recorded_at=at + timedelta(hours=3),
                    )


#: Values for required columns without a default that the loader does not generate.
NEUTRAL = {"boolean": False, "integer": 0, "bigint": 0, "smallint": 0, "json": "{}", "jsonb": "{}"}


def _escaped(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


#: How each type of value is written in COPY's text format.
_FORMATS: dict[type, Callable[[Any], str]] = {
    type(None): lambda _v: "\\N",
    bool: lambda v: "t" if v else "f",
    str: _escaped,
    int: str,
    datetime: datetime.isoformat,
}


CALENDAR_STUB = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//learnpath//NL\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:bench@learnpath\r\nDTSTAMP:20260101T090000Z\r\n"
    "DTSTART:20260301T083000Z\r\nDTEND:20260301T100000Z\r\nSUMMARY:Intro\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _answers(blocks: Any) -> dict[str, Any]:
    """Answers of the right shape for each block type (answers.py)."""
    result: dict[str, Any] = {}
    for block in blocks:
        kind = block.type
        if kind == "text":
            result[block.slug] = {"type": "text", "value": LOREM * 3}
        elif kind == "list":
            result[block.slug] = {
                "type": "list",
                "items": [{"item": f"Punt {i}", "example": LOREM} for i in range(1, 4)],
            }
        elif kind == "rating":
            result[block.slug] = {"type": "rating", "scores": [3, 4, 2, 5]}
        elif kind == "ranking":
            options = [o.slug for o in getattr(block, "options", [])][:5]
            result[block.slug] = {"type": "ranking", "ranked": options}
        elif kind == "table":
            columns = [c.slug for c in getattr(block, "columns", [])]
            result[block.slug] = {
                "type": "table",
                "rows": [{c: f"{LOREM[:60]}" for c in columns} for _ in range(3)],
            }
        elif kind == "feedback_request":
            result[block.slug] = {"type": "feedback_request", "sender_name": "Eva", "pending": []}
    return result


def _plan(rng: random.Random, n: int) -> dict[str, Any]:
    goal = {
        "description": f"Ik wil binnen een jaar projectleider worden ({n}).",
        "measurable": "twee projecten geleid",
        "achievable": "met steun van mijn leidinggevende en een opleiding",
        "relevant": "past bij mijn drijfveren",
        "target_date": "2027-03-01",
        "horizon": rng.choice(["short", "long"]),
        "category": rng.choice(["clarity", "development", "internal_move", ""]),
    }
    return {
        "career_question": "Welke rol past bij mij over drie jaar? " + LOREM,
        "ambition": LOREM,
        "insights": {c: LOREM for c in ("kwaliteitenreflectie", "motievenreflectie", "netwerken")},
        "goals": [goal] * rng.randint(1, 3),
        "actions": [
            {
                "what": "Informatief gesprek voeren",
                "who": "Zoë",
                "result": "beeld van de rol",
                "when": "2027-01-15",
            }
        ]
        * rng.randint(1, 4),
        "support": {"kinds": ["training", "coaching"], "details": LOREM},
        "topics": LOREM,
        "follow_up_on": "2027-06-01",
    }


def load_national(
    app: Any, url: str, sizes: list[int], step: int, loader: Loader | None, plans: list[OrgPlan]
) -> tuple[Loader, float]:
    """Load organisations ``plans`` (COPY); return the loader and the seconds it took."""
    import psycopg

    from learnpath.accounts.services import hash_password
    from learnpath.content_registry import get_content
    from learnpath.db import utcnow
    from learnpath.ical.services import derive_token

    start = time.perf_counter()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg.connect(dsn)
    with app.app_context():
        content = get_content()
        now = utcnow()
        fresh = Loader(conn, content, now, derive_token)
        if loader is None:
            fresh.password_hash = hash_password(PASSWORD)
            fresh.rng = random.Random(11)
        else:
            fresh.password_hash = loader.password_hash
            fresh.rng = loader.rng
        for plan in plans:
            fresh.organisation(plan)
        fresh.finish()
        with conn.cursor() as cur:
            conn.autocommit = True
            cur.execute("ANALYZE")
    conn.close()
    return fresh, time.perf_counter() - start


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    user: Any  # user id, or None for an anonymous request (the feed)
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    times: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    queries: int = 0
    size: int = 0
    floor: list[float] = field(default_factory=list)
    #: Instead of a request: a function run in its own app context (the report's queries).
    call: Callable[[], None] | None = None
    #: Seconds of the first request when it took longer than the limit (then not repeated).
    too_slow: float = 0.0
    #: Run before each timed request, not timed (e.g. mark the organisation's data changed).
    prepare: Callable[[], None] | None = None


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.sql = 0.0
        self._started = 0.0

    def before(self, *args: Any) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def after(self, *args: Any) -> None:
        self.sql += time.perf_counter() - self._started


def floor_app() -> Any:
    """A bare Flask app: one route rendering a template of a given size, no database."""
    from flask import Flask, render_template_string

    app = Flask("floor")
    template = (
        "<!doctype html><html><head><title>{{ title }}</title></head><body><main>"
        '{% for line in lines %}<p class="row">{{ line }}</p>{% endfor %}</main></body></html>'
    )

    @app.route("/floor/<int:size>")
    def floor(size: int) -> str:
        lines = [
            "Loopbaantraject – groep " + str(i).rjust(4) + " " + "x" * 40 for i in range(size // 80)
        ]
        return render_template_string(template, title="floor", lines=lines)

    return app


def measure(app: Any, pages: list[Page], runs: int, limit: float = 30.0) -> None:
    """Time the pages, interleaved run by run, each request in its own app context (as in a
    server: no ``g`` or database session carried from one request to the next)."""
    from learnpath.accounts.models import User
    from learnpath.extensions import db

    floor = floor_app().test_client()
    clients: dict[Any, Any] = {}
    with app.app_context():
        engine = db.engine
        for page in pages:
            if page.user is not None and page.user not in clients:
                client = app.test_client()
                user = db.session.get(User, page.user)
                with client.session_transaction() as session:
                    session["_user_id"] = user.get_id()
                    session["_fresh"] = True
                clients[page.user] = client
    anonymous = app.test_client()
    counter = Counter()

    def run(page: Page) -> Any:
        if page.call is not None:
            with app.app_context():
                page.call()
            return None
        return clients.get(page.user, anonymous).get(page.url, headers=page.headers)

    event.listen(engine, "before_cursor_execute", counter.before)
    event.listen(engine, "after_cursor_execute", counter.after)
    try:
        for page in pages:  # warm-up, sizes and statuses
            counter.count, counter.sql = 0, 0.0
            start = time.perf_counter()
            signal.signal(signal.SIGALRM, _too_slow)
            # Fires again every half second: an exception raised while Python runs a callback
            # that swallows it (a garbage-collection hook) is lost, the next one lands.
            signal.setitimer(signal.ITIMER_REAL, limit, 0.5)
            _ARMED[0] = True
            try:
                response = run(page)
                _ARMED[0] = False
            except TooSlow:
                _ARMED[0] = False
                response = None
            finally:
                _ARMED[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
            seconds = time.perf_counter() - start
            if response is not None:
                if response.status_code != page.status:
                    raise SystemExit(f"{page.name}: {page.url} answered {response.status_code}")
                page.size = len(response.data)
            if seconds > limit:
                page.too_slow, page.queries = seconds, counter.count
                page.sql.append(counter.sql)
                print(f"  {page.name}: stopped after {seconds:.1f} s, not repeated", flush=True)
        for _ in range(runs):
            for page in pages:
                if page.too_slow:
                    continue
                if page.prepare is not None:
                    page.prepare()
                counter.count, counter.sql = 0, 0.0
                start = time.perf_counter()
                run(page)
                page.times.append(time.perf_counter() - start)
                page.sql.append(counter.sql)
                page.queries = counter.count
                if page.call is None:
                    start = time.perf_counter()
                    floor.get(f"/floor/{max(page.size, 80)}")
                    page.floor.append(time.perf_counter() - start)
    finally:
        event.remove(engine, "before_cursor_execute", counter.before)
        event.remove(engine, "after_cursor_execute", counter.after)


class TooSlow(BaseException):
    """Raised by the alarm in a request that takes longer than the limit (a BaseException, so
    the app's error handler does not turn it into a 500 page)."""


_ARMED = [False]


def _too_slow(*_args: Any) -> None:
    if _ARMED[0]:
        raise TooSlow


def report_queries(organisation_id: int) -> Callable[[], None]:
    """The HR dashboard's SQL alone (every query the report runs, without the protection and
    rendering): what learnpath.reports.queries costs for one organisation."""

    def call() -> None:
        from learnpath.accounts.models import Organisation
        from learnpath.db import utcnow
        from learnpath.extensions import db
        from learnpath.reports import queries as q
        from learnpath.reports.services import department_names, year_window

        org = db.session.get(Organisation, organisation_id)
        now = utcnow()
        start, end = year_window(org, now.year)
        scope = q.Scope(org.id, start, end)
        enrolments = q.organisation_enrolments(org.id)
        q.cohort_years(org.id, enrolments)
        department_names(org)
        pop = q.population(scope, enrolments)
        for name in (
            "people_counts", "status_counts", "cohort_facts", "cohort_counts", "dropout_counts",
            "took_part_counts", "handed_in_counts", "plan_rows", "goal_facts",
            "assessment_pairs",
        ):  # fmt: skip
            getattr(q, name)(pop)
        q.eligible_counts(org.id)
        mpop = q.manager_population(scope, enrolments)
        q.manager_people_counts(mpop)
        q.manager_attendance_counts(mpop, now)
        q.manager_meetings(mpop, now)

    return call


def pages_for(app: Any, who: dict[str, Any]) -> list[Page]:
    """The main pages for a set of users (ids), with the personal feed's token."""
    del app
    assignment = who.get("assignment", "loopbaanvraag")
    pages = [
        Page("participant home /", who["participant"], "/"),
        Page("/mijn-traject", who["participant"], "/mijn-traject"),
        Page("/opdrachten", who["participant"], "/opdrachten"),
        Page(f"/opdrachten/{assignment}", who["participant"], f"/opdrachten/{assignment}"),
        Page("/actieplan", who["participant"], "/actieplan"),
        Page("facilitator /cohorten", who["coach"], "/cohorten"),
        Page("cohort page", who["coach"], f"/cohorten/{who['cohort']}"),
        Page("progress matrix", who["coach"], f"/cohorten/{who['cohort']}/opdrachten"),
        Page("manager /team", who["manager"], "/team"),
        Page("manager home /", who["manager"], "/"),
    ]
    for label, key in (("largest", "hr"), ("median", "hr_median")):
        if who.get(key):
            pages.append(Page(f"HR /rapportage ({label})", who[key], "/rapportage/organisatie"))
            pages.append(Page(f"HR evaluation report ({label})", who[key], "/rapportage/evaluatie"))
    pages += [
        Page("admin /beheer/gebruikers", who["admin"], "/beheer/gebruikers"),
        Page("admin /privacy/gebruikers", who["admin"], "/privacy/gebruikers"),
    ]
    if who.get("feed"):
        pages.append(Page("personal feed", None, f"/cal/{who['feed']}.ics"))
    return pages


def add_not_modified(app: Any, pages: list[Page]) -> list[Page]:
    """Add the conditional feed request (If-None-Match with the feed's ETag: 304)."""
    feed = next((p for p in pages if p.name == "personal feed"), None)
    if feed is None:
        return pages
    with app.app_context():
        etag = app.test_client().get(feed.url).headers.get("ETag")
    if etag:
        pages.append(Page("personal feed 304", None, feed.url, {"If-None-Match": etag}, 304))
    return pages


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def report(title: str, columns: list[tuple[str, list[Page]]]) -> None:
    print(f"\n## {title}\n")
    head = "| page |" + "".join(f" {c} ms | q | kB | ×floor |" for c, _ in columns)
    print(head)
    print("|---|" + "---:|---:|---:|---:|" * len(columns))
    names: list[str] = []
    for _c, pages in columns:
        names += [p.name for p in pages if p.name not in names]
    for name in names:
        line = f"| {name} |"
        for _c, pages in columns:
            page = next((p for p in pages if p.name == name), None)
            if page is not None and page.too_slow:
                line += f" > {page.too_slow * 1000:,.0f} (stopped) | ≥ {page.queries} | – | – |"
                continue
            if page is None or not page.times:
                line += " – | – | – | – |"
                continue
            size = f"{page.size / 1024:.0f}" if page.call is None else "–"
            ratio = f"{ms(page.times) / ms(page.floor):.1f}" if page.floor else "–"
            line += f" {ms(page.times):.1f} | {page.queries} | {size} | {ratio} |"
        print(line)
    for c, pages in columns:
        for page in pages:
            if page.name.startswith("HR /") and page.times:
                print(
                    f"- {c}, {page.name}: total {ms(page.times):.1f} ms, of which SQL "
                    f"{ms(page.sql):.1f} ms, the rest (protection, tables, template) "
                    f"{ms(page.times) - ms(page.sql):.1f} ms"
                )


def demo_users(app: Any) -> dict[str, Any]:
    from sqlalchemy import select

    from learnpath.accounts.models import User
    from learnpath.cohorts.models import Cohort, Enrolment
    from learnpath.extensions import db
    from learnpath.ical.services import derive_token, issue_token

    with app.app_context():
        by_email = {u.email: u for u in db.session.scalars(select(User))}
        participant = by_email["deelnemer01@rivierstad.example"]
        cohort_id = db.session.scalar(
            select(Enrolment.cohort_id).where(Enrolment.user_id == participant.id)
        )
        token = issue_token(participant)
        feed = derive_token(token.seed)
        db.session.commit()
        assert db.session.get(Cohort, cohort_id) is not None
        return {
            "hr_org": OrgPlan(
                0, 0, id=participant.organisation_id, hr=by_email["hr@rivierstad.example"].id
            ),
            "participant": participant.id,
            "cohort": cohort_id,
            "coach": by_email["coach@rivierstad.example"].id,
            "manager": by_email["manager@rivierstad.example"].id,
            "hr": by_email["hr@rivierstad.example"].id,
            "admin": by_email["beheer@rivierstad.example"].id,
            "feed": feed,
        }


def national_users(app: Any, largest: OrgPlan, median: OrgPlan) -> dict[str, Any]:
    from sqlalchemy import select

    from learnpath.extensions import db
    from learnpath.ical.models import CalendarToken
    from learnpath.ical.services import derive_token, hash_token

    sample = largest.sample
    uid = sample["participant"]
    seed = f"seed-{uid}-p"
    with app.app_context():
        found = db.session.scalar(
            select(CalendarToken.id).where(
                CalendarToken.user_id == uid, CalendarToken.scope == "personal"
            )
        )
        if found is None:
            db.session.add(
                CalendarToken(
                    user_id=uid,
                    scope="personal",
                    seed=seed,
                    token_hash=hash_token(derive_token(seed)),
                )
            )
            db.session.commit()
        feed = derive_token(seed)
    return {
        "participant": uid,
        "cohort": sample["cohort"],
        "coach": sample["coach"],
        "manager": sample["manager"],
        "hr": largest.hr,
        "hr_median": median.hr,
        "admin": largest.admin,
        "feed": feed,
    }


def changed(app: Any, organisation_id: int) -> Callable[[], None]:
    """A real change of the organisation's data before each run: one more of its participants
    drops out of their programme (a programme cohort of the organisation that started this
    year: the dashboard's year),
    so the dashboard's counts are new and neither a kept report nor the suppression's memory
    of its inputs can answer. The commit raises the organisation's report counter
    (learnpath.reports.freshness; at once: ``make_app``). A smaller organisation can run out
    of such participants: then the counter is raised and the suppression's memory emptied
    without a change, which costs the same as one."""

    def call() -> None:
        from sqlalchemy import func, select

        from learnpath.accounts.models import User
        from learnpath.cohorts.models import (
            Cohort,
            CohortKind,
            CohortSession,
            DropoutReason,
            Enrolment,
            EnrolmentStatus,
            SessionStatus,
        )
        from learnpath.db import utcnow
        from learnpath.extensions import db
        from learnpath.reports import anonymity, freshness

        now = utcnow()
        this_year = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        started = (
            select(CohortSession.cohort_id)
            .join(Cohort, Cohort.id == CohortSession.cohort_id)
            .where(
                CohortSession.status == SessionStatus.SCHEDULED,
                Cohort.kind == CohortKind.PROGRAMME,
                Cohort.organisation_id == organisation_id,
            )
            .group_by(CohortSession.cohort_id)
            .having(
                func.min(CohortSession.starts_at) >= this_year,
                func.min(CohortSession.starts_at) < now,
            )
        )
        with app.app_context():
            enrolment = db.session.scalar(
                select(Enrolment)
                .join(User, User.id == Enrolment.user_id)
                .where(
                    User.organisation_id == organisation_id,
                    Enrolment.status == EnrolmentStatus.ENROLLED,
                    Enrolment.cohort_id.in_(started),
                )
                .order_by(Enrolment.id.desc())
                .limit(1)
            )
            if enrolment is not None:
                enrolment.status = EnrolmentStatus.DROPPED_OUT
                enrolment.dropout_reason = DropoutReason.WORKLOAD
                enrolment.ended_at = now
                enrolment.active_user_id = None
                db.session.commit()
                return
            anonymity.clear_memo()
            with db.engine.begin() as connection:
                freshness.bump(connection, [organisation_id])

    return call


def refresh_job() -> Callable[[], None]:
    """The job ``report_snapshots`` once (learnpath.reports.snapshots): the kept reports whose
    data changed computed again, in the background of a real server."""

    def call() -> None:
        from learnpath.reports import snapshots

        snapshots.refresh_due()

    return call


def hr_extras(org: OrgPlan, label: str, app: Any = None) -> list[Page]:
    """The HR dashboard and the evaluation first viewed after a real change of the data (its
    data changed before each run: what HR waits for is the report of before, marked, while
    the job computes it again), the job computing both again, the report's SQL alone, and
    one table as CSV, for an organisation. The plain rows (measured first in the next run)
    show them once the job computed them."""
    cold = []
    if app is not None:
        cold += [
            Page(
                f"HR /rapportage, data changed ({label})",
                org.hr,
                "/rapportage/organisatie",
                prepare=changed(app, org.id),
            ),
            Page(f"HR evaluation report, data changed ({label})", org.hr, "/rapportage/evaluatie"),
            Page(f"job: both computed again ({label})", None, "", call=refresh_job()),
        ]
    return cold + [
        Page(f"HR report SQL only ({label})", None, "", call=report_queries(org.id)),
        Page(f"HR one-table CSV ({label})", org.hr, "/rapportage/organisatie/status.csv"),
    ]


@contextmanager
def phase(name: str) -> Iterator[None]:
    start = time.perf_counter()
    print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
    yield
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {time.perf_counter() - start:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="PostgreSQL URL (dropped and recreated)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--page-limit",
        type=float,
        default=30.0,
        help="seconds: a page whose first request takes longer is reported, not repeated",
    )
    args = parser.parse_args()
    if not make_url(args.database).drivername.startswith("postgresql"):
        raise SystemExit("--database must be a PostgreSQL URL")

    from flask_migrate import upgrade

    from learnpath import demo
    from learnpath.extensions import db

    with phase("create and migrate"):
        recreate_database(args.database)
        app = make_app(args.database)
        with app.app_context():
            upgrade()
            demo.seed()
            db.session.commit()
    demo_who = demo_users(app)
    demo_pages = add_not_modified(app, pages_for(app, demo_who))
    demo_pages += hr_extras(demo_who["hr_org"], "largest", app)
    with phase(f"measure demo ({args.runs} runs)"):
        measure(app, demo_pages, args.runs, args.page_limit)

    sizes = organisation_sizes(args.scale)
    plans = [OrgPlan(i + 1, size) for i, size in enumerate(sizes)]
    cut = 1 + max(1, round((len(plans) - 1) * FIRST_STEP))
    with phase(f"load step 1: {cut} organisations"):
        loader, first_seconds = load_national(app, args.database, sizes, 1, None, plans[:cut])
    hr_first = [Page("HR /rapportage (largest)", plans[0].hr, "/rapportage/organisatie")]
    hr_first += hr_extras(plans[0], "largest", app)
    with phase("measure HR dashboard after step 1"):
        measure(app, hr_first, args.runs, args.page_limit)
    with phase(f"load step 2: {len(plans) - cut} organisations"):
        loader2, second_seconds = load_national(app, args.database, sizes, 2, loader, plans[cut:])
    counts = dict(loader.counts)
    for table, n in loader2.counts.items():
        counts[table] = counts.get(table, 0) + n
    by_size = sorted(plans, key=lambda p: p.participants)
    median = by_size[len(by_size) // 2]
    national_pages = add_not_modified(app, pages_for(app, national_users(app, plans[0], median)))
    national_pages += hr_extras(plans[0], "largest", app) + hr_extras(median, "median", app)
    hr_full = [
        p for p in national_pages if p.name.startswith(("HR", "job")) and "largest" in p.name
    ]
    with phase(f"measure national ({args.runs} runs)"):
        measure(app, national_pages, args.runs, args.page_limit)

    print(f"\n# learnpath at national scale (scale {args.scale})\n")
    print(
        f"Loaded {len(plans)} organisations (largest {plans[0].participants} participants, median "
        f"{median.participants}), {sum(sizes)} participants, in {first_seconds + second_seconds:.0f} s "
        f"(step 1: {first_seconds:.0f} s, step 2: {second_seconds:.0f} s)."
    )
    print("Rows: " + ", ".join(f"{t} {n:,}" for t, n in sorted(counts.items())))
    report(
        "Pages: demo data and national data",
        [("demo", demo_pages), ("national", national_pages)],
    )
    share = f"{FIRST_STEP * args.scale:.0%}"
    report(
        "HR dashboard of the largest organisation: part of the country and the whole",
        [
            (f"{share} of the country", hr_first),
            (f"{args.scale:.0%}", hr_full),
        ],
    )
    if not args.keep:
        drop_database(args.database)


if __name__ == "__main__":
    main()
