"""Human-readable accounts of runs and stores."""

from __future__ import annotations

import json
import math

from explorer.engine import integrity, store, stored
from explorer.engine.files import size_bytes
from explorer.engine.sweep import Summary
from explorer.models import get_model


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n} B"


def _shares(attrs: dict, counts: dict[str, dict[str, int]]) -> str:
    spec, _ = stored.model_of(attrs)
    parts = []
    for name, by_code in counts.items():
        total = sum(by_code.values()) or 1
        labels = spec.output(name).labels
        shares = ", ".join(
            f"{labels.get(int(code), code)} {n / total:.1%}"
            for code, n in sorted(by_code.items(), key=lambda kv: int(kv[0]))
        )
        parts.append(f"{name}: {shares}")
    return "; ".join(parts)


def plot_command(url: str) -> str | None:
    """The `explorer plot` command that draws a store's first view, other dimensions at
    their middle value, as the quick look does (None: no plane)."""
    attrs = store.read_attrs(url)
    dims = attrs.get("grid", {}).get("dims", [])  # a sample's one dimension has no plane
    plane = get_model(attrs["model"]).first_plane(dims)
    if plane is None:
        return None
    axes = stored.recorded_config(url, attrs).axes
    at = "".join(
        f" --at {d}={float(values[len(values) // 2])!r}"
        for d in dims
        if d not in plane
        for values in [axes[d].coordinates()]
    )
    return f"explorer plot {url} --x {plane[0]} --y {plane[1]}{at} -o plot.png"


def describe_run(summary: Summary) -> str:
    attrs = store.read_attrs(summary.url)
    state = "complete" if summary.complete else "INCOMPLETE (run again with --resume)"
    repaired = (
        f"Recomputed {len(summary.repaired)} damaged part(s): {'; '.join(summary.repaired)}. "
        if summary.repaired
        else ""
    )
    return repaired + (
        f"Solved {summary.computed_points:,} of {summary.points:,} points in "
        f"{summary.seconds:.1f} s ({summary.points_per_s:.3g} points/s"
        + (
            f", after {summary.compile_seconds:.1f} s compiling"
            if summary.compile_seconds > 0.05
            else ""
        )
        + "); the store is "
        f"{state}, {_size(summary.store_bytes)} at {summary.url}. "
        + (f"{shares}. " if (shares := _shares(attrs, summary.counts)) else "")
        + f"Open it with xarray.open_zarr({summary.url!r}) or `explorer info {summary.url}`."
    )


def describe_store(url: str) -> str:
    import xarray as xr

    attrs = stored.open_attrs(url)
    model, choices = stored.model_of(attrs)
    grid, _, book = stored.coverage(url, attrs)
    damage = integrity.check(url, grid, book, checksums=False)
    ds = xr.open_zarr(url)
    total = math.prod(grid.n_blocks)
    lines = [
        f"store      {url}  ({_size(size_bytes(url))} on disk)",
        f"model      {model.describe(choices)}",
        f"status     {'complete' if len(book.records) == total else 'INCOMPLETE'}: "
        f"{len(book.records)} of {total} blocks written"
        + ("" if len(book.records) == total else f" (`explorer run {url} --resume` finishes it)"),
    ]
    if not damage.ok:
        lines.append(
            f"DAMAGED    {len(damage.lines())} problem(s), e.g. {damage.lines()[0]}; run "
            f"`explorer verify {url}`, then `explorer run {url} --resume --verify`"
        )
    lines += [
        "dimensions " + ", ".join(f"{d}={n}" for d, n in ds.sizes.items()),
        "fixed      " + ", ".join(f"{c}={float(ds[c]):g}" for c in ds.coords if ds[c].ndim == 0),
        "outputs",
    ]
    for name, var in ds.data_vars.items():
        dims = ", ".join(var.dims) or "scalar"
        meaning = var.attrs.get("long_name", "")
        lines.append(f"  {name:<16} {str(var.dtype):<8} over ({dims})  {meaning}")
    if attrs.get("category_counts"):
        lines.append("shares     " + _shares(attrs, attrs["category_counts"]))
    lines += [
        f"config     hash {attrs['config_hash'][:16]}; {json.dumps(attrs.get('config'))}",
        f"created    {attrs.get('created')}; last run {attrs.get('run_started')} to "
        f"{attrs.get('run_finished')}, {attrs.get('run_points', 0):,} points at "
        f"{attrs.get('run_points_per_s') or float('nan'):.3g} points/s",
        "versions   " + ", ".join(f"{k} {v}" for k, v in attrs.get("versions", {}).items()),
    ]
    return "\n".join(lines)


def verify_store(url: str) -> tuple[bool, str]:
    """(intact?, report): every recorded chunk re-read and compared with its checksum."""
    attrs = stored.open_attrs(url)
    grid, _, book = stored.coverage(url, attrs)
    damage = integrity.check(url, grid, book, checksums=True)
    n_blocks = math.prod(grid.n_blocks)
    head = (
        f"{url}: {damage.chunks_checked:,} chunks of {len(book.records)} finished blocks "
        f"(of {n_blocks}) re-read"
    )
    if damage.ok:
        missing = n_blocks - len(book.records)
        rest = f"; {missing} blocks not computed yet (--resume)" if missing else ""
        return True, f"{head}: all intact{rest}."
    lines = [f"{head}: {len(damage.lines())} problem(s):"]
    lines += [f"  {line}" for line in damage.lines()]
    lines.append(
        f"Recompute exactly these with `explorer run {url} --resume --verify` (its recorded "
        "config; or give the config file and --store)."
    )
    return False, "\n".join(lines)
