"""The programme evaluation: the report a municipality writes once a year, for any period.

One page (and one workbook, one PDF, a CSV per table) per organisation and a chosen period
from–to (the cohorts that start in it), with the tables of the municipal evaluation in
DOMAIN ("registrations per domain, goals per category with a first and second goal, results,
early stops, still in a trajectory") and what learnpath adds (attendance, assignments,
competency growth, plans shared and conversations held, session evaluations, managers).

Every figure is protected with the others (``Builder.linked``): the tables that only this
report has (goals by position) are more matrices of the same ``protect_linked`` call, and
where they add up to a figure another table shows (goal 1 set over every category = the
people with a final action plan) the sum is an equation of the protection (``sum_of``).
Derived figures (the sum of shown results) are shown only when every part is shown.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from learnpath.accounts.models import Organisation
from learnpath.action_plans.outcomes import GoalCategory
from learnpath.assignments.selfassessment import INSTRUMENT_SLUG
from learnpath.content.schema import EVALUATION_SCALE, Content, EvaluationItem
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.live.queries import MIN_RESPONSES
from learnpath.reports import charts, queries, snapshots
from learnpath.reports.anonymity import (
    ALL,
    Key,
    Matrix,
    Protected,
    clamp_threshold,
    key_of,
)
from learnpath.reports.figures import (
    CHANGE_BINS,
    Builder,
    Cell,
    Inputs,
    Report,
    Row,
    Scorer,
    Table,
    _bin,
    format_decimal,
)

#: The question categories of the evaluation, as the municipal report groups them.
GOAL_GROUPS: dict[str, tuple[object, tuple[str | None, ...]]] = {
    "clarity": (_l("What do I want?"), (GoalCategory.CLARITY.value,)),
    "development": (_l("Development question (advice)"), (GoalCategory.DEVELOPMENT.value,)),
    "another_job": (
        _l("Another job, internally or externally"),
        (GoalCategory.INTERNAL_MOVE.value, GoalCategory.EXTERNAL_MOVE.value),
    ),
    "job_fit": (_l("Making my current job fit (again)"), (GoalCategory.JOB_FIT.value,)),
    "none": (_l("No category given"), (None,)),
}
#: Goal 1 and goal 2 of each plan (positions 0 and 1).
POSITIONS = (0, 1)
#: The longest period a report covers (a cohort's start in it).
MAX_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    """From and to (both included), local dates of the organisation."""

    start: date
    end: date

    def window(self, timezone: str) -> tuple[datetime, datetime]:
        """[start 00:00, the day after end 00:00) in the organisation's zone, in UTC."""
        zone = ZoneInfo(timezone)
        begin = datetime.combine(self.start, datetime.min.time(), tzinfo=zone)
        after = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        return begin.astimezone(UTC), after.astimezone(UTC)

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}-{self.end.isoformat()}"


def default_period(today: date) -> Period:
    """1 January of this year until today."""
    return Period(date(today.year, 1, 1), today)


def parse_period(
    raw_from: str | None, raw_to: str | None, today: date
) -> tuple[Period | None, dict[str, str]]:
    """Read the period from the page's fields (``YYYY-MM-DD``); errors by field name."""
    if not raw_from and not raw_to:
        return default_period(today), {}
    errors: dict[str, str] = {}
    values: dict[str, date] = {}
    for name, raw in (("van", raw_from), ("tot", raw_to)):
        try:
            values[name] = date.fromisoformat((raw or "").strip())
        except ValueError:
            errors[name] = _("Enter a date as dd-mm-yyyy.")
            continue
        if not 2000 <= values[name].year <= 2200:
            errors[name] = _("Enter a date as dd-mm-yyyy.")
    if errors:
        return None, errors
    start, end = values["van"], values["tot"]
    if end < start:
        return None, {"tot": _("The end of the period cannot be before its start.")}
    if (end - start).days > MAX_DAYS:
        return None, {"tot": _("Choose a period of at most five years.")}
    return Period(start, end), {}


