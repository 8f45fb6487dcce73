"""Joint counts of (outcome, paper agreement, flags) and the shares read from them.

A tally is an int64 array of ``TALLY_SHAPE``: ``tally[outcome + 1, paper_agrees, flags]``.
The fused kernels fill it without storing points; ``tally_of`` builds one from solved
arrays. Every share the analyses report is a sum over it.
"""

from __future__ import annotations

import numpy as np

from kernels.coalition import (
    FLAG_NAMES,
    INVALID_FLAGS,
    OUTCOME_LABELS,
    PROPOSITION_1_GAPS,
    TALLY_SHAPE,
)


def tally_of(values: dict) -> np.ndarray:
    outcome = values["outcome"].reshape(-1).astype(np.int64) + 1
    agrees = values["paper_agrees"].reshape(-1).astype(np.int64)
    flags = values["flags"].reshape(-1).astype(np.int64)
    n_flags = TALLY_SHAPE[2]
    index = (outcome * 2 + agrees) * n_flags + flags
    return np.bincount(index, minlength=int(np.prod(TALLY_SHAPE))).reshape(TALLY_SHAPE)


def outcome_counts(tally: np.ndarray) -> dict[str, int]:
    """Points per outcome label (invalid points included, under their own label)."""
    per_code = tally.sum(axis=(1, 2))
    return {OUTCOME_LABELS[code - 1]: int(n) for code, n in enumerate(per_code)}


def flag_names(flags: int) -> list[str]:
    return [name for bit, name in FLAG_NAMES.items() if flags & bit]


def gap_causes(tally: np.ndarray) -> dict[str, int]:
    """Valid points where Proposition 1 read literally is wrong, by cause: the gap flags
    the point carries (MODEL notes), or none of them (a tie at a closed-form boundary)."""
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
