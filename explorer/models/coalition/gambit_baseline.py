"""Solving the game with pygambit, the field's standard game solver (optional dependency).

The tree gives l the offers {s_star, 0, 1/4, 1/2, 3/4, 1}; pure agent equilibria are
enumerated and only profiles optimal at every node (subgame perfect) that break ties the
paper's way are kept. Used by the cross-check test and as a speed baseline.
"""

from __future__ import annotations

from fractions import Fraction

from kernels import reference as ref

TOL = Fraction(1, 10**12)


def build_tree(p: dict, game: str):
    import pygambit as gbt

    rv = p["rho"] * p["theta"]
    s_star = ref.largest_accepted_share(p)
    shares = ([s_star] if s_star is not None else []) + [0.0, 0.25, 0.5, 0.75, 1.0]
    g = gbt.Game.new_tree(players=["l", "P"])
    crisis = g.root
    if game == "revisionist":
        g.append_move(g.root, "l", ["no crisis", "crisis"])
        g.set_outcome(
            g.root.children["no crisis"],
            g.add_outcome("status quo", [ref.leader_status_quo(p, rv), 0.0]),
        )
        crisis = g.root.children["crisis"]
    g.append_move(crisis, "l", ["unilateral"] + [f"offer {i}" for i in range(len(shares))])
    alone = ref.leader_unilateral(p, rv)
    g.set_outcome(crisis.children["unilateral"], g.add_outcome("alone", [alone, 0.0]))
    for i, s in enumerate(shares):
        node = crisis.children[f"offer {i}"]
        g.append_move(node, "P", ["join", "reject"])
        g.set_outcome(
            node.children["join"],
            g.add_outcome(
                f"coalition {i}", [ref.leader_coalition(p, rv, s), ref.partner_join(p, s)]
            ),
        )
        g.set_outcome(node.children["reject"], g.add_outcome(f"rejected {i}", [alone, 0.0]))
    return g


def value(node, profile, player):
    """Payoff to ``player`` from ``node`` on when everyone follows the pure ``profile``."""
    while not node.is_terminal:
        node = next(c for a, c in zip(node.infoset.actions, node.children) if profile[a] == 1)
    return Fraction(node.outcome[player])


def subgame_perfect_with_paper_ties(profile, game) -> bool:
    """Optimal at every node; on ties the first action wins (no crisis, acting alone, and
    joining are listed first: the paper's tie-breaking)."""
    for node in game.nodes:
        if node.is_terminal:
            continue
        player = node.player
        values = [value(c, profile, player) for c in node.children]
        chosen = next(i for i, a in enumerate(node.infoset.actions) if profile[a] == 1)
        best = max(values)
        if values[chosen] < best - TOL:
            return False
        first_best = next(i for i, v in enumerate(values) if v >= best - TOL)
        # Offers that tie each other lead to the same outcome; only the move kind matters.
        if (
            not (node.player.label == "l" and chosen > 0 and first_best > 0)
            and chosen != first_best
        ):
            return False
    return True


def gambit_outcome(p: dict, game_name: str) -> int:
    """The outcome code (0 no crisis, 1 unilateral, 2 coalition) pygambit's solution gives."""
    import pygambit as gbt

    g = build_tree(p, game_name)
    outcomes = set()
    for profile in gbt.nash.enumpure_agent_solve(g).equilibria:
        if not subgame_perfect_with_paper_ties(profile, g):
            continue
        node = g.root
        while not node.is_terminal:
            node = next(c for a, c in zip(node.infoset.actions, node.children) if profile[a] == 1)
        label = node.outcome.label
        outcomes.add(0 if label == "status quo" else 2 if label.startswith("coalition") else 1)
    if len(outcomes) != 1:
        raise ArithmeticError(f"{len(outcomes)} subgame-perfect outcomes at {p}: {outcomes}")
    return outcomes.pop()
