"""The ``explorer`` command line."""

from __future__ import annotations

import click

from explorer.presets import FIGURE2

# The default job: the paper's Figure 2 plane, coarsely, inside a crisis.
DEFAULT_AXES = {"theta": "0.1,0.3,0.5,0.7,0.9", "beta": "0.1,0.2,0.3,0.4,0.5"}
TABLE_COLUMNS = (
    "outcome",
    "s_star",
    "beta_lp",
    "q_l",
    "q_lp",
    "eu_leader",
    "p_survive",
    "paper_agrees",
    "flags",
)
MAX_TABLE_ROWS = 500


def parse_values(name: str, text: str) -> list[float]:
    """``0.1,0.2`` (a list) or ``start:stop:num`` (evenly spaced, both ends included)."""
    import numpy as np

    try:
        if ":" in text:
            start, stop, num = text.split(":")
            return np.linspace(float(start), float(stop), int(num)).tolist()
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise click.BadParameter(
            f"{name}={text!r} is not a value list; write e.g. {name}=0.1,0.2 or "
            f"{name}=0.05:0.95:10 (start:stop:count)",
            param_hint="NAME=VALUES",
        ) from None


@click.group()
@click.version_option(package_name="coalition-explorer")
def main() -> None:
    """Coalition Explorer: exact equilibria of the political-security coalition game."""


@main.command()
@click.argument("assignments", nargs=-1, metavar="[NAME=VALUES]...")
@click.option(
    "--game",
    default="status_quo",
    show_default=True,
    type=click.Choice(["revisionist", "status_quo"]),
)
@click.option("--rho-form", default="linear", show_default=True)
def solve(assignments: tuple[str, ...], game: str, rho_form: str) -> None:
    """Solve the game on a small grid and print one row per point.

    Parameters not given take the paper's Figure 2 values; theta and beta default to a
    coarse Figure 2 plane. VALUES is a list (0.1,0.2) or start:stop:count. The
    revisionist game also needs q, e.g. q=0.3.
    """
    import numpy as np
    import xarray as xr

    from explorer.solving import solve as solve_points
    from explorer.table import format_table

    given: dict[str, str] = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(
                f"{item!r} is not NAME=VALUES; write e.g. theta=0.2,0.4", param_hint="NAME=VALUES"
            )
        given[name] = text
    texts = {**DEFAULT_AXES, **given}
    params: dict = dict(FIGURE2)
    for name, text in texts.items():
        values = parse_values(name, text)
        params[name] = values[0] if len(values) == 1 else xr.DataArray(np.array(values), dims=name)
    try:
        ds = solve_points(game=game, rho_form=rho_form, **params)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    size = int(ds.outcome.size)
    if size > MAX_TABLE_ROWS:
        raise click.UsageError(
            f"{size} points is too many to print (limit {MAX_TABLE_ROWS}); use fewer values"
        )
    fixed = ", ".join(f"{n}={float(ds[n]):g}" for n in ds.coords if ds[n].ndim == 0)
    click.echo(f"{game} game, rho_form={rho_form}; fixed: {fixed}\n")
    click.echo(format_table(ds, TABLE_COLUMNS))
