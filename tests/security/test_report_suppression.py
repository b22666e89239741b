"""Reports never leak what they suppress (issue 16 point 7).

The property tests generate small groups and prove, by an independent exhaustive search,
that no suppressed value can be worked out from everything that is shown in every view
(all departments and each department): the exact values, "0", "< t" (1 to t-1) and
"hidden" (t or more), with the department and column totals. Derived figures (shares, fill
rates) are shown only when every count behind them is.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnpath.reports.anonymity import ALL, Key, Protected, key_of, protect
from learnpath.reports.figures import Cell, Formatter
from learnpath.reports.queries import CohortFacts
from tests.security.suppression_search import cells_of, find_change, known_ranges


def _can_change(
    key: Key,
    known: Mapping[Key, tuple[int, int]],
    truth: Mapping[Key, int],
    depts: list,
    cols: list,
) -> bool:
    """Whether another matrix agrees with everything in ``known`` and differs in ``key``.

    Two integer matrices that agree with the same page differ by a sum of simple cycles of
    +1/-1 changes, so it suffices to look for a change of every cell by -1, 0 or +1.
    """
    cells = [("cell", d, c) for d in depts for c in cols]
    constraints = [(k, cells_of(k, depts, cols)) for k in known]
    steps = {}
    for cell in cells:
        low, high = known[cell]
        steps[cell] = [s for s in (0, 1, -1) if low <= truth[cell] + s <= high]
    target = cells_of(key, depts, cols)
    delta: dict[Key, int] = {}

    def possible(final: bool) -> bool:
        for k, members in constraints:
            low, high = known[k]
            least = truth[k] + sum(delta.get(m, min(steps[m])) for m in members)
            most = truth[k] + sum(delta.get(m, max(steps[m])) for m in members)
            if least > high or most < low:
                return False
        return not final or sum(delta[m] for m in target) != 0

    return find_change(cells, steps, delta, possible, target)


def assert_nothing_recoverable(p: Protected, depts: list, cols: list, threshold: int) -> None:
    known = known_ranges(p, threshold)
    for key in sorted(p.hidden, key=repr):
        if p.values[key] and not _can_change(key, known, p.values, depts, cols):
            raise AssertionError(f"{key} = {p.values[key]} can be worked out from {known}")


@st.composite
def matrices(draw: st.DrawFn) -> tuple[dict[tuple[object, Hashable], int], list, list, int]:
    threshold = draw(st.sampled_from([5, 7]))
    depts: list = list(range(draw(st.integers(1, 3))))
    if draw(st.booleans()):
        depts.append(None)  # people without a department
    cols = [f"c{i}" for i in range(draw(st.integers(1, 3)))]
    small = st.integers(0, threshold + 1)
    value = st.one_of(small, st.integers(0, 3 * threshold))
    counts = {(d, c): draw(value) for d in depts for c in cols}
    return counts, depts, cols, threshold


@settings(max_examples=200, deadline=None, derandomize=True)
@given(matrices())
def test_no_suppressed_value_can_be_worked_out(case):
    counts, depts, cols, threshold = case
    p = protect(counts, cols, depts, threshold)
    for (d, c), value in counts.items():
        if 0 < value < threshold:
            assert p.cell(d, c) is None
    assert_nothing_recoverable(p, depts, cols, threshold)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(matrices(), st.data())
def test_forced_values_and_their_complements_stay_hidden(case, data):
    """The overview of cohorts forces hidden what the report hides, and still holds."""
    counts, depts, cols, threshold = case
    forced = data.draw(st.sets(st.sampled_from(sorted(counts, key=repr)), max_size=3))
    p = protect(counts, cols, depts, threshold, forced=[key_of(d, c) for d, c in forced])
    for d, c in forced:
        assert counts[(d, c)] == 0 or p.cell(d, c) is None
    assert_nothing_recoverable(p, depts, cols, threshold)


def test_a_one_next_to_a_complement_of_exactly_the_threshold_is_not_given_away():
    # 1 ("< 5") + 5 ("hidden", so 5 or more) = 6: the rule of thumb alone showed 20 and 26
    p = protect({(1, "a"): 1, (1, "b"): 5, (1, "c"): 20}, ["a", "b", "c"], [1], 5)
    assert_nothing_recoverable(p, [1], ["a", "b", "c"], 5)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(matrices())
def test_shares_are_shown_only_with_both_counts(app, case):
    counts, depts, cols, threshold = case
    p = protect(counts, cols, depts, threshold)
    fmt = Formatter(threshold)
    with app.test_request_context():
        for view in (ALL, *depts):
            for c in cols:
                base = fmt.count(p, view, c)
                share = fmt.share(p.cell(view, c), p.total(view), base)
                if share.value is not None:
                    assert base.value is not None and p.total(view) is not None
                    assert round(share.value, 1) == round(100 * base.value / p.total(view), 1)
                elif base.value is None:
                    assert share.text == base.text  # the count's marker, no figure


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[dict, list, list, dict, int]:
    counts, depts, cols, threshold = draw(matrices())
    seats = {}
    for c in cols:
        registrations = sum(counts[(d, c)] for d in depts)
        here = draw(st.integers(0, registrations))
        elsewhere = draw(st.integers(0, threshold + 3))
        seats[c] = (here, elsewhere)
    return counts, depts, cols, seats, threshold


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cohorts())
def test_fill_rate_is_shown_only_when_nothing_behind_it_is_small(app, case):
    counts, depts, cols, seats, threshold = case
    regs = protect(counts, cols, depts, threshold)
    fmt = Formatter(threshold)
    with app.test_request_context():
        for c in cols:
            here, elsewhere = seats[c]
            facts = CohortFacts(1, "x", 12 + here + elsewhere, here + elsewhere, here)
            fill = fmt.fill(facts, fmt.count(regs, ALL, c))
            if fill.value is not None:
                # the seats taken can be read off: so the registrations they would give
                # away are shown, and neither group of seat holders is small
                assert regs.cell(ALL, c) is not None
                assert here == 0 or here >= threshold
                assert elsewhere == 0 or elsewhere >= threshold
    assert_nothing_recoverable(regs, depts, cols, threshold)


def test_the_fill_rate_of_a_small_cohort_is_hidden(app):
    """The reported case: "< 5" registrations next to "50,0 %" of 12 places."""
    fmt = Formatter(5)
    with app.test_request_context():
        fill = fmt.fill(CohortFacts(1, "Groep", 12, 6, 4), Cell("< 5", "< 5"))
        assert fill.value is None and "%" not in fill.text
        shown = Cell("6", "6", 6.0)
        assert fmt.fill(CohortFacts(1, "Groep", 12, 6, 6), shown).value == 50.0
        # 6 seats, 2 of them another organisation's people: 6 - own registrations tells
        assert fmt.fill(CohortFacts(1, "Groep", 12, 8, 6), shown).value is None


# -- the pages ------------------------------------------------------------------------------


def _three_cohorts(org, make_user, sizes=(2, 6, 7)):
    from learnpath.accounts.models import Role
    from tests.factories import enrol, make_cohort

    coach = make_user(Role.FACILITATOR)
    cohorts = []
    for name, size in zip(("Klein", "Midden", "Groot"), sizes, strict=True):
        cohort = make_cohort(org, coach, name=name)
        for _ in range(size):
            enrol(cohort, make_user(Role.PARTICIPANT))
        cohorts.append(cohort)
    return coach, cohorts


def _row(html: str, name: str) -> str:
    start = html.index(f">{name}<")
    return html[start : html.index("</tr>", start)]


def test_hr_cohort_overview_shows_no_small_count_and_no_complement(
    client, org, make_user, login_as
):
    """HR's /cohorten showed "2 / 12"; now "< 5", and the next smallest is hidden too (the
    report's status table gives the sum of the year's seats, 15 - 6 - 7 = 2)."""
    from learnpath.accounts.models import Role

    coach, _cohorts = _three_cohorts(org, make_user)
    login_as(make_user(Role.HR))
    html = client.get("/cohorten").text
    assert "&lt; 5 / 12" in _row(html, "Klein") and "2 / 12" not in html
    assert "6 / 12" not in _row(html, "Midden") and "verborgen / 12" in _row(html, "Midden")
    assert "7 / 12" in _row(html, "Groot")

    login_as(coach)  # the facilitator of the cohorts sees the roster anyway
    html = client.get("/cohorten").text
    assert "2 / 12" in _row(html, "Klein") and "6 / 12" in _row(html, "Midden")


def test_hr_report_fill_rate_follows_the_registrations(client, org, make_user, login_as):
    """A "< 5" of registrations next to a fill rate gave the count away."""
    from learnpath.accounts.models import Role

    _coach, _cohorts = _three_cohorts(org, make_user)
    login_as(make_user(Role.HR))
    html = client.get("/rapportage/organisatie").text
    section = html[html.index('id="cohorts-heading"') :]
    section = section[: section.index("</table>")]
    assert "16,7" not in section and "50,0" not in section  # 2/12 and 6/12
    assert "58,3" in _row(section, "Groot")  # 7/12: nothing behind it is small
    klein = _row(section, "Klein")
    assert "%" not in klein and "&lt; 5" in klein
