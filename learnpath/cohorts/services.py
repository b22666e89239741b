"""Enrolment rules: capacity, a fair waitlist, one active programme per participant.

The rules are the same for every kind of cohort; what differs per kind (who may take part,
whether a place is exclusive, capacity bounds, extra admission rules) comes from the cohort's
track (learnpath/cohorts/tracks.py).

Concurrency: every function that changes who holds a seat first locks the cohort row
(``lock_cohort``: SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction already
starts with BEGIN IMMEDIATE, which serialises writers). Under that lock the seats are counted
and the decision is written before the lock is released at commit, so two sign-ups can never
both take the last seat and the waitlist order is the order in which the lock was obtained.
A unique column (``Enrolment.active_user_id``) guarantees one active programme place per
participant even across different cohorts (only for exclusive kinds: the programme).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.exc import IntegrityError

from learnpath.accounts import networks
from learnpath.accounts.managers import is_own_manager, own_manager
from learnpath.accounts.models import Network, Organisation, Role, User
from learnpath.cohorts import locking, notices, quotas
from learnpath.cohorts.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Cohort,
    CohortAction,
    CohortChange,
    CohortKind,
    CohortQuota,
    CohortStatus,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    SignupMode,
)
from learnpath.cohorts.tracks import for_kind, track_of
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db

log = logging.getLogger(__name__)


class CohortError(Refusal):
    """A rule refused the request; str(exc) is a message for the user."""


# --- cohorts -----------------------------------------------------------------------------


@dataclass
class CohortData:
    name: str
    capacity: int
    signup_opens_at: datetime
    signup_closes_at: datetime
    signup_mode: SignupMode = SignupMode.OPEN
    requires_manager_approval: bool = False
    claim_window_hours: int | None = None
    open_to: Sequence[Organisation] = field(default_factory=list)
    facilitators: Sequence[User] = field(default_factory=list)
    kind: CohortKind = CohortKind.PROGRAMME
    #: A network cohort (learnpath.accounts.networks): open to active members of the network
    #: only; its coordinators may facilitate without the facilitator role.
    network: Network | None = None
    #: Seats at most per organisation id (network cohorts); None: keep the cohort's quotas.
    quotas: Mapping[int, int] | None = None
    #: When unused quota seats free up (UTC, before sign-up closes); None: never.
    quota_release_at: datetime | None = None


OPEN_TO_REFUSED = _l("A cohort can be opened only to your own organisation and its partners.")
NETWORK_OPEN_TO_REFUSED = _l(
    "A network cohort can be opened only to organisations that are active members of the network."
)


def validate_cohort_data(
    data: CohortData, organisation: Organisation | None = None
) -> dict[str, str]:
    """Return field name -> message for every rule the data breaks.

    With ``organisation`` (the cohort's own), the cohort may be open only to it and to its
    active partners (learnpath.accounts.partnerships).
    """
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = str(_l("Give the cohort a name."))
    track = for_kind(data.kind)
    if not track.min_capacity <= data.capacity <= track.max_capacity:
        errors["capacity"] = str(
            _l(
                "Capacity must be between %(lo)s and %(hi)s.",
                lo=track.min_capacity,
                hi=track.max_capacity,
            )
        )
    if data.signup_closes_at <= data.signup_opens_at:
        errors["signup_closes_at"] = str(_l("Sign-up must close after it opens."))
    if data.claim_window_hours is not None and not 1 <= data.claim_window_hours <= 168:
        errors["claim_window_hours"] = str(_l("The claim window must be 1 to 168 hours."))
    if not data.open_to:
        errors["open_to"] = str(_l("Choose at least one organisation."))
    elif data.network is not None:
        members = networks.active_member_ids(data.network.id)
        if (organisation is not None and organisation.id not in members) or not all(
            o.id in members for o in data.open_to
        ):
            errors["open_to"] = str(NETWORK_OPEN_TO_REFUSED)
    elif organisation is not None and not _may_open_to(organisation, data.open_to):
        errors["open_to"] = str(OPEN_TO_REFUSED)
    coordinators = networks.coordinator_ids(data.network.id) if data.network is not None else set()
    if not data.facilitators:
        errors["facilitators"] = str(_l("Choose at least one facilitator."))
    elif any(
        Role.FACILITATOR not in f.roles and f.id not in coordinators for f in data.facilitators
    ):
        errors["facilitators"] = str(_l("Only users with the facilitator role can facilitate."))
    errors.update(_quota_errors(data))
    return errors


def _quota_errors(data: CohortData) -> dict[str, str]:
    """Quotas (``quota_<organisation id>``) and their release: network cohorts only; a quota
    at most the capacity, for an organisation the cohort is open to (their sum may exceed it)."""
    errors: dict[str, str] = {}
    if data.network is None:
        if data.quotas:
            errors["quotas"] = str(_l("Only a network cohort has quotas."))
        return errors
    open_ids = {o.id for o in data.open_to}
    for organisation_id, seats in (data.quotas or {}).items():
        if organisation_id not in open_ids:
            errors[f"quota_{organisation_id}"] = str(
                _l("A quota is only for an organisation the cohort is open to.")
            )
        elif not 0 <= seats <= data.capacity:
            errors[f"quota_{organisation_id}"] = str(
                _l("A quota must be between 0 and the number of places (%(n)s).", n=data.capacity)
            )
    if data.quota_release_at is not None and data.quota_release_at >= data.signup_closes_at:
        errors["quota_release_at"] = str(_l("The quotas must be released before sign-up closes."))
    return errors


def _may_open_to(organisation: Organisation, open_to: Sequence[Organisation]) -> bool:
    allowed = {organisation.id} | networks.fellow_member_ids(organisation.id)
    return all(o.id in allowed for o in open_to)


def create_cohort(
    organisation: Organisation,
    programme_slug: str,
    content_version: str,
    data: CohortData,
    created_by: User,
) -> Cohort:
    """Create a cohort of ``data.kind``; raises CohortError with the first problem if invalid.

    ``programme_slug`` names the content the cohort follows (programme or workshop series).
    """
    errors = validate_cohort_data(data, organisation)
    if errors:
        raise CohortError(next(iter(errors.values())), errors)
    cohort = Cohort(
        kind=data.kind,
        organisation=organisation,
        programme_slug=programme_slug,
        content_version=content_version,
        created_by_id=created_by.id,
    )
    _apply(cohort, data)
    db.session.add(cohort)
    db.session.flush()
    record_change(cohort, created_by, CohortAction.CREATED, capacity=cohort.capacity)
    return cohort


def _apply(cohort: Cohort, data: CohortData) -> None:
    cohort.name = data.name.strip()
    cohort.capacity = data.capacity
    cohort.signup_opens_at = data.signup_opens_at
    cohort.signup_closes_at = data.signup_closes_at
    cohort.signup_mode = data.signup_mode
    cohort.requires_manager_approval = data.requires_manager_approval
    cohort.claim_window_hours = data.claim_window_hours
    cohort.open_to = list(data.open_to)
    cohort.facilitators = list(data.facilitators)
    _apply_network(cohort, data)


def _apply_network(cohort: Cohort, data: CohortData) -> None:
    """The network and its quotas: rows changed in place (the key is the organisation), none
    kept for an organisation the cohort is no longer open to."""
    cohort.network_id = data.network.id if data.network is not None else None
    cohort.quota_release_at = data.quota_release_at if data.network is not None else None
    open_ids = {o.id for o in data.open_to}
    wanted = (
        {q.organisation_id: q.seats for q in cohort.quotas}
        if data.quotas is None
        else dict(data.quotas)
    )
    if data.network is None:
        wanted = {}
    wanted = {org: seats for org, seats in wanted.items() if org in open_ids}
    kept = []
    for quota in cohort.quotas:
        if quota.organisation_id in wanted:
            quota.seats = wanted.pop(quota.organisation_id)
            kept.append(quota)
    kept += [CohortQuota(organisation_id=org, seats=seats) for org, seats in wanted.items()]
    cohort.quotas = kept


def update_cohort(cohort: Cohort, data: CohortData, actor: User) -> None:
    """Change a cohort's settings; a raised capacity promotes people from the waitlist.

    A network cohort stays one (with its quotas and their release) when ``data`` names no
    network: the ordinary settings form."""
    if data.network is None and cohort.network is not None:
        data = replace(data, network=cohort.network, quota_release_at=cohort.quota_release_at)
    errors = validate_cohort_data(data, cohort.organisation)
    if errors:
        raise CohortError(next(iter(errors.values())), errors)
    cohort = lock_cohort(cohort.id)
    taken = seats_taken(cohort)
    if data.capacity < taken:
        raise CohortError(
            _l("%(n)s seats are taken; the capacity cannot be lower than that.", n=taken)
        )
    old_capacity = cohort.capacity
    _apply(cohort, data)
    if data.capacity != old_capacity:
        record_change(cohort, actor, CohortAction.CAPACITY, old=old_capacity, new=data.capacity)
    db.session.flush()
    fill_free_seats(cohort)


def record_change(
    cohort: Cohort,
    actor: User | None,
    action: CohortAction,
    session_id: int | None = None,
    **values: str | int | None,
) -> None:
    """Write one entry of the cohort's change history.

    ``values`` are stored as JSON (ids, numbers, ISO times in UTC — no names or sentences), so
    the history page can show them in the reader's language and time zone.
    """
    db.session.add(
        CohortChange(
            cohort_id=cohort.id,
            session_id=session_id,
            actor_id=actor.id if actor else None,
            action=action,
            detail=json.dumps(values, sort_keys=True),
        )
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@cache
def _lock_statement() -> Select[Cohort]:
    """Built once: every sign-up runs it."""
    return (
        select(Cohort)
        .where(Cohort.id == bindparam("lp_cohort_id"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_cohort(cohort_id: int) -> Cohort:
    """Load the cohort with a row lock held until commit (see the module docstring)."""
    cohort = db.session.scalar(_lock_statement(), {"lp_cohort_id": cohort_id})
    if cohort is None:
        raise CohortError(_l("This cohort does not exist."))
    return cohort


def seats_taken(cohort: Cohort) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(SEAT_STATUSES))
        )
        or 0
    )


def can_manage(user: User, cohort: Cohort, coordinated: Collection[int] | None = None) -> bool:
    """Facilitators manage the cohorts they facilitate; a network's coordinators manage its
    cohorts while they coordinate it. ``coordinated``: the user's
    ``networks.coordinated_network_ids`` when the caller read them once for many cohorts
    (otherwise a network cohort costs a query)."""
    if Role.FACILITATOR in user.roles and any(f.id == user.id for f in cohort.facilitators):
        return True
    if cohort.network_id is None:
        return False
    if coordinated is None:
        return networks.is_coordinator(user, cohort.network_id)
    return cohort.network_id in coordinated


def managed_by(user: User) -> ColumnElement[bool]:
    """``can_manage`` as a condition on ``Cohort``, to list the cohorts a user runs in one
    statement (one query here for the networks they coordinate, none per cohort)."""
    clauses: list[ColumnElement[bool]] = []
    if Role.FACILITATOR in user.roles:
        clauses.append(Cohort.facilitators.any(User.id == user.id))
    coordinated = networks.coordinated_network_ids(user)
    if coordinated:
        clauses.append(Cohort.network_id.in_(sorted(coordinated)))
    return or_(*clauses) if clauses else literal(False)


def facilitates(user: User, cohort: Cohort) -> bool:
    """One of the cohort's facilitators: they see its participants' work (plans, hand-ins,
    notes, attendance, evaluations, certificates, messages), as they always did. A network
    coordinator who does not facilitate the cohort runs it (``can_manage``: settings, schedule,
    roster) without seeing that work (issue 23)."""
    if not any(f.id == user.id for f in cohort.facilitators):
        return False
    return Role.FACILITATOR in user.roles or can_manage(user, cohort)


def is_open_to(cohort: Cohort, user: User) -> bool:
    return any(org.id == user.organisation_id for org in cohort.open_to)


def signup_is_open(cohort: Cohort, now: datetime) -> bool:
    return (
        cohort.status == CohortStatus.ACTIVE
        and cohort.signup_opens_at <= now < cohort.signup_closes_at
    )


# --- enrolment -----------------------------------------------------------------------------


def active_enrolment(user: User) -> Enrolment | None:
    """The participant's current programme enrolment (enrolled, waitlisted, ...), if any."""
    return db.session.scalar(select(Enrolment).where(Enrolment.active_user_id == user.id))


def _existing(cohort: Cohort, user: User) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
        .execution_options(populate_existing=True)
    )


