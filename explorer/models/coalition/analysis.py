"""What the analyses report for the paper's game, read off the joint counts of
(outcome, paper agreement, flags): outcome shares, where Proposition 1 read literally errs
and why, and broken assumptions; and the targets of its sensitivity analysis."""

from __future__ import annotations

import numpy as np

from explorer.models.declaration import Tally
from kernels.coalition import FLAG_NAMES, INVALID_FLAGS, OUTCOME_LABELS, PROPOSITION_1_GAPS

# tally[outcome + 1, paper_agrees, flags]: every share the analyses report is a sum over it.
TALLY = Tally(
    counted=(("outcome", 1), ("paper_agrees", 0), ("flags", 0)),
    shape=(len(OUTCOME_LABELS), 2, 1 << len(FLAG_NAMES)),
)
ERRS = "Proposition 1 errs"


def outcome_counts(tally: np.ndarray) -> dict[str, int]:
    """Points per outcome label (invalid points included, under their own label)."""
    per_code = tally.sum(axis=(1, 2))
    return {OUTCOME_LABELS[code - 1]: int(n) for code, n in enumerate(per_code)}


def flag_names(flags: int) -> list[str]:
    return [name for bit, name in FLAG_NAMES.items() if flags & bit]


def gap_causes(tally: np.ndarray) -> dict[str, int]:
    """Valid points where Proposition 1 read literally is wrong, by cause: the gap flags
    the point carries (docs/model.md), or none of them (a tie at a closed-form boundary)."""
    causes: dict[str, int] = {}
    wrong = tally[1:, 0, :].sum(axis=0)  # valid outcomes, paper disagrees
    for flags in np.flatnonzero(wrong):
        gaps = flag_names(int(flags) & PROPOSITION_1_GAPS)
        label = " & ".join(gaps) if gaps else "none of the known gaps (boundary tie)"
        causes[label] = causes.get(label, 0) + int(wrong[flags])
    return dict(sorted(causes.items(), key=lambda kv: -kv[1]))


def flag_counts(tally: np.ndarray) -> dict[str, int]:
    """Points carrying each flag (a point may carry several)."""
    per_flags = tally.sum(axis=(0, 1))
    return {
        name: int(per_flags[[f for f in np.flatnonzero(per_flags) if f & bit]].sum())
        for bit, name in FLAG_NAMES.items()
    }


def assumption_breaks(tally: np.ndarray) -> dict[str, int]:
    """Flags that break an assumption (invalid points) or the paper's footnote 8."""
    counts = flag_counts(tally)
    wanted = [b for b in FLAG_NAMES if b & INVALID_FLAGS] + [
        b for b, name in FLAG_NAMES.items() if name.startswith("rho'(theta) >= 1")
    ]
    return {FLAG_NAMES[b]: counts[FLAG_NAMES[b]] for b in wanted if counts[FLAG_NAMES[b]]}


def summarise(tally: np.ndarray) -> dict:
    """The check report's sections read off the tally."""
    n = int(tally.sum()) or 1
    causes = gap_causes(tally)
    wrong = sum(causes.values())
    return {
        "outcomes": outcome_counts(tally),
        "proposition_1_gap": {
            "points": wrong,
            "share": wrong / n,
            "by_cause": {c: {"points": k, "share": k / n} for c, k in causes.items()},
        },
        "assumption_breaks": assumption_breaks(tally),
    }


def describe(report: dict, style: str) -> list[str]:
    """Those sections as lines of a terminal report (``text``) or of Markdown."""
    gap, breaks = report["proposition_1_gap"], report["assumption_breaks"]
    markdown = style == "markdown"
    share = ".3%" if markdown else ".4%"
    if markdown:
        head = (
            f"Proposition 1 read literally gives the wrong outcome at {gap['points']:,} of "
            f"{report['points']:,} points ({gap['share']:.3%}):"
        )
    else:
        head = (
            f"Proposition 1 read literally is wrong at {gap['points']:,} points "
            f"({gap['share']:.4%} of the {report['design']}):"
        )
    bullet, unit, none = ("- ", " points", "none.") if markdown else ("  ", "", "none")
    lines = ["", head, *([""] if markdown else [])]
    lines += [
        f"{bullet}{c}: {v['points']:,} ({v['share']:{share}})" for c, v in gap["by_cause"].items()
    ]
    if markdown:
        lines.append("")
    lines.append(
        "Assumption breaks: "
        + (", ".join(f"{k}: {v:,}{unit}" for k, v in breaks.items()) if breaks else none)
    )
    return lines


def regions(tally: np.ndarray) -> dict[str, int]:
    """Points of each reported region: the outcomes, and where Proposition 1 errs."""
    counts = outcome_counts(tally)
    counts[ERRS] = sum(gap_causes(tally).values())
    return counts


# Sobol' targets. Not q_lp: it diverges as beta -> 0, and heavy tails make variance
# indices meaningless.
SENSITIVITY_OUTPUTS = ("outcome", "paper_agrees", "beta_lp", "q_l")
TARGETS = {
    "no crisis": lambda v: v["outcome"] == 0,
    "unilateral crisis": lambda v: v["outcome"] == 1,
    "coalition crisis": lambda v: v["outcome"] == 2,
    ERRS: lambda v: (v["outcome"] >= 0) & ~v["paper_agrees"],
    "beta_lp": lambda v: v["beta_lp"],
    "q_l": lambda v: v["q_l"],
}
