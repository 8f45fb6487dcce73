"""``explorer empirics tables``: the published tables beside what they imply, as a
terminal table, Markdown or JSON, every number labelled with its provenance."""

from __future__ import annotations

import json

from tabulate import tabulate

from explorer.empirics import derived
from explorer.empirics.published import Published


def report(tables: Published, key: str | None = None) -> dict:
    """Everything the tables command shows, as plain data (the JSON form)."""
    keys = [tables.model(key).key] if key else list(tables.models)
    columns = sorted({k.split(".")[1] for k in keys})
    return {
        "provenance": {
            "published": "printed in the paper",
            "derived": "exact arithmetic on printed numbers",
            "approximate": "needs an assumption, named beside it",
        },
        "models": {
            k: derived.model_stats(tables.model(k), tables.interaction).model_dump() for k in keys
        },
        "ranges": tables.ranges,
        "interaction_tests": [derived.interaction_test(tables, c).model_dump() for c in columns],
        "errata": [e.model_dump() for e in tables.errata],
    }


def _number(value: dict, digits: int = 4) -> str:
    v = value["value"]
    if v is None:
        return "-"
    return f"{v:.{digits}g}" if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}"


def printed(v: float) -> str:
    """An estimate as the paper prints it: three decimals, or three significant digits."""
    return f"{v:.3f}" if abs(v) >= 0.1 else f"{v:.3g}"


def _title(key: str) -> str:
    table, column = key.split(".")
    return f"Table {table[-1]}, Model {column[-1]} ({key})"


def _model_lines(key: str, stats: dict, ranges: dict, markdown: bool) -> list[str]:
    rows = []
    notes = []
    for t in stats["terms"]:
        low, high = t["rebuilt"]
        rows.append(
            [
                t["label"],
                printed(t["estimate"]["value"]),
                f"[{t['interval'][0]}, {t['interval'][1]}]",
                _number(t["se"]),
                _number(t["z"], 2) if t["z"]["value"] is not None else "-",
                f"{t['p']['value']:.3g}" if t["p"]["value"] is not None else "-",
                f"[{_number(low)}, {_number(high)}]" if low["value"] is not None else "-",
            ]
        )
        if t["note"]:
            notes.append(f"{t['label']}: {t['note']}")
    header = ["term", "estimate", "95% CI", "SE", "z", "p", "estimate ± 1.96 SE"]
    body = tabulate(
        rows, header, tablefmt="github" if markdown else "simple", disable_numparse=True
    )
    v = {
        name: stats[name]["value"]
        for name in ("n", "loglik", "chi2", "k", "chi2_p", "aic", "bic", "base_rate_min")
    }
    lines = [
        ("### " if markdown else "") + _title(key) + f": {stats['measure']}",
        "",
        body,
        "Estimates and intervals as published; SE, z, p and the rebuilt interval derived.",
        "",
        f"Published: N {v['n']:.0f}, log likelihood {v['loglik']}, Wald chi2 {v['chi2']}.",
        f"Derived: k {v['k']:.0f} terms; Wald chi2 p {v['chi2_p']:.3g} on {v['k'] - 1:.0f} df; "
        f"AIC {v['aic']:.3f}; BIC {v['bic']:.3f}; base rate at least "
        f"{v['base_rate_min']:.2%} (a constant-only model cannot fit better than this one).",
    ]
    for name, value in stats["crossings"].items():
        varied, other = name.split("_effect_zero_at_")
        lo, hi = ranges[other]
        where = "inside" if lo <= value["value"] <= hi else "outside"
        lines.append(
            f"Derived: the index-scale marginal effect of {varied} is zero at {other} = "
            f"{value['value']:.3f} ({where} its range [{lo:g}, {hi:g}])."
        )
    lines += [f"Note: {n}" for n in notes]
    return lines + [""]


def render(data: dict, markdown: bool = False) -> str:
    lines = []
    for key, stats in data["models"].items():
        lines += _model_lines(key, stats, data["ranges"], markdown)
    heading = "### " if markdown else ""
    lines.append(heading + "Adding the interaction (Table 2 against Table 1, same N)")
    lines.append("")
    for test in data["interaction_tests"]:
        lines.append(f"- Model {test['column'][-1]}: {test['note']}.")
    lines += ["", heading + "Errata of the paper's text (the numbers are left as printed)", ""]
    lines += [f"- {e['where']}: {e['text']}" for e in data["errata"]]
    return "\n".join(lines)


def as_json(data: dict) -> str:
    return json.dumps(data, indent=2)