@cache
def _earlier_statement(active: bool) -> Select[Enrolment]:
    """Built once per kind (every sign-up runs one)."""
    user_id: Any = bindparam("lp_user_id")
    wanted = and_(Enrolment.cohort_id == bindparam("lp_cohort_id"), Enrolment.user_id == user_id)
    if active:
        wanted = or_(wanted, Enrolment.active_user_id == user_id)
    return select(Enrolment).where(wanted).execution_options(populate_existing=True)


def _earlier_enrolments(
    cohort: Cohort, user: User, *, active: bool
) -> tuple[Enrolment | None, Enrolment | None]:
    """The person's earlier enrolment in this cohort and (if ``active``) their current active
    place anywhere (:func:`active_enrolment`), read in one statement."""
    rows = db.session.scalars(
        _earlier_statement(active), {"lp_cohort_id": cohort.id, "lp_user_id": user.id}
    ).all()
    existing = next((e for e in rows if e.cohort_id == cohort.id and e.user_id == user.id), None)
    current = next((e for e in rows if active and e.active_user_id == user.id), None)
    return existing, current


@dataclass(frozen=True)
class SignUp:
    """A decided sign-up: the enrolment and its status before (for the notices)."""

    enrolment_id: int
    old: EnrolmentStatus | None
    #: The enrolment as the decision loaded it (held, so it outlives the commit loaded when
    #: the unit of work keeps what it loaded: cohorts.views.sign_up).
    loaded: Enrolment | None = field(default=None, compare=False, repr=False)

    @property
    def enrolment(self) -> Enrolment:
        """The enrolment (as loaded by the decision, else read when first asked for)."""
        if self.loaded is not None and self.loaded in db.session:
            return self.loaded
        found = db.session.get(Enrolment, self.enrolment_id)
        assert found is not None
        return found


