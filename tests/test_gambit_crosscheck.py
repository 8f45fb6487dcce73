"""Cross-check with pygambit, the field's standard game solver (optional dependency).

The tree and the subgame-perfect filter are in
``explorer.models.coalition.gambit_baseline``; the payoffs
come from the plain-Python reference, not from the kernel.
"""

import pytest

import explorer
from explorer.models.coalition.gambit_baseline import gambit_outcome
from tests.points import point, random_points
from tests.test_edge_cases import CASES

gbt = pytest.importorskip("pygambit", reason="pygambit not installed (pip install '.[gambit]')")


def gap_points():
    for name in (
        "unaffordable_partner_above_beta_lp",
        "unaffordable_partner_revisionist",
        "free_partner_zero_beta",
        "no_gain_costly_partner",
        "zero_beta_costly_partner",
    ):
        case = CASES[name]
        yield case["game"], case["params"]


@pytest.mark.parametrize("game", ["revisionist", "status_quo"])
def test_gambit_agrees_with_kernel(game):
    params = random_points(seed=11, n=20, game=game)
    points = [point(params, i) for i in range(20)]
    points += [p for g, p in gap_points() if g == game]
    disagreements_with_paper = 0
    for p in points:
        ds = explorer.solve(game=game, **p)
        assert gambit_outcome(p, game) == int(ds.outcome), p
        disagreements_with_paper += not bool(ds.paper_agrees)
    assert disagreements_with_paper >= 1  # the set includes points where Proposition 1 errs
