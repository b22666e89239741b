"""The network report: a regional network's figures for its coordinators (issue 23 item 3).

For the network cohorts (``Cohort.network_id``) that start in a period from–to, per active
member organisation: reach (registrations by status, and who took part), attendance at the
sessions, the action plan and follow-up (looked back on the goals, the self-assessment at
follow-up), the result of the trajectory at follow-up, and the kansenbank opportunities
taken (``opportunities.queries.taken_by_organisation``: counts of things, so a cell is also
hidden when fewer people than the threshold are behind it); each table with the network's total. The
competency growth (start, end, follow-up) is the evaluation's table for the whole network
(its numbers of people protected per organisation).

The member organisations are the "departments" of the anonymity rules (``anonymity.py``):
each organisation's row is a view of its own, the network total the view without a filter.
So every organisation cell is protected, a total equals the sum of the organisations where
nothing is hidden, and complementary suppression runs across organisations: one hidden
organisation cell cannot be recovered from the total minus the others (the same
``protect_linked`` call and ``sum_of`` equations as the HR report).

One threshold for the whole report: the largest ``report_min_group`` of the member
organisations. A per-organisation threshold cannot be audited together with the network
total (the markers "< t" must mean one thing in every line), and the largest protects every
organisation at least as well as its own setting.

People are counted under their own employer (``User.organisation_id``), and only those of
active members: an organisation that left the network is no longer reported in it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.sql import Subquery

from learnpath.accounts.models import Network, Organisation, User
from learnpath.accounts.networks import active_member_ids
from learnpath.assignments.models import AssessmentMoment, SelfAssessment
from learnpath.cohorts.models import (
    Attendance,
    Cohort,
    CohortSession,
)
from learnpath.content.schema import Content
from learnpath.extensions import db
from learnpath.opportunities.queries import TakenFact, taken_by_organisation
from learnpath.reports import queries
from learnpath.reports.anonymity import (
    ALL,
    Key,
    Matrix,
    Protected,
    View,
    clamp_threshold,
)
from learnpath.reports.evaluation import EvaluationBuilder, Period
from learnpath.reports.figures import (
    ATTENDANCE,
    NO_FOLLOW_UP,
    STATUS_GROUPS,
    STATUS_LABELS,
    Cell,
    Formatter,
    Inputs,
    Report,
    Row,
    Table,
)

#: Kansenbank opportunities taken at the person's own organisation or at another one.
PLACES = ("own", "elsewhere")


@dataclass(frozen=True)
class NetworkReport:
    report: Report
    period: Period
    network_name: str
    #: The active member organisations (id, name), by name: the rows of every table.
    organisations: list[tuple[int, str]]


def network_threshold(organisations: Sequence[Organisation]) -> int:
    """The report's threshold: the largest of the members' own (at least the minimum)."""
    return max((clamp_threshold(o.report_min_group) for o in organisations), default=5)


def network_population(
    network_id: int, member_ids: Sequence[int], scope: queries.Scope
) -> Subquery:
    """The registrations in the network's programme cohorts starting in the scope's window,
    of people of active member organisations; ``dept`` is the person's organisation."""
    cohorts = select(Cohort.id).where(Cohort.network_id == network_id)
    query = queries.registrations(scope, cohorts, User.organisation_id.expression).where(
        Cohort.network_id == network_id, User.organisation_id.in_(list(member_ids))
    )
    return queries.materialise(query, "network_population")


def attendance_facts(pop: Subquery) -> list[tuple[int, str, int]]:
    """(organisation, attendance status, person) of every attendance record of people who
    took part, one row per record (one query)."""
    rows = db.session.execute(
        select(pop.c.dept, Attendance.status, pop.c.user_id)
        .select_from(pop)
        .join(CohortSession, CohortSession.cohort_id == pop.c.cohort_id)
        .join(
            Attendance,
            and_(Attendance.session_id == CohortSession.id, Attendance.user_id == pop.c.user_id),
        )
        .where(pop.c.status.in_(queries.TOOK_PART))
    )
    return [(dept, str(getattr(s, "value", s)), user_id) for dept, s, user_id in rows]