def sign_up(cohort: Cohort, user: User, now: datetime | None = None) -> Enrolment:
    """Ask for a place: a seat if one is free, else the end of the waitlist (with the notices
    in the same unit of work)."""
    decided = place(cohort, user, now)
    notify(decided)
    return decided.enrolment


def place(
    cohort: Cohort, user: User, now: datetime | None = None, *, commit: bool = False
) -> SignUp:
    """Decide a sign-up without sending its notices: :func:`notify` sends them.

    A view commits in between (cohorts.views.sign_up), so the cohort's row lock is held only
    for the decision: the lock and one INSERT ... SELECT that counts the seats and the waitlist
    and writes the enrolment with its final state. What does not depend on the seats (role,
    organisation, an earlier enrolment, another active place) is read before the lock; the
    unique columns still refuse a second place won by a request that raced this one.

    ``commit``: commit the decision (and what the unit of work did before it) with the lock,
    the INSERT and the COMMIT in one round trip where the database can
    (learnpath.cohorts.locking: PostgreSQL), so the lock is held only on the server; call it
    last in its unit of work. The INSERT then also checks what would be checked on the locked
    row (open, not by invitation, unchanged capacity, quotas and approval); when one of those
    changed since it was read it writes nothing, and the sign-up is decided the slow way.
    """
    now = now or utcnow()
    track = track_of(cohort)
    if track.member_role not in user.roles:
        raise CohortError(track.wrong_role_message)
    if not is_open_to(cohort, user):
        raise CohortError(_l("This cohort is not open to your organisation."))
    if not signup_is_open(cohort, now):
        raise CohortError(_l("Sign-up for this cohort is closed."))
    existing, active = _earlier_enrolments(cohort, user, active=track.exclusive)
    if existing is not None:
        return _place_again(cohort, user, now)
    if cohort.signup_mode == SignupMode.INVITATION:
        raise CohortError(_l("This cohort is by invitation only."))
    if active is not None:
        raise CohortError(_l("You are already taking part in another cohort (or on its waitlist)."))
    # Who approves: the manager on record if of the person's own organisation (a manager
    # elsewhere could never decide: the place would wait for ever). Read before the lock.
    approver = own_manager(user) if cohort.requires_manager_approval else None

    def depends_on() -> tuple[object, ...]:
        """What the decision's INSERT is built from: the cohort's capacity and quotas, and
        the place it gives (a seat, or one waiting for the manager's approval)."""
        seated = (
            EnrolmentStatus.PENDING_APPROVAL
            if cohort.requires_manager_approval and approver is not None
            else EnrolmentStatus.ENROLLED
        )
        return (cohort.capacity, cohort.network_id, cohort.quota_release_at, seated)

    def decision(built_from: tuple[object, ...]) -> Executable:
        seated = cast(EnrolmentStatus, built_from[3])
        return _decided_insert(cohort, user, seated, now, exclusive=track.exclusive)

    if commit and locking.available() and not track.has_admission_rule:
        seen = cohort.id
        enrolment = _inserted(
            lambda: locking.decide(
                seen,
                _decided_insert(
                    cohort,
                    user,
                    cast(EnrolmentStatus, depends_on()[3]),
                    now,
                    exclusive=track.exclusive,
                    guarded=True,
                ),
                {"lp_user_id": user.id, "lp_now": now},
            )
        )
        if enrolment is not None:
            return SignUp(enrolment.id, EnrolmentStatus.INVITED, loaded=enrolment)
        # The cohort changed since it was read (nothing was written): the slow way says why,
        # or decides with the cohort as it is now.
    # Built before the lock (building it costs more than running it); built again under the
    # lock only if the cohort changed what it depends on meanwhile.
    built_from = depends_on()
    statement = decision(built_from)
    cohort = lock_cohort(cohort.id)
    # What may have changed since it was read: the cohort cancelled, its sign-up closed or
    # made by invitation only.
    if not signup_is_open(cohort, now):
        raise CohortError(_l("Sign-up for this cohort is closed."))
    if cohort.signup_mode == SignupMode.INVITATION:
        raise CohortError(_l("This cohort is by invitation only."))
    _check_admission(cohort, user)
    if cohort.requires_manager_approval and approver is None:  # switched on meanwhile
        approver = own_manager(user)
    if depends_on() != built_from:
        statement = decision(depends_on())
    # RETURNING the whole row: the enrolment is loaded (no SELECT after the commit).
    enrolment = _inserted(
        lambda: db.session.scalars(statement, {"lp_user_id": user.id, "lp_now": now}).one()
    )
    assert enrolment is not None
    return SignUp(enrolment.id, EnrolmentStatus.INVITED, loaded=enrolment)


