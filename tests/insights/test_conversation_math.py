"""The opinion-group analysis recovers planted groups and planted consensus (issue 18's bar)."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score

from insights.conversation import KState, Votes, analyse, smooth_k, two_prop_test
from insights.statement_priority import priority

GROUP_SIZES = (800, 700, 500)
CONSENSUS = (0, 1, 2, 3, 4)


def planted(seed: int = 7, statements: int = 60, missing: float = 0.4) -> tuple[Votes, np.ndarray]:
    """Three groups with their own leanings on each statement; the first five are agreed by all."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(3), GROUP_SIZES)
    # Each group leans agree (0.8) or disagree (0.8) on each divisive statement, at random.
    lean = rng.choice([-1, 1], size=(3, statements))
    lean[:, list(CONSENSUS)] = 1
    p_agree = np.where(lean > 0, 0.8, 0.1)
    p_agree[:, list(CONSENSUS)] = 0.85
    p_pass = 0.1
    u = rng.random((len(truth), statements))
    prob = p_agree[truth]
    value = np.where(u < prob, 1, np.where(u < prob + p_pass, 0, -1))
    voted = rng.random(value.shape) >= missing
    rows, cols = np.nonzero(voted)
    return Votes(rows, cols, value[rows, cols], len(truth), statements), truth


def test_planted_groups_are_recovered_and_consensus_ranks_first():
    votes, truth = planted()
    result = analyse(votes)
    assert result is not None and result.k == 3
    assert adjusted_rand_score(truth[result.included], result.labels) >= 0.9
    top5 = {j for j, _ in result.consensus[:5]}
    assert top5 == set(CONSENSUS)
    # Each group is set apart by statements it leans to that the others do not.
    assert all(result.repness[g] for g in range(3))


def test_a_new_number_of_groups_needs_several_wins_in_a_row():
    state = smooth_k(3, KState())
    assert state.k == 3
    for _ in range(3):
        state = smooth_k(4, state)
        assert state.k == 3
    assert smooth_k(4, state).k == 4
    # An interruption starts the count again.
    state = smooth_k(4, smooth_k(4, KState(3)))
    assert smooth_k(4, smooth_k(3, state)).k == 3


def test_too_few_people_gives_no_groups():
    votes = Votes(np.array([0, 1]), np.array([0, 0]), np.array([1, -1]), 2, 3)
    assert analyse(votes) is None


def test_new_statements_come_first_and_passed_ones_last():
    assert priority(0, 0, 0, 1.0) > priority(20, 0, 40, 1.0)
    assert priority(5, 0, 10, 1.0) > priority(5, 5, 10, 1.0)
    assert priority(5, 0, 10, 2.0) > priority(5, 0, 10, 0.0)


def test_two_proportion_test_matches_polis():
    # repness.clj: (two-prop-test 10 5 20 20) with every count plus one.
    z = two_prop_test(np.array([10.0]), np.array([5.0]), np.array([20.0]), np.array([20.0]))[0]
    p1, p2, pi = 11 / 21, 6 / 21, 17 / 42
    assert abs(z - (p1 - p2) / np.sqrt(pi * (1 - pi) * (2 / 21))) < 1e-12


def test_two_camps_voting_alike_are_two_groups_and_one_camp_is_one():
    rows, cols = np.repeat(np.arange(20), 3), np.tile(np.arange(3), 20)
    camps = analyse(Votes(rows, cols, np.where(rows < 10, 1, -1), 20, 3))
    assert camps is not None and camps.k == 2
    assert len(set(camps.labels[:10])) == 1 and set(camps.labels[:10]).isdisjoint(camps.labels[10:])
    alike = analyse(Votes(rows, cols, np.ones(60, dtype=np.int8), 20, 3))
    assert alike is not None and alike.k == 1