def follow_up_assessment_counts(pop: Subquery) -> dict[int | None, int]:
    """Organisation -> people who took part and completed the follow-up self-assessment."""
    rows = db.session.execute(
        select(pop.c.dept, func.count(func.distinct(pop.c.user_id)))
        .select_from(pop)
        .join(
            SelfAssessment,
            and_(
                SelfAssessment.user_id == pop.c.user_id,
                SelfAssessment.cohort_id == pop.c.cohort_id,
                SelfAssessment.moment == AssessmentMoment.FOLLOW_UP,
            ),
        )
        .where(pop.c.status.in_(queries.TOOK_PART))
        .group_by(pop.c.dept)
    )
    return {dept: count for dept, count in rows}


class NetworkBuilder(EvaluationBuilder):
    """The report's builder over the network population, organisations as departments."""

    def __init__(
        self,
        inputs: Inputs,
        network_id: int,
        member_ids: Sequence[int],
        taken: Sequence[TakenFact],
    ) -> None:
        self.inputs = inputs
        self.view = ALL
        self.fmt = Formatter(inputs.threshold)
        self.pop = network_population(network_id, member_ids, inputs.scope)
        self.departments = list(member_ids)
        self._linked: dict[str, Protected] | None = None
        self._cohort_facts = []
        self._plan_rows = None
        self.taken = taken

    def _matrices(self) -> dict[str, Matrix]:
        depts: list[int | None] = list(self.departments)
        # no cohorts table here: the waitlist is a column like the others
        result = self._status_matrices(waitlist=False)

        records: queries.Counts = {}
        people: dict[Key, set[int]] = {}
        for dept, status, user_id in attendance_facts(self.pop):
            records[(dept, status)] = records.get((dept, status), 0) + 1
            for key in (("cell", dept, status), ("row", dept), ("col", status), ("grand",)):
                people.setdefault(key, set()).add(user_id)
        result["attendance"] = Matrix(
            records, ATTENDANCE, depts, people={k: len(v) for k, v in people.items()}
        )

        done = dict(queries.plan_step_counts(self.pop))
        for org, assessed in follow_up_assessment_counts(self.pop).items():
            done[(org, "assessed")] = assessed
        result |= self._plan_matrices(
            queries.took_part_counts(self.pop), ("finalised", "followed_up", "assessed"), done
        )

        # Opportunities are things, not people: one person may take several, so each figure
        # also needs enough people behind it (the people of every key of the table).
        opportunities: queries.Counts = {}
        takers: dict[Key, set[int]] = {}
        for fact in self.taken:
            org, place = fact.dept, PLACES[fact.elsewhere]
            if org is None:  # the person's organisation: never None here
                continue
            opportunities[(org, place)] = opportunities.get((org, place), 0) + 1
            for key in (("cell", org, place), ("row", org), ("col", place), ("grand",)):
                takers.setdefault(key, set()).add(fact.user_id)
        result["opportunities"] = Matrix(
            opportunities, PLACES, depts, people={k: len(v) for k, v in takers.items()}
        )
        return result

    # -- tables ---------------------------------------------------------------------------

    def _per_organisation(
        self,
        slug: str,
        title: str,
        headers: Sequence[str],
        cells: Callable[[View], list[Cell]],
        note: str | None = None,
    ) -> Table:
        names = self.inputs.department_names
        rows = tuple(Row(names[org], tuple(cells(org))) for org in self.departments)
        total = Row(_("Whole network"), tuple(cells(ALL)))
        return Table(slug, title, (_("Organisation"), *headers), rows, total, note=note)

    def reach(self) -> Table:
        status = self.linked()["status"]
        took = self.linked()["step:finalised"]

        def cells(view: View) -> list[Cell]:
            return [
                *(self.fmt.count(status, view, g) for g in STATUS_GROUPS),
                self.fmt.count(status, view),
                self.fmt.count(took, view),
            ]

        headers = [str(STATUS_LABELS[g]) for g in STATUS_GROUPS]
        table = self._per_organisation(
            "reach",
            _("Reach per organisation"),
            (*headers, _("All registrations"), _("Took part")),
            cells,
            note=_(
                "Registrations for the network's cohorts starting in the period, counted "
                "under the participant's own organisation. Took part: taking part now, "
                "completed or dropped out."
            ),
        )
        return self._with_chart(table, column=6)

    def attendance_table(self) -> Table:
        protected = self.linked()["attendance"]

        def cells(view: View) -> list[Cell]:
            counts = [self.fmt.count(protected, view, s) for s in ATTENDANCE]
            total = self.fmt.count(protected, view)
            share = self.fmt.share(
                protected.cell(view, "present"), protected.total(view), counts[0]
            )
            return [*counts, total, share]

        table = self._per_organisation(
            "attendance",
            _("Attendance at the sessions"),
            (_("Present"), _("Excused"), _("Absent"), _("Total"), _("Share present")),
            cells,
            note=_(
                "Attendance records as the facilitators confirmed them, one per person and "
                "session. A number is also hidden when fewer people than the threshold are "
                "behind it."
            ),
        )
        return self._with_chart(table, column=4, maximum=100.0)

    def follow_up(self) -> Table:
        linked = self.linked()

        def cells(view: View) -> list[Cell]:
            took = self.fmt.count(linked["step:finalised"], view)
            result = [took]
            for step in ("finalised", "followed_up", "assessed"):
                protected = linked[f"step:{step}"]
                yes = self.fmt.count(protected, view, "yes")
                share = self.fmt.share(protected.cell(view, "yes"), protected.total(view), yes)
                result += [yes, share]
            return result

        return self._per_organisation(
            "follow_up",
            _("Action plans and follow-up"),
            (
                _("Took part"),
                _("Action plan finalised"),
                _("Share of participants"),
                _("Looked back on the goals at follow-up"),
                _("Share of participants"),
                _("Self-assessment at follow-up"),
                _("Share of participants"),
            ),
            cells,
            note=_("Follow-up: 3 to 6 months after the last session."),
        )

    def results_table(self) -> Table:
        from learnpath.action_plans.outcomes import RESULTS

        protected = self.linked()["results"]
        labels: dict[str, object] = {**RESULTS, NO_FOLLOW_UP: _("Not looked back yet")}

        def cells(view: View) -> list[Cell]:
            return [
                *(self.fmt.count(protected, view, r) for r in labels),
                self.fmt.count(protected, view),
            ]

        return self._per_organisation(
            "results",
            _("Result of the trajectory at follow-up"),
            (*(str(label) for label in labels.values()), _("All people with a final action plan")),
            cells,
            note=_("As the participants themselves recorded it when they looked back."),
        )

    def opportunities_table(self) -> Table:
        protected = self.linked()["opportunities"]

        def cells(view: View) -> list[Cell]:
            return [
                *(self.fmt.count(protected, view, p) for p in PLACES),
                self.fmt.count(protected, view),
            ]

        return self._per_organisation(
            "opportunities",
            _("Kansenbank: opportunities taken"),
            (_("At their own organisation"), _("At another organisation"), _("Total")),
            cells,
            note=_(
                "Opportunities (job shadowing, an interview, a short assignment) accepted in "
                "the period, counted under the participant's organisation."
            ),
        )


def network_report(
    network: Network, period: Period, timezone: str, content: Content
) -> NetworkReport:
    """Build the report of ``network`` for its cohorts starting in ``period`` (local dates in
    ``timezone``, the reader's organisation's)."""
    ids = active_member_ids(network.id)
    members = (
        list(
            db.session.scalars(
                select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)
            )
        )
        if ids
        else []
    )
    start, end = period.window(timezone)
    threshold = network_threshold(members)
    inputs = Inputs(
        scope=queries.Scope(None, start, end),
        view=ALL,
        threshold=threshold,
        content=content,
        by_department=True,
        department_names={o.id: o.name for o in members},
    )
    member_ids = [o.id for o in members]
    taken = taken_by_organisation(member_ids, start, end)
    builder = NetworkBuilder(inputs, network.id, member_ids, taken)
    report = Report(threshold)
    result = NetworkReport(report, period, network.name, [(o.id, o.name) for o in members])
    status = builder.linked()["status"]
    if not status.value(ALL) and not builder.taken:
        report.too_small = True
        return result
    report.tables += [
        builder.reach(),
        builder.attendance_table(),
        builder.follow_up(),
        builder.results_table(),
        builder.competency_growth(),
        builder.opportunities_table(),
    ]
    return result