def _inserted(run: Callable[[], Enrolment | None]) -> Enrolment | None:
    """Run a decided INSERT; a unique column that refuses it says why."""
    try:
        return run()
    except IntegrityError as exc:  # a sign-up that raced this one won (the last statement)
        if "active_user_id" in str(exc.orig):
            raise CohortError(
                _l("You are already taking part in another cohort (or on its waitlist).")
            ) from exc
        raise CohortError(_l("You have already signed up for this cohort.")) from exc


#: The decided INSERTs built so far (building one costs more than running it), by what they
#: are built from; the person and the moment are parameters (``lp_user_id``, ``lp_now``).
_DECISIONS: dict[tuple[object, ...], Executable] = {}
_DECISIONS_KEPT = 256


def _decided_insert(
    cohort: Cohort,
    user: User,
    seated: EnrolmentStatus,
    now: datetime,
    *,
    exclusive: bool,
    guarded: bool = False,
) -> Executable:
    """The INSERT of the enrolment with its decided place in one statement (run it with the
    cohort locked, with the parameters ``lp_user_id`` and ``lp_now``; it returns the
    enrolment, loaded): ``seated`` when a seat is free and nobody waits who could take it,
    else the end of the waitlist. Its SELECT counts the seats and the waitlist (and, while the
    quotas hold, the seats, waitlist and quota of the person's organisation: cohorts.quotas)
    after the lock was taken, so it sees every committed sign-up before this one.

    Built once per cohort, organisation, capacity, quota period, place and track kind (what
    the statement holds of the cohort: its id and capacity) and kept for the next sign-up.

    ``guarded``: it inserts only while the cohort's row still says what the checks before
    the lock read (:func:`_unchanged`), for a lock it does not see (learnpath.cohorts.locking).
    """
    quotas_hold = quotas.hold(cohort, now)
    key: tuple[object, ...] = (
        cohort.id,
        user.organisation_id,
        cohort.capacity,
        quotas_hold,
        seated,
        exclusive,
    )
    if guarded:
        key += (cohort.network_id, cohort.quota_release_at, cohort.requires_manager_approval)
    statement = _DECISIONS.get(key)
    if statement is None:
        if len(_DECISIONS) >= _DECISIONS_KEPT:
            _DECISIONS.clear()
        statement = _DECISIONS[key] = _build_decided_insert(
            cohort,
            user.organisation_id,
            seated,
            quotas_hold=quotas_hold,
            exclusive=exclusive,
            guarded=guarded,
        )
    return statement


