"""The report: tables of protected figures (and a chart per table) for HR and facilitators.

No names and no free text ever reach a table: rows are departments, cohorts (by their name),
session types, assignments, reasons and competencies; cells are protected counts, or shares
and means of groups whose count is visible.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from statistics import mean
from typing import cast

from babel import numbers
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Subquery

from learnpath.action_plans.outcomes import ACHIEVEMENTS, GOAL_CATEGORIES, RESULTS
from learnpath.assignments.selfassessment import INSTRUMENT_SLUG
from learnpath.cohorts.models import CohortKind, DropoutReason, EnrolmentStatus
from learnpath.content.schema import CAREER_PROGRAMME, Content, Instrument
from learnpath.db import utcnow
from learnpath.i18n import current_locale
from learnpath.opportunities.queries import taken_facts
from learnpath.reports import charts, queries
from learnpath.reports.anonymity import (
    ALL,
    Key,
    Matrix,
    Protected,
    View,
    derived_visible,
    figure_keys,
    key_of,
    protect,
    protect_linked,
    publishable,
    sum_of,
)

STATUS_GROUPS: dict[str, tuple[EnrolmentStatus, ...]] = {
    "taking_part": (EnrolmentStatus.ENROLLED,),
    "offered": (EnrolmentStatus.OFFERED, EnrolmentStatus.PENDING_APPROVAL),
    "waitlisted": (EnrolmentStatus.WAITLISTED,),
    "completed": (EnrolmentStatus.COMPLETED,),
    "dropped_out": (EnrolmentStatus.DROPPED_OUT,),
    "withdrawn": (EnrolmentStatus.WITHDRAWN,),
}
STATUS_LABELS = {
    "taking_part": _l("Taking part now"),
    "offered": _l("Offered a seat or awaiting approval"),
    "waitlisted": _l("On a waitlist"),
    "completed": _l("Completed"),
    "dropped_out": _l("Dropped out"),
    "withdrawn": _l("Withdrew before the start"),
}
ATTENDANCE = ("present", "excused", "absent")
PLAN_STEPS = {
    "finalised": _l("Action plan finalised"),
    "shared": _l("Shared with a manager (still shared)"),
    "discussed": _l("Career conversation held"),
    "followed_up": _l("Looked back on the goals at follow-up"),
}
#: Goals of plans finalised before categories existed.
NO_CATEGORY = "none"
#: Goal not yet looked back on.
OPEN = "open"
GOAL_COLUMNS = (*ACHIEVEMENTS, OPEN)
#: People with a final plan who did not look back yet.
NO_FOLLOW_UP = "none"
RESULT_COLUMNS = (*RESULTS, NO_FOLLOW_UP)
MANAGER_TRACKS = {
    CohortKind.WORKSHOP.value: _l("Workshop groups"),
    CohortKind.INTERVISION.value: _l("Intervision groups"),
}
CHANGE_BINS = ("decreased", "same", "increased")
#: A change in a competency score of more than this counts as a decrease or increase.
CHANGE_MARGIN = 0.25


@dataclass(frozen=True)
class Cell:
    #: As shown on the page (localised).
    text: str
    #: As written to CSV (a plain number, or the same marker as on the page).
    raw: str
    value: float | None = None


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    note: str | None = None
    chart: Markup | None = None
    #: The chart's data, for exports that draw it themselves (the PDF).
    plot: charts.Plot | None = None


@dataclass
class Report:
    threshold: int
    tables: list[Table] = field(default_factory=list)
    #: The whole selection has fewer people than the threshold: no figures at all.
    too_small: bool = False
    #: When the figures were computed (learnpath.reports.services.reused); None: just now.
    computed_at: datetime | None = None
    #: Data changed since ``computed_at``; the figures are being computed again.
    behind: bool = False

    def table(self, slug: str) -> Table | None:
        return next((t for t in self.tables if t.slug == slug), None)


@dataclass(frozen=True)
class Inputs:
    """What a report is built from: the population, who looks, and the content for labels."""

    scope: queries.Scope
    view: View
    threshold: int
    content: Content
    #: HR reports show departments (and protect the department filter); facilitators do not.
    by_department: bool
    department_names: Mapping[int | None, str] = field(default_factory=dict)
    #: The organisation's enrolments (``queries.organisation_enrolments``), read once for
    #: every population of the report; None: the populations query the enrolments.
    enrolments: Subquery | None = None


#: The patterns of shares and means, parsed once (babel parses a pattern given as text on
#: every call; a report formats hundreds of cells). Same output as flask_babel's helpers.
_PERCENT = numbers.parse_pattern("#,##0.0%")
_DECIMAL = numbers.parse_pattern("0.00")


def format_percent(number: float, pattern: numbers.NumberPattern = _PERCENT) -> str:
    return _formatted(numbers.format_percent, number, pattern)


def format_decimal(number: float, pattern: numbers.NumberPattern = _DECIMAL) -> str:
    return _formatted(numbers.format_decimal, number, pattern)


#: Numbers formatted before, by function, pattern, locale and value (a report shows the same
#: few shares, such as a fill rate of 12 seats, hundreds of times; babel takes 12 µs each).
_FORMATTED: dict[tuple[object, ...], str] = {}


def _formatted(how: Callable[..., str], number: float, pattern: numbers.NumberPattern) -> str:
    locale = get_locale()
    # the sign too: -0.0 == 0.0, but the text may differ
    key = (how, id(pattern), str(locale), number, math.copysign(1.0, number))
    text = _FORMATTED.get(key)
    if text is None:
        if len(_FORMATTED) >= 4096:
            _FORMATTED.clear()
        text = _FORMATTED[key] = how(number, format=pattern, locale=locale)
    return text


class Formatter:
    """Turns protected values into cells: "< 5" for small ones, "hidden" for complements."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold

    def hidden(self, value: int) -> Cell:
        marker = f"< {self.threshold}" if value < self.threshold else _("hidden")
        return Cell(marker, marker)

    def count(self, protected: Protected, view: View, column: Hashable | None = None) -> Cell:
        shown = protected.total(view) if column is None else protected.cell(view, column)
        if shown is None:
            return self.hidden(protected.value(view, column))
        return Cell(str(shown), str(shown), float(shown))

    def share(self, part: int | None, whole: int | None, base: Cell) -> Cell:
        """The share ``part / whole``, shown only when both counts are (``base`` is part's)."""
        if base.value is None:
            return Cell(base.text, base.raw)
        if not derived_visible(part, whole) or not whole:
            return Cell("—", "")
        ratio = cast(int, part) / whole
        return Cell(format_percent(ratio), f"{ratio * 100:.1f}", ratio * 100)

    def fill(self, facts: queries.CohortFacts, base: Cell) -> Cell:
        """A cohort's fill rate (seats taken by anyone / capacity), suppressed like its count.

        ``base`` is the cohort's registrations: when that is hidden, so is the fill rate (it
        would give the count away). The seats of the organisation's own people and of other
        organisations' people are groups of their own: the rate is hidden unless both are
        0 or at least the threshold, or the difference with the registrations would tell.
        """
        if base.value is None:
            return Cell(base.text, base.raw)
        elsewhere = facts.seated - facts.seated_here
        if not publishable(facts.seated_here, elsewhere, threshold=self.threshold):
            return Cell(_("hidden"), _("hidden"))
        seated = Cell(str(facts.seated), str(facts.seated), facts.seated)
        return self.share(facts.seated, facts.capacity, seated)

    def mean(self, values: Sequence[float], base: Cell) -> Cell:
        if base.value is None:
            return Cell(base.text, base.raw)
        if not values:
            return Cell("—", "")
        result = round(exact_mean(values), 2)
        return Cell(format_decimal(result), f"{result:.2f}", result)