def goal_matrices(
    counts: Mapping[tuple[int, str | None, bool], int],
    groups: Mapping[str, Sequence[str | None]],
    finalised: int,
    positions: Sequence[int] = POSITIONS,
) -> dict[str, Matrix]:
    """The goals-by-position tables for ``protect_linked``: per position and group one table
    of the whole organisation (achieved / not) whose total is the goals set, named
    ``goal<position>:<group>``; and, when the first goals add up to the people with a final
    plan (``finalised``, the results table's total), that sum as an equation."""
    whole = (key_of(None), key_of(ALL))
    result: dict[str, Matrix] = {}
    firsts: queries.Counts = {}
    for position in positions:
        for group, members in groups.items():
            cells: queries.Counts = {
                (None, "achieved"): sum(counts.get((position, m, True), 0) for m in members),
                (None, "not"): sum(counts.get((position, m, False), 0) for m in members),
            }
            figure = (f"goal{position}:{group}", ALL)
            # a table of the whole organisation: its one row is the grand total
            result[f"goal{position}:{group}"] = Matrix(
                cells, ["achieved", "not"], [None], shared=dict.fromkeys(whole, figure)
            )
            if position == positions[0]:
                firsts[(None, group)] = sum(cells.values())
    # everyone with a final plan has a first goal: then goal 1 over the categories adds up
    # to the results table's total, an equation a reader can use
    if finalised == sum(firsts.values()):
        # the equation (``anonymity.sum_of``) for a table of the whole organisation
        shared: dict[Key, Hashable] = dict.fromkeys(whole, ("finalised", ALL))
        for group in groups:
            for key in (key_of(None, group), key_of(ALL, group)):
                shared[key] = (f"goal{positions[0]}:{group}", ALL)
        result["sum:goal_firsts"] = Matrix(firsts, list(groups), [None], shared=shared)
    return result