def _unchanged(cohort: Cohort) -> ColumnElement[bool]:
    """The cohort's row as :func:`place` checked it before the lock: open for sign-up now
    (``lp_now``), not by invitation, with the capacity, network, quota period and approval
    rule the decision was built from."""
    row = cast(Table, Cohort.__table__).c
    now: Any = bindparam("lp_now", type_=row.signup_opens_at.type)
    return (
        select(literal(1))
        .where(
            row.id == literal(cohort.id, type_=row.id.type),
            row.status == literal(CohortStatus.ACTIVE, type_=row.status.type),
            row.signup_mode != literal(SignupMode.INVITATION, type_=row.signup_mode.type),
            row.signup_opens_at <= now,
            row.signup_closes_at > now,
            row.capacity == literal(cohort.capacity, type_=row.capacity.type),
            row.network_id.is_not_distinct_from(literal(cohort.network_id, row.network_id.type)),
            row.quota_release_at.is_not_distinct_from(
                literal(cohort.quota_release_at, row.quota_release_at.type)
            ),
            row.requires_manager_approval
            == literal(cohort.requires_manager_approval, row.requires_manager_approval.type),
        )
        .exists()
    )


def _build_decided_insert(
    cohort: Cohort,
    organisation_id: int,
    seated: EnrolmentStatus,
    *,
    quotas_hold: bool,
    exclusive: bool,
    guarded: bool = False,
) -> Executable:
    table = cast(Table, Enrolment.__table__)
    c = table.c
    counts = quotas.counts(cohort, organisation_id, quotas_hold=quotas_hold).subquery()
    has_seat = quotas.has_seat_sql(cohort, counts.c, quotas_hold=quotas_hold)

    def value(of: object, column: ColumnElement[Any]) -> Any:
        return literal(of, type_=column.type)

    def none(column: ColumnElement[Any]) -> Any:  # a typed NULL (PostgreSQL needs the type)
        return sql_cast(null(), column.type)

    def user_id(column: ColumnElement[Any]) -> Any:
        return bindparam("lp_user_id", type_=column.type)

    def now(column: ColumnElement[Any]) -> Any:
        return bindparam("lp_now", type_=column.type)

    enrolled_at = (
        case((has_seat, now(c.enrolled_at)), else_=none(c.enrolled_at))
        if seated == EnrolmentStatus.ENROLLED
        else none(c.enrolled_at)
    )
    columns = {
        "cohort_id": value(cohort.id, c.cohort_id),
        "user_id": user_id(c.user_id),
        "status": case(
            (has_seat, value(seated, c.status)),
            else_=value(EnrolmentStatus.WAITLISTED, c.status),
        ),
        "active_user_id": user_id(c.active_user_id) if exclusive else none(c.active_user_id),
        "waitlist_rank": case((has_seat, none(c.waitlist_rank)), else_=counts.c.top + 1),
        "requested_at": now(c.requested_at),
        "enrolled_at": enrolled_at,
        "created_at": now(c.created_at),
        "updated_at": now(c.updated_at),
    }
    decided = select(*columns.values()).select_from(counts)
    if guarded:
        decided = decided.where(_unchanged(cohort))
    insert_returning = insert(table).from_select(list(columns), decided).returning(*table.c)
    # As an ORM statement, so the row comes back as the enrolment (loaded, in the session).
    return select(Enrolment).from_statement(insert_returning)


def notify(decided: SignUp, *, position: int | None = None) -> None:
    """The notices of a decided sign-up (mail, calendar invitations), after :func:`place`;
    ``position``: the waitlist position, when the caller has read it already."""
    notices.enrolment_changed(decided.enrolment, decided.old, position=position)


