"""The rotation is fair (property-based) and roles never collide."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.content.schema import IntervisionRole
from learnpath.manager_tracks.rotation import DEFAULT_ROLES, propose_roles, validate_roles

CASE_BRINGER = IntervisionRole.CASE_BRINGER
CHAIR = IntervisionRole.CHAIR
TIMEKEEPER = IntervisionRole.TIMEKEEPER
MINUTE_TAKER = IntervisionRole.MINUTE_TAKER

MEMBERS = list(range(1, 9))
ALL_ROLES = tuple(IntervisionRole)

meetings = st.lists(
    st.tuples(
        st.sets(st.sampled_from(MEMBERS), min_size=0, max_size=8),  # present
        st.sets(st.sampled_from(MEMBERS), max_size=3),  # waivers
        st.sampled_from([DEFAULT_ROLES, ALL_ROLES]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(meetings)
def test_no_second_case_before_everyone_present_had_a_turn(sequence):
    history: list[dict[str, int]] = []
    turns: dict[int, int] = {}
    for present, waivers, roles in sequence:
        proposal = propose_roles(sorted(present), waivers, history, roles)
        holders = list(proposal.values())
        # Roles never collide and only go to people who are there.
        assert len(holders) == len(set(holders))
        assert set(holders) <= present
        assert set(proposal) <= set(roles)
        # Every role is filled while people are left for it.
        eligible_for_case = present - waivers
        assert (CASE_BRINGER in proposal) == bool(eligible_for_case)
        assert len(proposal) == min(len(roles), len(present)) or not eligible_for_case
        bringer = proposal.get(CASE_BRINGER)
        if bringer is not None:
            assert bringer not in waivers
            if turns.get(bringer, 0) >= 1:
                # A second (or later) turn only when everyone present and not waiving has had one.
                assert all(turns.get(u, 0) >= 1 for u in eligible_for_case)
            # Even stronger: nobody eligible has had fewer turns than the chosen one.
            assert all(turns.get(u, 0) >= turns.get(bringer, 0) for u in eligible_for_case)
            turns[bringer] = turns.get(bringer, 0) + 1
        history.append(proposal)


def test_rotation_goes_round_the_group_in_turn():
    history: list[dict[str, int]] = []
    bringers = []
    for _ in range(8):
        proposal = propose_roles([1, 2, 3, 4], set(), history)
        bringers.append(proposal[CASE_BRINGER])
        history.append(proposal)
    assert bringers == [1, 2, 3, 4, 1, 2, 3, 4]


def test_a_waiver_passes_the_turn_to_the_next_person():
    proposal = propose_roles([1, 2, 3], {1}, [])
    assert proposal[CASE_BRINGER] == 2
    # Next time 1 is first again: waiving does not cost a turn.
    assert propose_roles([1, 2, 3], set(), [proposal])[CASE_BRINGER] == 1


def test_small_groups_fill_what_they_can():
    assert propose_roles([7], set(), []) == {CASE_BRINGER: 7}
    assert propose_roles([], set(), []) == {}
    assert propose_roles([7, 8], {7, 8}, []) == {CHAIR: 7, TIMEKEEPER: 8}


def test_validate_roles():
    assert validate_roles({CHAIR: 1, TIMEKEEPER: 2}, {1, 2}) is None
    assert validate_roles({CHAIR: 1, TIMEKEEPER: 1}, {1, 2}) == "collision"
    assert validate_roles({CHAIR: 9}, {1, 2}) == "not_member"
    assert validate_roles({CHAIR: 1, TIMEKEEPER: None}, {1}) is None