class EvaluationBuilder(Builder):
    """The report's builder with the evaluation's own matrices protected together."""

    def _matrices(self) -> dict[str, Matrix]:
        result = super()._matrices()
        counts = queries.goal_position_counts(self.pop, len(POSITIONS))
        groups = {group: members for group, (_label, members) in GOAL_GROUPS.items()}
        finalised = sum(result["results"].counts.values())
        return result | goal_matrices(counts, groups, finalised)

    # -- tables -----------------------------------------------------------------------------

    def registrations_by_department(self) -> Table:
        protected = self.linked()["status"]
        names = self.inputs.department_names
        rows = tuple(
            Row(names[dept], (self.fmt.count(protected, dept),))
            for dept in names
            if dept is not None or protected.value(dept)
        )
        total = Row(_("Whole organisation"), (self.fmt.count(protected, ALL),))
        return self._with_chart(
            Table(
                "registrations",
                _("Registrations per department"),
                (_("Department"), _("Registrations")),
                rows,
                total,
            )
        )

    def trajectories(self) -> Table:
        """Where the registrations stand: still in a trajectory, completed, stopped early."""
        protected = self.linked()["status"]
        total = self.fmt.count(protected, ALL)
        rows = []
        for group, label in (
            ("taking_part", _("Still in a trajectory")),
            ("completed", _("Completed")),
            ("dropped_out", _("Stopped early")),
        ):
            cell = self.fmt.count(protected, ALL, group)
            share = self.fmt.share(protected.cell(ALL, group), protected.total(ALL), cell)
            rows.append(Row(label, (cell, share)))
        return self._with_chart(
            Table(
                "trajectories",
                _("People still in a trajectory"),
                (_("Registrations"), _("Number"), _("Share of all registrations")),
                tuple(rows),
                Row(_("All registrations"), (total, Cell("", ""))),
            )
        )

    def goals_by_position(self) -> Table:
        linked = self.linked()
        rows = []
        for group, (label, _members) in GOAL_GROUPS.items():
            cells: list[Cell] = []
            for position in POSITIONS:
                protected = linked[f"goal{position}:{group}"]
                cells += [
                    self.fmt.count(protected, ALL),
                    self.fmt.count(protected, ALL, "achieved"),
                ]
            rows.append(Row(str(label), tuple(cells)))
        headers = (
            _("Question category"),
            _("Goal 1"),
            _("Goal 1 achieved"),
            _("Goal 2"),
            _("Goal 2 achieved"),
        )
        plot = charts.Plot(
            [r.label for r in rows],
            [
                charts.Series(
                    headers[1], [r.cells[0].value for r in rows], [r.cells[0].text for r in rows]
                ),
                charts.Series(
                    headers[2], [r.cells[1].value for r in rows], [r.cells[1].text for r in rows]
                ),
            ],
            max([r.cells[0].value or 0 for r in rows] or [1.0]) or 1.0,
        )
        title = _("Goals per question category: first and second goal")
        return Table(
            "goals_by_position",
            title,
            headers,
            tuple(rows),
            note=_(
                "The first and second goal of each final action plan, by question category; "
                "achieved as the participant judged it at follow-up."
            ),
            chart=charts.bar_chart(
                "chart-goals_by_position", title, plot.labels, plot.series, plot.maximum
            ),
            plot=plot,
        )

    def session_evaluations(self) -> Table:
        """Per session of the programme: the evaluations of the sessions held in scope that
        have enough responses (``live.queries.evaluation_results``; a session below the
        threshold adds nothing), their responses and the mean of every scale answer."""
        held, tally = queries.held_evaluations(self.pop, utcnow(), MIN_RESPONSES)
        threshold = self.inputs.threshold
        per_type: dict[str, list[queries.HeldEvaluation]] = {}
        for session in held:
            per_type.setdefault(session.blueprint_slug, []).append(session)
        rows = []
        for slug, name in self._session_types():
            mine = per_type.get(slug, [])
            # shown as in ``live.queries.evaluation_results``: from MIN_RESPONSES responses
            # (and here the report's threshold), the scale items of the session in content
            shown = [r for r in mine if r.responses >= max(MIN_RESPONSES, threshold)]
            responses = sum(r.responses for r in shown)
            points = [
                (point, tally.get((r.session_id, item.slug, point), 0))
                for r in shown
                for item in self._evaluation_items(r)
                if item.kind == "scale"
                for point in EVALUATION_SCALE
            ]
            answers = sum(n for _p, n in points)
            mean = Cell("—", "")
            if answers:
                value = round(sum(p * n for p, n in points) / answers, 2)
                mean = Cell(format_decimal(value), f"{value:.2f}", value)
            rows.append(
                Row(
                    name,
                    (
                        Cell(str(len(shown)), str(len(shown)), float(len(shown))),
                        Cell(str(len(mine) - len(shown)), str(len(mine) - len(shown))),
                        Cell(str(responses), str(responses), float(responses)),
                        mean,
                    ),
                )
            )
        headers = (
            _("Session"),
            _("Sessions with results"),
            _("Sessions with too few responses"),
            _("Responses"),
            _("Mean score (1–5)"),
        )
        return self._with_chart(
            Table(
                "sessions",
                _("Session evaluations"),
                headers,
                tuple(rows),
                note=_(
                    "Evaluations are anonymous and about the session, so they include "
                    "partner organisations' participants in the same groups; a session "
                    "with fewer responses than the threshold is left out."
                ),
            ),
            column=3,
            maximum=5.0,
        )

    def _evaluation_items(self, session: queries.HeldEvaluation) -> tuple[EvaluationItem, ...]:
        """The evaluation items of a programme session in content (``live``'s rule for the
        programme cohorts of a report's population)."""
        programme = self.inputs.content.programmes.get(session.programme_slug or "")
        if programme is None:
            return ()
        try:
            return programme.session(session.blueprint_slug).evaluation
        except KeyError:
            return ()

    def competency_growth(self) -> Table:
        """Start, end and follow-up means per competency, of the people with all three
        (their number protected per competency like the change table's)."""
        inst = self.inputs.content.instruments[INSTRUMENT_SLUG]
        Scores = dict[str, float | None]
        people: dict[int | None, list[tuple[Scores, Scores, Scores]]] = {}
        score = Scorer(inst)
        for t in queries.assessment_triples(self.pop):
            dept = t.dept if self.inputs.by_department else None
            scored = (score(t.start), score(t.end), score(t.follow_up))
            people.setdefault(dept, []).append(scored)
        rows = []
        series: list[list[Cell]] = [[], [], []]
        for slug, name in self._competencies():
            counts: queries.Counts = {}
            values: list[tuple[float, float, float]] = []
            for dept, scored_people in people.items():
                mine: list[tuple[float, float, float]] = []
                for a, b, c in scored_people:
                    start, end, later = a.get(slug), b.get(slug), c.get(slug)
                    if start is not None and end is not None and later is not None:
                        mine.append((start, end, later))
                for bin_ in CHANGE_BINS:
                    counts[(dept, bin_)] = sum(1 for v in mine if _bin(v[2] - v[0]) == bin_)
                values += mine
            protected = self.protect(counts, CHANGE_BINS)
            n = self.fmt.count(protected, ALL)
            means = [self.fmt.mean([v[i] for v in values], n) for i in range(3)]
            for i, cell in enumerate(means):
                series[i].append(cell)
            rows.append(Row(name, (n, *means)))
        headers = (
            _("Competency"),
            _("People with all three measurements"),
            _("Mean at start"),
            _("Mean at end"),
            _("Mean at follow-up"),
        )
        title = _("Competency growth: start, end and follow-up (mean)")
        plot = charts.Plot(
            [r.label for r in rows],
            [
                charts.Series(headers[2 + i], [c.value for c in cells], [c.text for c in cells])
                for i, cells in enumerate(series)
            ],
            float(inst.scale_max),
        )
        return Table(
            "competency_growth",
            title,
            headers,
            tuple(rows),
            note=_(
                "Only people who completed the self-assessment at the start, at the end and "
                "at follow-up (3 to 6 months after the last session)."
            ),
            chart=charts.bar_chart(
                "chart-competency_growth", title, plot.labels, plot.series, plot.maximum
            ),
            plot=plot,
        )

    def results_with_moves(self) -> Table:
        """The results table, with the people who moved or whose job fits again added up
        (shown only when each part is shown: a sum of shown figures tells nothing new)."""
        table = self.results()
        parts = [row.cells[0] for row in table.rows[:3]]
        if all(p.value is not None for p in parts):
            value = int(sum(p.value or 0 for p in parts))
            cell = Cell(str(value), str(value), float(value))
        else:
            cell = Cell("—", "")
        extra = Row(_("Another job, or the current job fits again"), (cell,))
        return replace(table, rows=(*table.rows, extra))