def _place_again(cohort: Cohort, user: User, now: datetime) -> SignUp:
    """Sign up with an earlier enrolment in this cohort (an invitation, or a withdrawal)."""
    cohort = lock_cohort(cohort.id)
    if not signup_is_open(cohort, now):
        raise CohortError(_l("Sign-up for this cohort is closed."))
    enrolment = _existing(cohort, user)
    assert enrolment is not None  # enrolments are never deleted
    if enrolment.status in ACTIVE_STATUSES:
        raise CohortError(_l("You have already signed up for this cohort."))
    invited = enrolment.status == EnrolmentStatus.INVITED
    if cohort.signup_mode == SignupMode.INVITATION and not invited:
        raise CohortError(_l("This cohort is by invitation only."))
    old = enrolment.status
    _place(cohort, enrolment, now, notify=False)
    return SignUp(enrolment.id, old)


def _claim_active_place(enrolment: Enrolment) -> None:
    """Take the participant's single active place, or refuse if another cohort holds it.

    Only cohorts of an exclusive kind (the programme) count; a manager can be in a workshop
    group and an intervision group at the same time.
    """
    if not track_of(enrolment.cohort).exclusive:
        return
    db.session.flush()  # the enrolment needs its id and user_id for the check below
    other = db.session.scalar(
        select(Enrolment).where(
            Enrolment.active_user_id == enrolment.user_id, Enrolment.id != enrolment.id
        )
    )
    if other is not None:
        raise CohortError(_l("You are already taking part in another cohort (or on its waitlist)."))
    enrolment.active_user_id = enrolment.user_id
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # a concurrent sign-up elsewhere won the race
        raise CohortError(
            _l("You are already taking part in another cohort (or on its waitlist).")
        ) from exc


def _place(cohort: Cohort, enrolment: Enrolment, now: datetime, *, notify: bool = True) -> None:
    """Give the enrolment a seat or a waitlist place (the cohort is locked by the caller)."""
    old = enrolment.status
    _check_admission(cohort, enrolment.user)
    enrolment.requested_at = now
    enrolment.ended_at = None
    enrolment.dropout_reason = None
    _claim_active_place(enrolment)
    if quotas.has_seat(cohort, enrolment.user.organisation_id, now):
        _seat(enrolment, now)
    else:
        enrolment.status = EnrolmentStatus.WAITLISTED
        enrolment.waitlist_rank = _next_rank(cohort)
    db.session.flush()
    if notify:
        notices.enrolment_changed(enrolment, old)


def _check_admission(cohort: Cohort, user: User) -> None:
    """Refuse with the track's message when a rule of the cohort's kind keeps ``user`` out."""
    message = track_of(cohort).admission_error(cohort, user)
    if message is not None:
        raise CohortError(message)


def _seat(enrolment: Enrolment, now: datetime, promoted: bool = False) -> None:
    cohort = enrolment.cohort
    enrolment.waitlist_rank = None
    if cohort.requires_manager_approval and own_manager(enrolment.user) is not None:
        enrolment.status = EnrolmentStatus.PENDING_APPROVAL
    elif promoted and cohort.claim_window_hours:
        enrolment.status = EnrolmentStatus.OFFERED
        enrolment.claim_deadline_at = now + timedelta(hours=cohort.claim_window_hours)
    else:
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.enrolled_at = now


def _waitlist(cohort: Cohort, limit: int | None = None) -> list[Enrolment]:
    query = (
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.waitlist_rank, Enrolment.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(query))


def waitlist(cohort: Cohort) -> list[Enrolment]:
    """The waitlist in order (first is promoted first)."""
    return _waitlist(cohort)


def _next_rank(cohort: Cohort) -> int:
    top = db.session.scalar(
        select(func.max(Enrolment.waitlist_rank)).where(Enrolment.cohort_id == cohort.id)
    )
    return (top or 0) + 1


def fill_free_seats(cohort: Cohort, now: datetime | None = None) -> list[Enrolment]:
    """Promote people from the waitlist while seats are free (cohort locked): from its head,
    or, in a cohort with quotas, the first whose organisation is under its quota (after the
    release moment: the organisation with the fewest seats first; cohorts.quotas)."""
    now = now or utcnow()
    promoted: list[Enrolment] = []
    if cohort.status != CohortStatus.ACTIVE:
        return promoted
    held = quotas.seats_by_organisation(cohort)
    free = cohort.capacity - sum(held.values())
    if free <= 0:
        return promoted
    quota_seats = quotas.quota_seats(cohort)
    chosen = quotas.choose(
        quotas.waitlist_with_organisations(cohort, limit=None if quota_seats else free),
        capacity=cohort.capacity,
        held=held,
        quotas=quota_seats,
        quotas_hold=quotas.hold(cohort, now),
    )
    for enrolment in chosen:
        old = enrolment.status
        _seat(enrolment, now, promoted=True)
        record_change(
            cohort,
            None,
            CohortAction.PROMOTED,
            enrolment=enrolment.id,
            status=enrolment.status.value,
            deadline=_iso(enrolment.claim_deadline_at),
        )
        db.session.flush()
        notices.enrolment_changed(enrolment, old)
        promoted.append(enrolment)
    return promoted


