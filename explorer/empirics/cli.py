"""``explorer empirics``: the empirical half of the default model's paper (its published
probit tables and figures) and probit fits of a researcher's own data."""

from __future__ import annotations

import click

from explorer.cli import output_file

BOTH = "both"
COVARIANCE = click.Choice(["independent", "envelope", "file"])
COVARIANCE_OR_SIMULATED = click.Choice(["independent", "envelope", "file", "simulated"])


@click.group()
def empirics() -> None:
    """The paper's probit: published tables, fits of your data, its figures rebuilt."""


@empirics.command()
@click.option("--model", "key", help="One column, e.g. table2.model1 (default: all).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a terminal table.")
@click.option("--markdown", is_flag=True, help="Markdown instead of a terminal table.")
def tables(key, as_json, markdown) -> None:
    """Tables 1-2 as printed beside derived SE, z, p, AIC/BIC, the likelihood-ratio test for
    the interaction, the base-rate bound, the marginal effects' zero crossings and the
    errata; every number labelled published or derived."""
    from explorer.empirics import published
    from explorer.empirics import tables as render

    data = render.report(published.load(), key)
    click.echo(render.as_json(data) if as_json else render.render(data, markdown=markdown))


def _columns(ctx, param, given):
    """Column names from one or more comma-separated values (``--x a,b --x c``)."""
    if not given:
        return None
    text = ",".join(given)
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        raise click.BadParameter(f"{text!r} names no columns; write e.g. --x a,b,c")
    return names


@empirics.command(name="fit")
@click.argument("data", metavar="DATA.csv|DATA.dta")
@click.option("--y", "outcome", required=True, help="The 0/1 outcome column.")
@click.option(
    "--x",
    "covariates",
    required=True,
    multiple=True,
    callback=_columns,
    help="Covariate columns, comma-separated or the option repeated (a constant is added).",
)
@click.option("--cluster", help="Cluster SEs by this column (default: model-based SEs).")
@click.option(
    "--factor",
    type=click.Choice(["stata", "statsmodels", "none"]),
    default="stata",
    show_default=True,
    help="Small-sample factor of the clustered covariance.",
)
@click.option("--netcdf", "netcdf_path", help="Also write the fit (with V) to this .nc file.")
def fit_command(data, outcome, covariates, cluster, factor, netcdf_path) -> None:
    """Fit a probit to your data with the numba estimator and print its table."""
    if netcdf_path:
        output_file(netcdf_path, (".nc",))
    from explorer.empirics.fitting import fit, regression_table

    fitted = fit(data, outcome, covariates, cluster, factor=factor)
    click.echo(regression_table(fitted))
    if netcdf_path:
        fitted.to_netcdf(netcdf_path)
        click.echo(f"wrote {netcdf_path}")


def figure_options(command, kinds=COVARIANCE):
    for option in reversed(
        [
            click.option(
                "--cov",
                "cov_kind",
                type=kinds,
                default="independent",
                show_default=True,
                help="The coefficients' covariance (unpublished).",
            ),
            click.option(
                "--cov-file",
                help="With --cov file: a covariance as JSON or CSV, or a fit's .nc (fit --netcdf).",
            ),
            click.option(
                "--draws",
                default=1000,
                show_default=True,
                type=click.IntRange(10, 10**6),
                help="Simulated coefficient draws.",
            ),
            click.option("--seed", default=0, show_default=True, type=int),
            click.option(
                "-o",
                "--output",
                "output_path",
                help="Figure file: .png, .svg, .pdf or .html (interactive).",
            ),
        ]
    ):
        command = option(command)
    return command


def _figure_path(output_path: str | None, default: str) -> str:
    """Where the figure goes, checked before any work: the user's file, or the default
    under results/ (made when the figure is saved)."""
    from explorer.empirics.figures import FORMATS

    return default if output_path is None else output_file(output_path, FORMATS)


def _save(panels, path: str) -> None:
    import os

    from explorer.empirics import figures

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figures.save(panels, path)


@empirics.command()
@click.option(
    "--over",
    default=BOTH,
    show_default=True,
    help="The variable on the x axis (both: the paper's two panels).",
)
@click.option(
    "--offset",
    type=float,
    help="The profile's linear predictor (default: bounded by Figure 3's axes).",
)
@figure_options
def predict(over, offset, cov_kind, cov_file, draws, seed, output_path) -> None:
    """Predicted probability over one interacted variable, Clarify-style (the paper's
    Figure 3), with every assumption in the footnote."""
    from explorer.empirics import bands, published

    path = _figure_path(output_path, "results/predicted.png")
    tables = published.load()
    names = list(tables.interaction.of) if over == BOTH else [over]
    panels = [bands.predict(tables, n, offset, cov_kind, cov_file, draws, seed) for n in names]
    _save(panels, path)
    for ds in panels:
        lo, hi = ds.attrs["offset_bounds"]
        middle = ds.isel(offset=ds.sizes["offset"] // 2)
        click.echo(
            f"{ds.attrs['title']}: point estimate {float(middle.estimate[0]):.3f} -> "
            f"{float(middle.estimate[-1]):.3f} at offset {float(middle.offset):.3f}"
            + ("" if offset is not None else f" (bound [{lo:.3f}, {hi:.3f}] from the axes)")
        )
    click.echo(f"wrote {path}")


@empirics.command()
@click.option(
    "--model",
    "key",
    help="A column with the interaction, e.g. table2.model2 (default: the paper's figure's).",
)
@click.option(
    "--effect-of",
    default=BOTH,
    show_default=True,
    help="Whose marginal effect (both: the paper's two panels).",
)
@click.option(
    "--from",
    "store",
    metavar="STORE",
    help="With --cov simulated: a Monte Carlo store, whose point's correlations V takes.",
)
@click.option(
    "--at",
    "at_items",
    multiple=True,
    metavar="NAME=VALUE",
    help="With --from: the store's point, one per swept dimension (repeat).",
)
@lambda command: figure_options(command, COVARIANCE_OR_SIMULATED)
def margins(key, effect_of, store, at_items, cov_kind, cov_file, draws, seed, output_path) -> None:
    """The marginal effect of one interacted variable over the other (Brambor, Clark &
    Golder; the paper's Figure 4), with delta-method and simulation 95% bands.

    With --cov simulated --from STORE --at NAME=VALUE ...: the published SEs with the
    correlations a Monte Carlo store found between the estimates at that point."""
    from explorer.cli import parse_at
    from explorer.empirics import bands, published

    if (store is not None or bool(at_items)) != (cov_kind == "simulated"):
        raise click.UsageError("--from STORE and --at go with --cov simulated, and it with them")
    path = _figure_path(output_path, "results/margins.png")
    tables = published.load()
    names = list(tables.interaction.of) if effect_of == BOTH else [effect_of]
    key = key or tables.margins_model
    source = store if cov_kind == "simulated" else cov_file
    at = parse_at(at_items)
    panels = [bands.margins(tables, key, n, cov_kind, source, draws, seed, at) for n in names]
    _save(panels, path)
    for ds in panels:
        significant = ds.x.values[(ds.delta_high.values < 0) | (ds.delta_low.values > 0)]
        where = (
            f"significant (delta method) for {ds.attrs['over']} in "
            f"[{significant.min():.2f}, {significant.max():.2f}]"
            if significant.size
            else "significant nowhere"
        )
        click.echo(
            f"{ds.attrs['title']}: zero at {ds.attrs['over']} = {ds.attrs['zero_at']:.3f}; {where}"
        )
    click.echo(f"wrote {path}")