#: One sentence per table: what it shows (the suppression rule follows it).
READING_AID: Mapping[str, object] = {
    "registrations": _l(
        "How many registrations each department had for cohorts starting in the period."
    ),
    "trajectories": _l(
        "Where the registrations stand now: still in a trajectory, completed or stopped early."
    ),
    "goals_by_position": _l(
        "How many participants set a first and a second goal per question category, and how "
        "many achieved it."
    ),
    "results": _l(
        "What the trajectory brought, as the participants recorded it when they looked back."
    ),
    "dropout": _l("How many stopped early, and why, as the facilitator recorded it."),
    "attendance": _l("Attendance at each session of the programme."),
    "assignments": _l("How many participants handed in each assignment."),
    "action_plans": _l(
        "How many participants finalised an action plan, shared it and held a career conversation."
    ),
    "competencies": _l(
        "The mean self-assessed career competencies at the start and the end of the programme."
    ),
    "competency_growth": _l(
        "Whether the growth lasts: the same people's means at the start, the end and at follow-up."
    ),
    "sessions": _l("How participants rated the sessions afterwards."),
    "manager_tracks": _l(
        "How many managers took part in workshop and intervision groups, and their attendance."
    ),
}


def _with_aid(table: Table, threshold: int) -> Table:
    rule = _(
        "Numbers under %(n)d are shown as “< %(n)d”; “hidden” marks a number left out so "
        "that a small group cannot be worked out from a total.",
        n=threshold,
    )
    aid = READING_AID.get(table.slug)
    parts = [str(aid)] if aid else []
    if table.note:
        parts.append(table.note)
    parts.append(rule)
    return replace(table, note=" ".join(parts))


@dataclass(frozen=True)
class Evaluation:
    report: Report
    period: Period
    organisation_name: str


def evaluation_report(
    organisation: Organisation, period: Period, content: Content, may_lag: bool = False
) -> Evaluation:
    """The evaluation of ``organisation`` for the cohorts starting in ``period``, computed
    again only when its data changed (learnpath.reports.services.reused; ``may_lag``: the
    page, which marks figures of before)."""
    from learnpath.reports.services import reused

    return reused(
        organisation,
        "evaluation",
        {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "content": content.version,
        },
        lambda: build_evaluation_report(organisation, period, content),
        may_lag=may_lag,
    )


def _evaluation_again(organisation: Organisation, params: Mapping[str, Any], now: datetime) -> Any:
    period = Period(date.fromisoformat(params["start"]), date.fromisoformat(params["end"]))
    return build_evaluation_report(organisation, period, get_content())


def _evaluation_current(params: Mapping[str, Any], now: datetime) -> bool:
    return params.get("content") == get_content().version


def build_evaluation_report(
    organisation: Organisation, period: Period, content: Content
) -> Evaluation:
    """Build the evaluation of ``organisation`` for the cohorts starting in ``period``."""
    from learnpath.reports.services import department_names

    start, end = period.window(organisation.timezone)
    inputs = Inputs(
        scope=queries.Scope(organisation.id, start, end),
        view=ALL,
        threshold=clamp_threshold(organisation.report_min_group),
        content=content,
        by_department=True,
        department_names=department_names(organisation),
        enrolments=queries.organisation_enrolments(organisation.id),
    )
    builder = EvaluationBuilder(inputs)
    report = Report(inputs.threshold)
    result = Evaluation(report, period, organisation.name)
    people: Protected = builder.people()
    if not people.total(ALL):
        report.too_small = True
        return result
    tables: Sequence[Table] = [
        builder.registrations_by_department(),
        builder.trajectories(),
        builder.goals_by_position(),
        builder.results_with_moves(),
        builder.dropout(),
        builder.attendance(),
        builder.assignments(),
        builder.plan_steps(),
        builder.competencies()[0],
        builder.competency_growth(),
        builder.session_evaluations(),
        builder.manager_tracks(),
    ]
    report.tables += [_with_aid(t, inputs.threshold) for t in tables]
    return result


snapshots.register(
    "evaluation", snapshots.Kind(build=_evaluation_again, current=_evaluation_current)
)