def fill_released(cohort_id: int, now: datetime | None = None) -> int:
    """Give the free seats of a cohort whose quotas were released to the people who wait
    (the ``quota_release`` job, one cohort per unit of work); return how many were promoted.
    Claims the cohort with its lock, so a second scheduler finds nothing left to do."""
    now = now or utcnow()
    cohort = lock_cohort(cohort_id)
    if quotas.hold(cohort, now):
        return 0
    return len(fill_free_seats(cohort, now))


def _end(
    enrolment: Enrolment, status: EnrolmentStatus, now: datetime, *, expired: bool = False
) -> None:
    old = enrolment.status
    enrolment.status = status
    enrolment.active_user_id = None
    enrolment.waitlist_rank = None
    enrolment.claim_deadline_at = None
    enrolment.ended_at = now
    db.session.flush()
    notices.enrolment_changed(enrolment, old, expired=expired)


#: Why someone left without a facilitator removing them (``reason`` of a WITHDRAWN change).
WITHDRAWN_ACCOUNT_DEACTIVATED = "account_deactivated"
WITHDRAWN_DECLINED = "declined_by_manager"


def withdraw(enrolment: Enrolment, now: datetime | None = None, reason: str | None = None) -> None:
    """The participant withdraws (from a seat, the waitlist or an invitation); ``reason``
    when it was not their own choice (their account was deactivated)."""
    now = now or utcnow()
    cohort = lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.status not in ACTIVE_STATUSES | {EnrolmentStatus.INVITED}:
        raise CohortError(_l("You are not signed up for this cohort."))
    was = enrolment.status.value
    _end(enrolment, EnrolmentStatus.WITHDRAWN, now)
    actor = None if reason else enrolment.user
    record_change(
        cohort, actor, CohortAction.WITHDRAWN, enrolment=enrolment.id, was=was, reason=reason
    )
    fill_free_seats(cohort, now)


def remove(
    enrolment: Enrolment, actor: User, reason: DropoutReason, now: datetime | None = None
) -> None:
    """A facilitator removes a participant (drop-out with a reason category)."""
    now = now or utcnow()
    cohort = lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.status not in ACTIVE_STATUSES | {EnrolmentStatus.INVITED}:
        raise CohortError(_l("This person is no longer in the cohort."))
    if enrolment.status == EnrolmentStatus.ENROLLED:
        _end(enrolment, EnrolmentStatus.DROPPED_OUT, now)
    else:
        _end(enrolment, EnrolmentStatus.WITHDRAWN, now)
    enrolment.dropout_reason = reason
    record_change(cohort, actor, CohortAction.REMOVED, enrolment=enrolment.id, reason=reason.value)
    fill_free_seats(cohort, now)


def confirm_offer(enrolment: Enrolment, now: datetime | None = None) -> None:
    """The promoted participant confirms the offered seat before the deadline."""
    now = now or utcnow()
    lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise CohortError(_l("There is no seat waiting for your confirmation."))
    if enrolment.claim_deadline_at is not None and enrolment.claim_deadline_at <= now:
        raise CohortError(_l("The time to confirm this seat has passed."))
    old = enrolment.status
    enrolment.status = EnrolmentStatus.ENROLLED
    enrolment.enrolled_at = now
    enrolment.claim_deadline_at = None
    db.session.flush()
    notices.enrolment_changed(enrolment, old)


def expire_offers(now: datetime | None = None) -> int:
    """Give seats whose claim deadline passed to the next person; return how many expired."""
    now = now or utcnow()
    cohort_ids = db.session.scalars(
        select(Enrolment.cohort_id)
        .where(Enrolment.status == EnrolmentStatus.OFFERED, Enrolment.claim_deadline_at <= now)
        .distinct()
    ).all()
    expired = 0
    for cohort_id in cohort_ids:
        cohort = lock_cohort(cohort_id)
        overdue = db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.cohort_id == cohort_id,
                Enrolment.status == EnrolmentStatus.OFFERED,
                Enrolment.claim_deadline_at <= now,
            )
            .execution_options(populate_existing=True)
        ).all()
        for enrolment in overdue:
            deadline = enrolment.claim_deadline_at
            enrolment.note = "claim window expired"
            _end(enrolment, EnrolmentStatus.WITHDRAWN, now, expired=True)
            record_change(
                cohort,
                None,
                CohortAction.OFFER_EXPIRED,
                enrolment=enrolment.id,
                deadline=_iso(deadline),
            )
            expired += 1
        fill_free_seats(cohort, now)
    return expired


def decide_approval(enrolment: Enrolment, manager: User, approve: bool) -> None:
    """The participant's manager approves or declines a pending sign-up."""
    now = utcnow()
    cohort = lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    if not is_own_manager(manager, enrolment.user):
        raise CohortError(_l("Only the participant's own manager can decide."))
    if enrolment.status != EnrolmentStatus.PENDING_APPROVAL:
        raise CohortError(_l("This request has already been decided."))
    if approve:
        old = enrolment.status
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.enrolled_at = now
        db.session.flush()
        notices.enrolment_changed(enrolment, old)
    else:
        _end(enrolment, EnrolmentStatus.WITHDRAWN, now)
        enrolment.note = "declined by manager"
        record_change(
            cohort,
            manager,
            CohortAction.WITHDRAWN,
            enrolment=enrolment.id,
            was=EnrolmentStatus.PENDING_APPROVAL.value,
            reason=WITHDRAWN_DECLINED,
        )
        fill_free_seats(cohort, now)