def exact_mean(values: Sequence[float]) -> float:
    """``statistics.mean`` of floats (their exact mean, rounded once) without its Fractions: a
    float is an integer over a power of two, so the exact sum is one integer over the largest
    denominator, and dividing two integers rounds correctly. Anything else goes to ``mean``."""
    sums: dict[int, int] = {}
    for value in values:
        if type(value) is not float or not math.isfinite(value):
            return mean(values)
        numerator, denominator = value.as_integer_ratio()
        sums[denominator] = sums.get(denominator, 0) + numerator
    top = max(sums)
    return sum(n * (top // d) for d, n in sums.items()) / (top * len(values))


def people_behind(cells: Mapping[tuple[int | None, Hashable], Sequence[int]]) -> dict[Key, int]:
    """Distinct people behind each cell, row, column and the total of a table of counts of
    things, from the people of each thing per (dept, column) (``protect``'s ``people``)."""
    people: dict[Key, set[int]] = {}
    for (dept, column), users in cells.items():
        for key in (key_of(dept, column), key_of(dept), key_of(ALL, column), key_of(ALL)):
            people.setdefault(key, set()).update(users)
    return {key: len(users) for key, users in people.items()}


def _collapse(counts: queries.Counts) -> queries.Counts:
    result: queries.Counts = {}
    for (_dept, key), value in counts.items():
        result[(None, key)] = result.get((None, key), 0) + value
    return result


class Builder:
    """Builds the tables of one report from the aggregate queries."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.view = inputs.view
        self.fmt = Formatter(inputs.threshold)
        self.pop = queries.population(inputs.scope, inputs.enrolments)
        self.departments: list[int | None] = list(inputs.department_names)
        self._linked: dict[str, Protected] | None = None
        self._cohort_facts: list[queries.CohortFacts] = []
        self._plan_rows: queries.PlanRows | None = None

    def _plans(self) -> queries.PlanRows:
        """The plans of the population by step and result (one query, read once)."""
        if self._plan_rows is None:
            self._plan_rows = queries.plan_rows(self.pop)
        return self._plan_rows

    def counts(self, counts: queries.Counts) -> queries.Counts:
        return counts if self.inputs.by_department else _collapse(counts)

    def protect(
        self,
        counts: queries.Counts,
        columns: Sequence[Hashable],
        people: Mapping[Key, int] | None = None,
    ) -> Protected:
        departments = self.departments if self.inputs.by_department else [None]
        return protect(self.counts(counts), columns, departments, self.inputs.threshold, people)

    # -- the figures several tables share ----------------------------------------------------

    def linked(self) -> dict[str, Protected]:
        """The tables that show the same figures, protected together (``protect_linked``).

        A department's registrations (status and cohorts tables) and waitlist, the people who
        dropped out (status and drop-out tables), the people who took part (every assignment
        and action-plan row) and the people with a final action plan (action plans and
        results) are each one figure: hidden in one table, hidden in all. Two sums are
        equations between them (``sum_of``): took part = taking part now + completed +
        dropped out, and final plans = looked back + not looked back yet.
        """
        if self._linked is None:
            self._linked = protect_linked(self._matrices(), self.inputs.threshold)
        return self._linked

    def _figure(self, name: str, column: Hashable | None = None) -> dict[Key, Hashable]:
        """The keys of a shared figure (a total, or a column) in every view, by name."""
        depts = self.departments if self.inputs.by_department else [None]
        return figure_keys(name, depts, column)

    def _matrix(
        self, counts: queries.Counts, columns: Sequence[Hashable], shared: dict[Key, Hashable]
    ) -> Matrix:
        depts = self.departments if self.inputs.by_department else [None]
        return Matrix(self.counts(counts), columns, depts, shared=shared)

    def _status_matrices(self, *, waitlist: bool = True) -> dict[str, Matrix]:
        """The registrations by status, and the people who took part as their sum (the
        figure every assignment and plan row shares). ``waitlist``: the waitlist column is the
        figure the cohorts table shares."""
        depts = self.departments if self.inputs.by_department else [None]
        grouped: queries.Counts = {}
        for (dept, status), value in queries.status_counts(self.pop).items():
            group = next(g for g, members in STATUS_GROUPS.items() if status in members)
            grouped[(dept, group)] = grouped.get((dept, group), 0) + value
        shared = (
            self._figure("registrations")
            | self._figure("taking_part", "taking_part")
            | self._figure("completed", "completed")
            | self._figure("dropped_out", "dropped_out")
        )
        if waitlist:
            shared |= self._figure("waitlist", "waitlisted")
        result = {"status": self._matrix(grouped, list(STATUS_GROUPS), shared)}
        # the people who took part (every assignment and plan row) are three status columns
        took: dict[Hashable, Hashable] = {"taking_part": "taking_part", "completed": "completed"}
        took["dropped_out"] = "dropped_out"
        result["sum:took_part"] = sum_of(
            "took_part",
            took,
            {k: v for k, v in self.counts(grouped).items() if k[1] in took},
            depts,
        )
        return result

    def _plan_matrices(
        self, took_part: Mapping[int | None, int], steps: Sequence[str], done: queries.Counts
    ) -> dict[str, Matrix]:
        """A yes/not table per plan step (``done``: people per (dept, step)) out of the people
        who took part, the results at follow-up, and people with a final plan = those who
        looked back + those who did not yet."""
        depts = self.departments if self.inputs.by_department else [None]
        result: dict[str, Matrix] = {}
        for step in steps:
            counts: queries.Counts = {}
            for dept, n in took_part.items():
                yes = done.get((dept, step), 0)
                counts[(dept, "yes")] = yes
                counts[(dept, "not")] = max(0, n - yes)
            shared = self._figure("took_part")
            if step == "finalised":
                shared |= self._figure("finalised", "yes")
            if step == "followed_up":
                shared |= self._figure("looked_back", "yes")
            result[f"step:{step}"] = self._matrix(counts, ["yes", "not"], shared)

        outcomes: queries.Counts = {}
        for (dept, outcome), value in queries.results_of(self._plans()).items():
            key = (dept, outcome if outcome is not None else NO_FOLLOW_UP)
            outcomes[key] = outcomes.get(key, 0) + value
        result["results"] = self._matrix(
            outcomes,
            RESULT_COLUMNS,
            self._figure("finalised") | self._figure("not_looked_back", NO_FOLLOW_UP),
        )
        looked: queries.Counts = {}
        for (dept, outcome), value in self.counts(outcomes).items():
            part = "none" if outcome == NO_FOLLOW_UP else "looked_back"
            looked[(dept, part)] = looked.get((dept, part), 0) + value
        result["sum:looked_back"] = sum_of(
            "finalised",
            {"looked_back": "looked_back", "none": "not_looked_back"},
            looked,
            depts,
        )
        return result

    def _matrices(self) -> dict[str, Matrix]:
        result = self._status_matrices()
        self._cohort_facts = queries.cohort_facts(self.pop)
        registrations, waitlist = queries.cohort_counts(self.pop)
        ids = [f.id for f in self._cohort_facts]
        # per group only for the whole organisation (``cohorts_table``): one row, whose
        # total is the organisation's registrations (or waitlist)
        for name, per_group in (("registrations", registrations), ("waitlist", waitlist)):
            whole: dict[Key, Hashable] = {key_of(None): (name, ALL), key_of(ALL): (name, ALL)}
            result[name] = Matrix(_collapse(per_group), ids, [None], shared=whole)

        dropouts: queries.Counts = {}
        for (dept, reason), value in queries.dropout_counts(self.pop).items():
            key = (dept, reason or DropoutReason.OTHER.value)
            dropouts[key] = dropouts.get(key, 0) + value
        reasons = [r.value for r in DropoutReason]
        result["dropout"] = self._matrix(dropouts, reasons, self._figure("dropped_out"))

        took_part = queries.took_part_counts(self.pop)
        handed = queries.handed_in_counts(self.pop)
        for slug, _title in self._assignments():
            counts: queries.Counts = {}
            for dept, n in took_part.items():
                done = handed.get((dept, slug), 0)
                counts[(dept, "handed_in")] = done
                counts[(dept, "not")] = max(0, n - done)
            result[f"assignment:{slug}"] = self._matrix(
                counts, ["handed_in", "not"], self._figure("took_part")
            )
        steps = queries.plan_steps_of(self._plans())
        result |= self._plan_matrices(took_part, list(PLAN_STEPS), steps)
        return result

    # -- tables ---------------------------------------------------------------------------

    def people(self) -> Protected:
        return self.protect(queries.people_counts(self.pop), ["people"])

    def status(self) -> Table:
        protected = self.linked()["status"]
        rows = tuple(
            Row(str(STATUS_LABELS[g]), (self.fmt.count(protected, self.view, g),))
            for g in STATUS_GROUPS
        )
        total = Row(_("All registrations"), (self.fmt.count(protected, self.view),))
        return self._with_chart(
            Table(
                "status",
                _("Registrations by status"),
                (_("Status"), _("Registrations")),
                rows,
                total,
            ),
        )

    def departments_table(self, people: Protected, eligible: Mapping[int | None, int]) -> Table:
        rows = []
        for dept, name in self.inputs.department_names.items():
            cell = self.fmt.count(people, dept, "people")
            staff = eligible.get(dept, 0)
            rows.append(
                Row(
                    name,
                    (
                        cell,
                        Cell(str(staff), str(staff), staff),
                        self.fmt.share(people.cell(dept, "people"), staff, cell),
                    ),
                )
            )
        total_cell = self.fmt.count(people, ALL)
        staff_total = sum(eligible.values())
        total = Row(
            _("Whole organisation"),
            (
                total_cell,
                Cell(str(staff_total), str(staff_total), staff_total),
                self.fmt.share(people.total(ALL), staff_total, total_cell),
            ),
        )
        headers = (
            _("Department"),
            _("People registered"),
            _("Eligible employees"),
            _("Share of eligible employees"),
        )
        return self._with_chart(
            Table("departments", _("Registrations per department"), headers, tuple(rows), total)
        )

    def cohort_protection(self) -> tuple[list[queries.CohortFacts], Protected, Protected]:
        """The cohorts in scope with their protected registrations and waitlists."""
        linked = self.linked()
        return self._cohort_facts, linked["registrations"], linked["waitlist"]

    def cohorts_table(self) -> Table:
        """Registrations and waitlist per group, for the whole organisation only.

        With 12 seats a group, a department's share of one group is nearly always below
        the threshold: per department the table would be hidden cells, and protecting all
        of them against the department totals would cost more than it tells.
        """
        headers = [_("Cohort"), _("Capacity")]
        if self.view != ALL:
            return Table(
                "cohorts",
                _("Registrations per cohort"),
                (*headers, _("Registrations"), _("Waitlist")),
                (),
                note=_(
                    "Per group, registrations are shown for the whole organisation only: "
                    "per department they are too small to show."
                ),
            )
        facts, regs, waits = self.cohort_protection()
        rows = []
        for f in facts:
            registrations = self.fmt.count(regs, ALL, f.id)
            cells = (
                Cell(str(f.capacity), str(f.capacity), f.capacity),
                self.fmt.fill(f, registrations),
                registrations,
                self.fmt.count(waits, ALL, f.id),
            )
            rows.append(Row(f.name, cells))
        blank = [Cell("", "")] * 2
        total = Row(
            _("All cohorts"), (*blank, self.fmt.count(regs, ALL), self.fmt.count(waits, ALL))
        )
        headers += [_("Fill rate"), _("Registrations"), _("Waitlist")]
        return Table("cohorts", _("Registrations per cohort"), tuple(headers), tuple(rows), total)

    def attendance(self) -> Table:
        raw = queries.attendance_counts(self.pop)
        rows = []
        for slug, name in self._session_types():
            counts: queries.Counts = {}
            for (dept, key), value in raw.items():
                session_slug, status = cast(tuple[str, str], key)
                if session_slug == slug:
                    counts[(dept, status)] = value
            protected = self.protect(counts, ATTENDANCE)
            cells = [self.fmt.count(protected, self.view, status) for status in ATTENDANCE]
            total = self.fmt.count(protected, self.view)
            present = protected.cell(self.view, "present")
            share = self.fmt.share(present, protected.total(self.view), cells[0])
            rows.append(Row(name, (*cells, total, share)))
        headers = (
            _("Session"),
            _("Present"),
            _("Excused"),
            _("Absent"),
            _("Total"),
            _("Share present"),
        )
        return self._with_chart(
            Table("attendance", _("Attendance per session type"), headers, tuple(rows)),
            column=4,
            maximum=100.0,
        )

    def assignments(self) -> Table:
        rows = []
        for slug, title in self._assignments():
            protected = self.linked()[f"assignment:{slug}"]
            done_cell = self.fmt.count(protected, self.view, "handed_in")
            rows.append(
                Row(
                    title,
                    (
                        done_cell,
                        self.fmt.count(protected, self.view, "not"),
                        self.fmt.count(protected, self.view),
                        self.fmt.share(
                            protected.cell(self.view, "handed_in"),
                            protected.total(self.view),
                            done_cell,
                        ),
                    ),
                )
            )
        headers = (
            _("Assignment"),
            _("Handed in"),
            _("Not handed in"),
            _("Participants"),
            _("Share handed in"),
        )
        return self._with_chart(
            Table("assignments", _("Assignments completed"), headers, tuple(rows)),
            column=3,
            maximum=100.0,
        )

    def dropout(self) -> Table:
        # Rows in the enum's order, with the wording of the facilitator's form (no reason: Other).
        reasons = [r.value for r in DropoutReason]
        protected = self.linked()["dropout"]
        rows = tuple(
            Row(str(DropoutReason(r).label), (self.fmt.count(protected, self.view, r),))
            for r in reasons
        )
        total = Row(_("All drop-outs"), (self.fmt.count(protected, self.view),))
        return self._with_chart(
            Table("dropout", _("Drop-out by reason"), (_("Reason"), _("Drop-outs")), rows, total)
        )

    def competencies(self) -> list[Table]:
        depts, scored = self._scored_pairs()
        means_rows, change_rows = [], []
        start_values: list[float | None] = []
        end_values: list[float | None] = []
        start_texts: list[str] = []
        end_texts: list[str] = []
        for slug, name in self._competencies():
            counts: queries.Counts = {}
            per_dept = scored.get(slug, {})
            for dept in depts:
                tally = dict.fromkeys(CHANGE_BINS, 0)
                for _before, _after, moved in per_dept.get(dept, ()):
                    tally[moved] += 1
                for b in CHANGE_BINS:
                    counts[(dept, b)] = tally[b]
            protected = self.protect(counts, CHANGE_BINS)
            n = self.fmt.count(protected, self.view)
            if self.view == ALL:
                mine = [p for pairs in per_dept.values() for p in pairs]
            else:
                mine = per_dept.get(cast(int | None, self.view), [])
            start = self.fmt.mean([p[0] for p in mine], n)
            end = self.fmt.mean([p[1] for p in mine], n)
            change = self.fmt.mean([p[1] - p[0] for p in mine], n)
            means_rows.append(Row(name, (n, start, end, change)))
            change_rows.append(
                Row(name, (*(self.fmt.count(protected, self.view, b) for b in CHANGE_BINS), n))
            )
            start_values.append(start.value)
            end_values.append(end.value)
            start_texts.append(start.text)
            end_texts.append(end.text)
        inst = self.inputs.content.instruments.get("zelfscan-loopbaancompetenties")
        top = float(inst.scale_max) if inst else 5.0
        title = _("Competency self-assessment at start and end (mean)")
        plot = charts.Plot(
            [r.label for r in means_rows],
            [
                charts.Series(_("Start"), start_values, start_texts),
                charts.Series(_("End"), end_values, end_texts),
            ],
            top,
        )
        chart = charts.bar_chart("chart-competencies", title, plot.labels, plot.series, top)
        means = Table(
            "competencies",
            title,
            (
                _("Competency"),
                _("People with both measurements"),
                _("Mean at start"),
                _("Mean at end"),
                _("Mean change"),
            ),
            tuple(means_rows),
            chart=chart,
            plot=plot,
            note=_("Only people who completed both the start and the end measurement."),
        )
        change_table = Table(
            "competency_change",
            _("Change per competency (number of people)"),
            (_("Competency"), _("Decreased"), _("About the same"), _("Increased"), _("Total")),
            tuple(change_rows),
            note=_(
                "A change of more than a quarter point on the scale counts as a decrease "
                "or an increase."
            ),
        )
        return [means, self._with_chart(change_table, column=2, maximum=None)]

    def outcomes(self) -> list[Table]:
        """Action plans, goals per category and trajectory results (DOMAIN: behaviour, results)."""
        return [self.plan_steps(), self.goals(), self.results()]

    def plan_steps(self) -> Table:
        rows = []
        for step, label in PLAN_STEPS.items():
            rows.append(Row(str(label), self._yes_no(self.linked()[f"step:{step}"])))
        headers = (
            _("Step"),
            _("People"),
            _("Not (yet)"),
            _("Participants"),
            _("Share of participants"),
        )
        return self._with_chart(
            Table("action_plans", _("Action plans and career conversations"), headers, tuple(rows)),
            column=3,
            maximum=100.0,
        )

    def _yes_no(self, protected: Protected) -> tuple[Cell, ...]:
        yes = self.fmt.count(protected, self.view, "yes")
        return (
            yes,
            self.fmt.count(protected, self.view, "not"),
            self.fmt.count(protected, self.view),
            self.fmt.share(protected.cell(self.view, "yes"), protected.total(self.view), yes),
        )

    def goals(self) -> Table:
        facts = queries.goal_facts(self.pop)
        categories: dict[str, object] = {**GOAL_CATEGORIES, NO_CATEGORY: _l("No category given")}
        rows = []
        set_values: list[float | None] = []
        set_texts: list[str] = []
        achieved_values: list[float | None] = []
        achieved_texts: list[str] = []
        # category -> (dept, column) -> the person of each goal
        by_category: dict[str, dict[tuple[int | None, Hashable], list[int]]] = {}
        by_department = self.inputs.by_department
        for f in facts:
            goals = by_category.setdefault(f.category or NO_CATEGORY, {})
            cell = (f.dept if by_department else None, f.achievement or OPEN)
            goals.setdefault(cell, []).append(f.user_id)
        for slug, label in categories.items():
            mine = by_category.get(slug, {})
            counts: queries.Counts = {cell: len(users) for cell, users in mine.items()}
            protected = self.protect(counts, GOAL_COLUMNS, people_behind(mine))
            total = self.fmt.count(protected, self.view)
            cells = [self.fmt.count(protected, self.view, c) for c in GOAL_COLUMNS]
            share = self.fmt.share(
                protected.cell(self.view, "achieved"), protected.total(self.view), cells[0]
            )
            rows.append(Row(str(label), (total, *cells, share)))
            set_values.append(total.value)
            set_texts.append(total.text)
            achieved_values.append(cells[0].value)
            achieved_texts.append(cells[0].text)
        title = _("Goals set and achieved per category")
        plot = charts.Plot(
            [r.label for r in rows],
            [
                charts.Series(_("Goals set"), set_values, set_texts),
                charts.Series(_("Achieved"), achieved_values, achieved_texts),
            ],
            max([v for v in set_values if v] or [1.0]),
        )
        chart = charts.bar_chart("chart-goals", title, plot.labels, plot.series, plot.maximum)
        headers = (
            _("Category"),
            _("Goals set"),
            *(str(label) for label in ACHIEVEMENTS.values()),
            _("Not looked back on yet"),
            _("Share achieved"),
        )
        return Table(
            "goals",
            title,
            headers,
            tuple(rows),
            chart=chart,
            plot=plot,
            note=_(
                "Numbers of goals (one to three per action plan), as the participants judged "
                "them at follow-up. A number is also hidden when fewer people than the "
                "threshold are behind it."
            ),
        )

    def results(self) -> Table:
        labels: dict[str, object] = {**RESULTS, NO_FOLLOW_UP: _l("Not looked back yet")}
        protected = self.linked()["results"]
        rows = tuple(
            Row(str(label), (self.fmt.count(protected, self.view, r),))
            for r, label in labels.items()
        )
        total = Row(
            _("All people with a final action plan"), (self.fmt.count(protected, self.view),)
        )
        return self._with_chart(
            Table(
                "results",
                _("Result of the trajectory at follow-up"),
                (_("Result"), _("People")),
                rows,
                total,
                note=_("As the participants themselves recorded it when they looked back."),
            )
        )

    def opportunities(self) -> Table:
        """Kansenbank opportunities the organisation's people took in the period: at their
        own organisation or at another; counts of things, also hidden when fewer people than
        the threshold are behind them (learnpath.opportunities.queries.taken_facts)."""
        scope = self.inputs.scope
        facts = (
            taken_facts(scope.organisation_id, scope.starts_from, scope.starts_before)
            if scope.organisation_id is not None
            else []
        )
        columns = ("here", "elsewhere")
        taken: dict[tuple[int | None, Hashable], list[int]] = {}
        for f in facts:
            cell = (f.dept if self.inputs.by_department else None, columns[f.elsewhere])
            taken.setdefault(cell, []).append(f.user_id)
        counts: queries.Counts = {cell: len(users) for cell, users in taken.items()}
        protected = self.protect(counts, columns, people_behind(taken))
        cells = [self.fmt.count(protected, self.view, c) for c in columns]
        row = Row(_("Opportunities taken"), (self.fmt.count(protected, self.view), *cells))
        headers = ("", _("Taken"), _("In the own organisation"), _("At another organisation"))
        return Table(
            "opportunities",
            _("Kansenbank"),
            headers,
            (row,),
            note=_(
                "Opportunities (job shadowing, an interview, a short assignment) accepted in "
                "the period; counts only."
            ),
        )

    def manager_tracks(self) -> Table:
        scope = self.inputs.scope
        mpop = queries.manager_population(scope, self.inputs.enrolments)
        now = utcnow()
        kinds = list(MANAGER_TRACKS)
        people = self.protect(queries.manager_people_counts(mpop), kinds)
        attendance = queries.manager_attendance_counts(mpop, now)
        meetings = queries.manager_meetings(mpop, now)
        rows = []
        for kind in kinds:
            managers = self.fmt.count(people, self.view, kind)
            held = {
                session_id
                for dept, k, session_id in meetings
                if k == kind and (self.view == ALL or dept == self.view)
            }
            meetings_cell = (
                Cell(str(len(held)), str(len(held)), len(held))
                if managers.value is not None
                else Cell(managers.text, managers.raw)
            )
            counts: queries.Counts = {}
            for (dept, key), value in attendance.items():
                track, status = cast(tuple[str, str], key)
                if str(getattr(track, "value", track)) == kind:
                    counts[(dept, str(getattr(status, "value", status)))] = value
            protected = self.protect(counts, ATTENDANCE)
            cells = [self.fmt.count(protected, self.view, status) for status in ATTENDANCE]
            share = self.fmt.share(
                protected.cell(self.view, "present"), protected.total(self.view), cells[0]
            )
            rows.append(Row(str(MANAGER_TRACKS[kind]), (managers, meetings_cell, *cells, share)))
        headers = (
            _("Manager track"),
            _("Managers taking part"),
            _("Meetings held"),
            _("Present"),
            _("Excused"),
            _("Absent"),
            _("Share present"),
        )
        return self._with_chart(
            Table(
                "manager_tracks",
                _("Managers in workshop and intervision groups"),
                headers,
                tuple(rows),
                note=_(
                    "Counts only: nothing of what is discussed in intervision is reported. "
                    "Meetings held are counted for the groups these managers are in."
                ),
            )
        )

    # -- helpers --------------------------------------------------------------------------

    def _scored_pairs(
        self,
    ) -> tuple[list[int | None], dict[str, dict[int | None, list[tuple[float, float, str]]]]]:
        """The departments with people who completed both measurements (in order of the
        rows), and per competency and department each such person's (start, end, change bin)
        where both scores exist."""
        inst = self.inputs.content.instruments[INSTRUMENT_SLUG]
        depts: dict[int | None, None] = {}
        result: dict[str, dict[int | None, list[tuple[float, float, str]]]] = {}
        score = Scorer(inst)
        for pair in queries.assessment_pairs(self.pop):
            dept = pair.dept if self.inputs.by_department else None
            depts[dept] = None
            after = score(pair.end)
            for slug, value in score(pair.start).items():
                later = after.get(slug)
                if value is not None and later is not None:
                    scores = result.setdefault(slug, {}).setdefault(dept, [])
                    scores.append((value, later, _bin(later - value)))
        return list(depts), result

    def _session_types(self) -> list[tuple[str, str]]:
        programme = self.inputs.content.programme(CAREER_PROGRAMME)
        return [(s.slug, s.name.get(current_locale())) for s in programme.sessions]

    def _assignments(self) -> list[tuple[str, str]]:
        return [
            (a.slug, a.title.get(current_locale()))
            for a in self.inputs.content.assignments_for(CAREER_PROGRAMME)
        ]

    def _competencies(self) -> list[tuple[str, str]]:
        ordered = sorted(self.inputs.content.competencies.values(), key=lambda c: c.order)
        return [(c.slug, c.name.get(current_locale())) for c in ordered]

    def _with_chart(self, table: Table, column: int = 0, maximum: float | None = None) -> Table:
        values = [row.cells[column].value for row in table.rows]
        top = maximum if maximum is not None else max([v for v in values if v] or [1.0])
        series = charts.Series(
            table.headers[column + 1], values, [row.cells[column].text for row in table.rows]
        )
        plot = charts.Plot([row.label for row in table.rows], [series], top)
        chart = charts.bar_chart(f"chart-{table.slug}", table.title, plot.labels, [series], top)
        return replace(table, chart=chart, plot=plot)


class Scorer:
    """``selfassessment.scores`` for many answers of one instrument: the items, their
    competency and reverse scoring are read from content once (a report scores thousands
    of self-assessments). The same values, rounded the same way."""

    def __init__(self, inst: Instrument) -> None:
        flip = inst.scale_min + inst.scale_max
        self.scales = [
            (scale.competency, [(item.slug, item.reverse_scored) for item in scale.items])
            for scale in inst.scales
        ]
        self.flip = flip

    def __call__(self, answers: Mapping[str, int]) -> dict[str, float | None]:
        result: dict[str, float | None] = {}
        get, flip = answers.get, self.flip
        for competency, items in self.scales:
            total = count = 0
            for slug, reverse in items:
                answer = get(slug)
                if isinstance(answer, int):
                    total += flip - answer if reverse else answer
                    count += 1
            result[competency] = round(total / count, 2) if count else None
        return result


def _bin(change: float) -> str:
    if change < -CHANGE_MARGIN:
        return "decreased"
    if change > CHANGE_MARGIN:
        return "increased"
    return "same"