def invite(cohort: Cohort, user: User, actor: User) -> Enrolment:
    """A facilitator invites a participant; they accept by signing up."""
    track = track_of(cohort)
    if track.member_role not in user.roles:
        raise CohortError(_role_missing(track.member_role))
    if not is_open_to(cohort, user):
        raise CohortError(_l("This person belongs to an organisation the cohort is not open to."))
    enrolment = _existing(cohort, user)
    if enrolment is not None and enrolment.status in ACTIVE_STATUSES | {EnrolmentStatus.INVITED}:
        raise CohortError(_l("This person is already invited to or in this cohort."))
    if track.exclusive and active_enrolment(user) is not None:
        raise CohortError(_l("This person is already in another active cohort."))
    _check_admission(cohort, user)
    old = enrolment.status if enrolment else None
    if enrolment is None:
        enrolment = Enrolment(cohort=cohort, user=user, status=EnrolmentStatus.INVITED)
        db.session.add(enrolment)
    enrolment.status = EnrolmentStatus.INVITED
    enrolment.invited_by_id = actor.id
    db.session.flush()
    notices.enrolment_changed(enrolment, old)
    return enrolment


def _role_missing(role: Role) -> object:
    if role == Role.MANAGER:
        return _l("This person does not have the manager role.")
    return _l("This person does not have the participant role.")


def move(enrolment: Enrolment, target: Cohort, actor: User) -> Enrolment:
    """Move a participant to another cohort; the old enrolment stays as history."""
    now = utcnow()
    if target.id == enrolment.cohort_id:
        raise CohortError(_l("Choose another cohort."))
    # Lock both cohorts in id order so two opposite moves cannot deadlock.
    first, second = sorted((enrolment.cohort_id, target.id))
    locked = {first: lock_cohort(first), second: lock_cohort(second)}
    source, target = locked[enrolment.cohort_id], locked[target.id]
    db.session.refresh(enrolment)
    if enrolment.status not in ACTIVE_STATUSES:
        raise CohortError(_l("Only participants who are in the cohort can be moved."))
    if target.status != CohortStatus.ACTIVE:
        raise CohortError(_l("The target cohort has been cancelled."))
    if target.kind != source.kind:
        raise CohortError(_l("People can only be moved to a group of the same kind."))
    if not is_open_to(target, enrolment.user):
        raise CohortError(_l("This person belongs to an organisation the cohort is not open to."))
    if _existing(target, enrolment.user) is not None:
        raise CohortError(_l("This person has been in the target cohort before."))
    _end(enrolment, EnrolmentStatus.WITHDRAWN, now)
    enrolment.moved_to_cohort_id = target.id
    new = Enrolment(cohort=target, user=enrolment.user, status=EnrolmentStatus.INVITED)
    db.session.add(new)
    _place(target, new, now)
    record_change(
        source, actor, CohortAction.MOVED_OUT, enrolment=enrolment.id, other_cohort=target.id
    )
    record_change(target, actor, CohortAction.MOVED_IN, enrolment=new.id, other_cohort=source.id)
    fill_free_seats(source, now)
    return new


def move_in_waitlist(enrolment: Enrolment, step: int) -> None:
    """Move a waitlisted person one place up (step=-1) or down (step=+1)."""
    cohort = lock_cohort(enrolment.cohort_id)
    queue = _waitlist(cohort)
    index = next((i for i, e in enumerate(queue) if e.id == enrolment.id), None)
    if index is None:
        raise CohortError(_l("This person is not on the waitlist."))
    other = index + step
    if not 0 <= other < len(queue):
        return
    # Renumber the whole list so ranks are dense and the swap is exact.
    queue[index], queue[other] = queue[other], queue[index]
    for rank, entry in enumerate(queue, start=1):
        entry.waitlist_rank = rank
    db.session.flush()


def complete_cohort(cohort: Cohort, last_session_start: datetime | None, actor: User) -> int:
    """Mark everyone with a place as having completed the programme; return how many.

    Allowed once the last session has started. Completed participants are free to join a
    later cohort (their active place is released).
    """
    now = utcnow()
    cohort = lock_cohort(cohort.id)
    if last_session_start is None or last_session_start > now:
        raise CohortError(_l("A cohort can be completed once its last session has started."))
    seated = db.session.scalars(
        select(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ENROLLED
        )
    ).all()
    for enrolment in seated:
        enrolment.status = EnrolmentStatus.COMPLETED
        enrolment.active_user_id = None
        enrolment.ended_at = now
    # Whoever still waits will not get a place any more.
    for enrolment in _waitlist(cohort):
        _end(enrolment, EnrolmentStatus.WITHDRAWN, now)
        enrolment.note = "cohort completed"
    record_change(cohort, actor, CohortAction.COMPLETED, count=len(seated))
    db.session.flush()
    return len(seated)
