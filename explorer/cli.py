"""The ``explorer`` command line.

Every mistake a user can make (arguments, configs, store paths, schedulers) ends the
command with one line on stderr that names the bad value and the fix, never a traceback.
"""

from __future__ import annotations

import gc
import os
import warnings
from pathlib import Path

import click

from explorer.engine.lasting import lasting_objects

MAX_TABLE_ROWS = 500


def _user_errors() -> tuple[type[Exception], ...]:
    """The errors that describe a user's mistake (imported only once one is raised)."""
    from explorer.empirics.published import EmpiricsError
    from explorer.engine.config import ConfigError
    from explorer.engine.files import StoreError
    from explorer.engine.run import SchedulerError
    from explorer.views.slicing import SliceError

    return ConfigError, StoreError, SliceError, SchedulerError, EmpiricsError


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


class OneLineErrors(click.Group):
    """Usage errors and the engine's own errors as one ``Error: ...`` line (with where to
    read more for usage errors), instead of usage blocks or tracebacks."""

    def main(self, *args, **kwargs):
        warnings.formatwarning = _one_line_warning
        try:
            return super().main(*args, **kwargs)
        finally:
            # Everything still alive is about to be freed by the exit: spare the
            # interpreter a last full collection over it (seconds after the big imports).
            gc.freeze()

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as err:
            raise _usage_error(err) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as err:
            raise _usage_error(err) from None
        except click.ClickException as err:
            err.message = _one_line(err.message)
            raise
        except Exception as err:
            if isinstance(err, _user_errors()):
                raise click.ClickException(_one_line(err)) from None
            raise


def _one_line_warning(message, category, *where) -> str:
    return f"Warning: {_one_line(message)}\n"


def _usage_error(err: click.UsageError) -> click.ClickException:
    where = err.ctx.command_path if err.ctx is not None else "explorer"
    one = click.ClickException(f"{_one_line(err.format_message())} (see `{where} --help`)")
    one.exit_code = err.exit_code
    return one


def parse_values(name: str, text: str) -> list[float]:
    """``0.1,0.2`` (a list) or ``start:stop:num`` (evenly spaced, both ends included)."""
    import numpy as np

    try:
        if ":" in text:
            start, stop, num = text.split(":")
            values = np.linspace(float(start), float(stop), int(num)).tolist()
        else:
            values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values:
        raise click.BadParameter(
            f"{name}={text!r} is not a value list; write e.g. {name}=0.1,0.2 or "
            f"{name}=0.05:0.95:10 (start:stop:count, count at least 1)",
            param_hint="NAME=VALUES",
        )
    return values


def output_file(path: str, suffixes: tuple[str, ...] = ()) -> str:
    """A file the user asked to write: its folder must exist, and it must not be a folder."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise click.BadParameter(f"{path!r} is a folder; give a file name inside it")
    if not os.path.isdir(folder):
        raise click.BadParameter(
            f"{path!r}: the folder {folder} does not exist; create it (mkdir -p) or give "
            "another path"
        )
    if suffixes and not path.lower().endswith(suffixes):
        raise click.BadParameter(f"{path!r}: give a file name ending in {' or '.join(suffixes)}")
    return path


def scheduler_options(command):
    """Where dask runs the work: local workers, or a running scheduler (a cluster)."""
    command = click.option(
        "--scheduler-file",
        type=click.Path(exists=True, dir_okay=False),
        help="A dask scheduler file (as dask-jobqueue and dask-mpi write).",
    )(command)
    command = click.option("--scheduler", "address", help="Address of a running dask scheduler.")(
        command
    )
    return click.option(
        "--workers", type=click.IntRange(min=1), help="Local dask workers (default: cores)."
    )(command)


def make_scheduler(workers, address, scheduler_file, processes=False):
    from explorer.engine.run import Scheduler

    if address and scheduler_file:
        raise click.UsageError("give --scheduler or --scheduler-file, not both")
    return Scheduler("processes" if processes else "threads", workers, address, scheduler_file)


@click.group(cls=OneLineErrors)
@click.version_option(package_name="coalition-explorer")
def main() -> None:
    """Coalition Explorer: exact solutions of formal models over parameter grids."""


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("assignments", nargs=-1, metavar="[NAME=VALUES]... [--VARIANT CHOICE]...")
@click.option("--model", "model_name", help="The model to solve (default: the default one).")
def solve(assignments: tuple[str, ...], model_name: str | None) -> None:
    """Solve a model on a small grid and print one row per point.

    Parameters not given take the model's first preset, over its example grid. VALUES is
    a list (0.1,0.2) or start:stop:count. A model's variants are options: --VARIANT
    CHOICE (underscores written as dashes). `explorer models NAME` lists a model's
    parameters, variants and presets.
    """
    with lasting_objects():  # (a command's imports live as long as it)
        import numpy as np
        import xarray as xr

        from explorer.engine.solve import solve as solve_points
        from explorer.engine.validation import model_named
        from explorer.views.tables import format_table

    model = model_named(model_name)
    texts, choices = _solve_arguments(model, assignments)
    texts, choices = {**model.default_axes, **texts}, {**model.default_choices, **choices}
    params: dict = dict(next(iter(model.presets.values()), {}))
    for name, text in texts.items():
        values = parse_values(name, text)
        params[name] = values[0] if len(values) == 1 else xr.DataArray(np.array(values), dims=name)
    try:
        ds = solve_points(model=model, **choices, **params)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    size = int(ds[model.output_names[0]].size)
    if size > MAX_TABLE_ROWS:
        raise click.UsageError(
            f"{size} points is too many to print (limit {MAX_TABLE_ROWS}); use fewer values"
        )
    fixed = ", ".join(f"{n}={float(ds[n]):g}" for n in ds.coords if ds[n].ndim == 0)
    described = model.describe(model.choices(choices))
    click.echo(f"{described}; fixed: {fixed}\n")
    click.echo(format_table(ds, model.table_columns or model.output_names))


def _solve_arguments(model, assignments) -> tuple[dict[str, str], dict[str, str]]:
    """NAME=VALUES parameters, and --VARIANT CHOICE (or --VARIANT=CHOICE) options."""
    texts: dict[str, str] = {}
    choices: dict[str, str] = {}
    items = list(assignments)
    variants = {f"--{v.name.replace('_', '-')}": v.name for v in model.variants}
    while items:
        item = items.pop(0)
        if item.startswith("--"):
            flag, sep, choice = item.partition("=")
            if flag not in variants:
                known = ", ".join(variants) or "none"
                raise click.UsageError(
                    f"no such option {flag!r}: the {model.name} model's variant options are {known}"
                )
            if not sep:
                if not items:
                    raise click.UsageError(f"{flag} needs a value, e.g. {flag} CHOICE")
                choice = items.pop(0)
            choices[variants[flag]] = choice
            continue
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(
                f"{item!r} is not NAME=VALUES; write e.g. theta=0.2,0.4", param_hint="NAME=VALUES"
            )
        texts[name] = text
    return texts, choices


@main.command()
@click.argument("name", required=False)
def models(name: str | None) -> None:
    """List the models this installation can solve, or describe one: its parameters,
    variants, outputs and presets."""
    from explorer.engine.validation import model_named
    from explorer.models import available

    if name is None:
        for each in available():
            model = model_named(each)
            default = " (default)" if model.default else ""
            click.echo(f"{each}{default}: {model.title}")
        return
    model = model_named(name)
    click.echo(f"{model.name}: {model.title}\n{model.citation}\n\nparameters")
    name_width = max(10, *(len(p.name) for p in model.parameters))
    domain_width = max(10, *(len(str(p.domain)) for p in model.parameters))
    for p in model.parameters:
        click.echo(
            f"  {p.name:<{name_width}} {p.symbol:<9} {str(p.domain):<{domain_width}} {p.meaning}"
        )
    click.echo("variants" + ("" if model.variants else ": none"))
    for v in model.variants:
        click.echo(
            f"  --{v.name.replace('_', '-'):<10} {'|'.join(v.choices)} (default {v.default})"
        )
    click.echo("outputs")
    for o in model.outputs:
        click.echo(f"  {o.name:<16} {o.dtype:<8} {o.kind:<12} {o.meaning}")
    for preset, values in model.presets.items():
        click.echo(f"preset {preset}: " + ", ".join(f"{k}={v:g}" for k, v in values.items()))
    if model.empirics:
        click.echo("published regression results: `explorer empirics tables` (and --help)")


@main.command()
@click.argument("config_path", metavar="CONFIG|STORE")
@click.option("--store", "store_url", help="Local path or fsspec URL (default: the config's).")
@scheduler_options
@click.option("--processes", is_flag=True, help="Local dask processes instead of threads.")
@click.option("--resume", is_flag=True, help="Finish an interrupted run of the same config.")
@click.option(
    "--verify",
    is_flag=True,
    help="With --resume: check every stored chunk's checksum and recompute damaged blocks.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing store made by explorer.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--plot/--no-plot",
    default=False,
    help="Draw a quick-look PNG of the first output, kept in the store (about 2 s more).",
)
def run(
    config_path,
    store_url,
    workers,
    processes,
    address,
    scheduler_file,
    resume,
    verify,
    overwrite,
    quiet,
    plot,
) -> None:
    """Run the sweep defined in CONFIG into a zarr store.

    CONFIG may also be a store: its recorded config is run into it (with --resume, to
    finish or repair it).
    """
    with lasting_objects():
        from explorer.engine.files import normalize_url
        from explorer.engine.stored import load_source, names_a_store
        from explorer.engine.sweep import run_sweep
        from explorer.views.summary import describe_run

    scheduler = make_scheduler(workers, address, scheduler_file, processes)
    if resume and overwrite:
        raise click.UsageError("give --resume or --overwrite, not both")
    if verify and not resume:
        raise click.UsageError(
            "--verify goes with --resume (to check a store, run explorer verify)"
        )
    config = load_source(config_path)
    if store_url is None:
        store_url = config_path if names_a_store(config_path) else config.store
    url = normalize_url(store_url)
    try:
        summary = run_sweep(
            config,
            url,
            scheduler,
            resume=resume,
            overwrite=overwrite,
            progress=not quiet,
            verify=verify,
        )
    except KeyboardInterrupt:
        raise click.ClickException(
            "interrupted; every block finished so far is kept: run the same command with "
            "--resume to compute the rest"
        ) from None
    except OSError as err:  # unwritable or unreachable store location
        raise click.ClickException(
            f"cannot write the store at {url}: {err}; choose a writable --store path"
        ) from None
    click.echo(describe_run(summary))
    if not summary.complete:
        return
    if not plot:
        from explorer.views.summary import plot_command

        drawn = plot_command(summary.url)
        click.echo(
            (f"Draw it with `{drawn}`, explore" if drawn else "Explore")
            + f" it with `explorer serve {summary.url}`, or run with --plot for a quick look."
        )
        return
    from explorer.views.figures import quick_look

    path = quick_look(summary.url)
    if path is not None:
        click.echo(f"Quick-look plot: {path} (more with `explorer plot` or `explorer serve`).")


@main.command()
@click.argument("store_url", metavar="STORE")
def info(store_url) -> None:
    """Describe a stored sweep: dimensions, outputs, completeness, size, provenance."""
    from explorer.views.summary import describe_store

    click.echo(describe_store(store_url))


@main.command()
@click.argument("store_url", metavar="STORE")
def verify(store_url) -> None:
    """Re-read every chunk of a store and compare it with the checksum recorded when it was
    written; exit status 1 if anything is damaged (each damaged block is named)."""
    from explorer.views.summary import verify_store

    ok, text = verify_store(store_url)
    click.echo(text)
    if not ok:
        raise SystemExit(1)


def parse_at(items: tuple[str, ...]) -> dict[str, float]:
    at = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            at[name] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name:
            raise click.BadParameter(
                f"{item!r} is not NAME=NUMBER; write e.g. alpha=0.8", param_hint="--at"
            )
    return at


def slice_options(command):
    command = click.option(
        "--var", default=None, help="The output to show (default: the model's first)."
    )(command)
    command = click.option(
        "--at",
        "at_items",
        multiple=True,
        metavar="NAME=VALUE",
        help="Value of another swept dimension (repeat for each).",
    )(command)
    command = click.option("--y", "y", required=True, help="Dimension along rows.")(command)
    return click.option("--x", "x", required=True, help="Dimension along columns.")(command)


def _slice_or_fail(source, x, y, at_items, var):
    from explorer.views.slicing import make_slice

    data = make_slice(source, x, y, parse_at(at_items), var)
    if data.attrs.get("unwritten"):
        click.echo(f"Warning: {data.attrs['source']}", err=True)
    return data


@main.command(name="slice")
@click.argument("source", metavar="STORE|CONFIG")
@slice_options
@click.option(
    "--csv",
    "csv_path",
    help="Write the slice as CSV (one row per point).",
)
def slice_command(source, x, y, at_items, var, csv_path) -> None:
    """Print (or save) a 2-D slice of a stored sweep; off-grid values are solved exactly."""
    if csv_path:
        output_file(csv_path)
    data = _slice_or_fail(source, x, y, at_items, var)
    if csv_path:
        from explorer.views.exports import slice_csv

        Path(csv_path).write_bytes(slice_csv(data))
        click.echo(f"wrote {data.size} points ({data.attrs['source']}) to {csv_path}")
        return
    from explorer.views.tables import format_grid

    click.echo(f"{data.name} over {y} (rows) x {x} (columns); {data.attrs['source']}")
    click.echo(format_grid(data))


def _figure_size(ctx, param, text: str) -> tuple[float, float]:
    try:
        width, height = (float(v) for v in text.lower().split("x"))
    except ValueError:
        width = height = 0.0
    if not (1 <= width <= 50 and 1 <= height <= 50):
        raise click.BadParameter(
            f"{text!r} is not a figure size; write WIDTHxHEIGHT in inches, each 1 to 50, e.g. 8x5.5"
        )
    return width, height


@main.command()
@click.argument("source", metavar="STORE|CONFIG")
@slice_options
@click.option(
    "-o",
    "--output",
    "output_path",
    required=True,
    help="FILE.png, .svg or .pdf (for print) or FILE.html (interactive, works offline).",
)
@click.option(
    "--dpi",
    default=150,
    show_default=True,
    type=click.IntRange(20, 1200),
    help="Resolution of a PNG.",
)
@click.option(
    "--size",
    callback=_figure_size,
    default="8x5.5",
    show_default=True,
    help="Width x height in inches (HTML: 100 pixels per inch).",
)
def plot(source, x, y, at_items, var, output_path, dpi, size) -> None:
    """Draw a 2-D slice with the paper's boundaries to a PNG, SVG, PDF or HTML file."""
    from explorer.views.plots import save_figure

    output_file(output_path)
    data = _slice_or_fail(source, x, y, at_items, var)
    try:
        path = save_figure(data, output_path, dpi=dpi, size=size)
    except ValueError as err:  # a file type it cannot draw
        raise click.ClickException(str(err)) from None
    click.echo(f"wrote {path} ({data.name} over {x} x {y}, {data.attrs['source']})")


@main.command()
@click.argument("store_url", metavar="STORE")
@click.option("--port", default=5006, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; 0.0.0.0 exposes the app to your network.",
)
@click.option("--show", is_flag=True, help="Open a browser tab.")
def serve(store_url, port, host, show) -> None:
    """Serve an interactive app over a stored sweep."""
    from explorer.engine.files import normalize_url
    from explorer.views.slicing import grid_dims, open_sweep

    store_url = normalize_url(store_url)
    dims = grid_dims(open_sweep(store_url, broadcast=False))
    if len(dims) < 2:
        raise click.ClickException(
            f"{store_url} has one swept dimension ({dims[0]}); the app draws planes of a grid "
            "of at least two: use `explorer slice` or `explorer.open` for this store"
        )
    from explorer.views.app import serve as serve_app

    click.echo(f"serving {store_url} at http://{host}:{port}/ (Ctrl-C stops)")
    serve_app(store_url, port=port, host=host, show=show)


def _sizes(ctx, param, text):
    if text is None:
        return None
    try:
        sizes = tuple(int(float(v)) for v in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 16:
        raise click.BadParameter(
            f"{text!r} is not a list of grid sizes of at least 16 points; write e.g. 1e4,1e6,1e8"
        )
    return tuple(sorted(set(sizes)))


@main.command()
@click.option("--quick", is_flag=True, help="Grid sizes 1e4..1e7 (about a minute).")
@click.option("--sizes", callback=_sizes, help="Grid sizes to run, e.g. 1e4,1e6,1e8.")
@click.option(
    "--workers",
    "worker_text",
    help="Worker counts for the scaling run, e.g. 1,2,4 (default: 1 and all cores).",
)
@click.option("--method", "methods", multiple=True, help="Run only this method (repeatable).")
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "json_path", help="Write the results here.")
@click.option(
    "--plot",
    "plot_path",
    help="Draw the scaling curves to this PNG.",
)
@click.option(
    "--commands/--no-commands",
    default=True,
    help="Also time whole commands (explorer run, explorer solve) in fresh processes.",
)
@click.option(
    "--probit",
    is_flag=True,
    help="Instead: the probit estimator against statsmodels, fits per second.",
)
@click.option(
    "--model",
    "model_name",
    help="Instead: the model's own benchmark (e.g. coalition_mc: a Monte Carlo replicate "
    "against numpy + statsmodels).",
)
def bench(
    quick, sizes, worker_text, methods, repeat, json_path, plot_path, commands, probit, model_name
) -> None:
    """Measure every way to solve a grid, side by side, on this machine.

    The full run (1e4..1e9 points, a few minutes) writes results/bench.json and
    results/bench.png unless --json/--plot say otherwise. With --probit: fits per second
    of the numba probit and of statsmodels on the same datasets (N 1e3..3e4, k 4..20).
    With --model NAME: the model's own benchmark, if it declares one.
    """
    if probit or model_name:
        given = [
            n
            for n, v in (
                ("--sizes", sizes),
                ("--method", methods),
                ("--workers", worker_text),
                ("--plot", plot_path),
            )
            if v
        ]
        if probit and model_name:
            given.append("--model")
        if given:
            flag = "--probit" if probit else "--model"
            raise click.BadParameter(f"{flag} runs its own benchmark; leave out {', '.join(given)}")
        _bench_other(quick, repeat, json_path, model_name)
        return
    from explorer.bench import cases
    from explorer.bench import driver as benchmark

    names = [c.name for c in (cases.FILL, *cases.CASES)]
    unknown = [m for m in methods if m not in names]
    if unknown:
        raise click.BadParameter(
            f"unknown method {unknown[0]!r}; choose from: " + "; ".join(names),
            param_hint="--method",
        )
    try:
        workers = tuple(int(w) for w in worker_text.split(",")) if worker_text else None
    except ValueError:
        workers = None
    if worker_text and (not workers or min(workers) < 1):
        raise click.BadParameter(f"{worker_text!r} is not a list of counts like 1,2,4")
    if json_path:
        output_file(json_path)
    if plot_path:
        output_file(plot_path, (".png",))
    if not quick:
        json_path = json_path or "results/bench.json"
        plot_path = plot_path or "results/bench.png"

    def show(row):
        rate = f"skipped ({row.skipped})" if row.skipped else f"{row.points_per_s:.3g} points/s"
        click.echo(
            f"  {row.method}, {row.points:.0e} points, {row.workers} workers: {rate}", err=True
        )

    report = benchmark.run_bench(
        quick, sizes, workers, repeat, tuple(methods) or None, show, commands
    )
    click.echo(benchmark.format_report(report))
    if json_path:
        click.echo(f"wrote {benchmark.write_json(report, json_path)}")
    if plot_path:
        click.echo(f"wrote {benchmark.plot_scaling(report, plot_path)}")


def _bench_other(quick: bool, repeat: int, json_path: str | None, model_name) -> None:
    """The probit benchmark (no model) or a model's own."""
    import importlib
    import json

    from explorer.bench.probit import format_probit, run_probit_bench

    run, format_report = run_probit_bench, format_probit
    if model_name:
        from explorer.engine.validation import model_named

        try:
            model = model_named(model_name)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--model") from None
        if not model.bench:
            raise click.BadParameter(
                f"the {model.name} model declares no benchmark of its own; "
                "run `explorer bench` (or --probit) instead",
                param_hint="--model",
            )
        module = importlib.import_module(model.bench)
        run, format_report = module.run, module.format_report
    if json_path:
        output_file(json_path)
    try:
        report = run(quick, repeat, show=lambda line: click.echo(line, err=True))
    except RuntimeError as err:
        raise click.ClickException(str(err)) from None
    click.echo(format_report(report))
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=2))
        click.echo(f"wrote {json_path}")


@main.command()
@click.argument("source", metavar="CONFIG|STORE")
@click.option("--json", "json_path", help="Also write the report here.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@scheduler_options
def check(source, json_path, quiet, workers, address, scheduler_file) -> None:
    """Check the model's claims (for the paper's model: Implications 1-5 and Propositions
    1-2) at every point of a sweep.

    Prints points checked, violations and a counterexample per reading, and what the
    model reports beside them (for the paper's model: where Proposition 1 read literally
    errs, by cause, and assumption breaks; for a Monte Carlo: where each hypothesis holds
    along every axis). A complete store is read, not solved again; so is a config's own
    store, once complete.
    """
    import json
    import time

    from explorer.analysis.check import check_plan, check_report, format_check
    from explorer.engine.files import StoreError
    from explorer.engine.plan import make_plan
    from explorer.engine.stored import load_source, names_a_store

    if json_path:
        output_file(json_path)
    scheduler = make_scheduler(workers, address, scheduler_file)
    config = load_source(source)
    plan = make_plan(config)
    stored = None
    if names_a_store(source):
        stored = _complete_store(source, plan)
    elif names_a_store(config.store):
        try:  # a config's own store, complete and made by it, is read like that store
            stored = _complete_store(config.store, plan, config.digest())
        except StoreError:  # not a store: solve
            pass
        if stored is not None:
            click.echo(f"Reading {config.store}, the complete store this config made.", err=True)
    start = time.perf_counter()
    result = check_plan(plan, scheduler, progress=None if quiet else "checking", stored=stored)
    report = check_report(plan, result, time.perf_counter() - start)
    click.echo(format_check(report, plan.model))
    if json_path:
        from pathlib import Path

        Path(json_path).write_text(json.dumps({"source": source, **report}, indent=2))
        click.echo(f"wrote {json_path}")


def _complete_store(url: str, plan, digest: str | None = None):
    """The store at ``url`` if it is complete, holds what checking ``plan`` reads and (with
    ``digest``) was made by that config; else None."""
    from explorer.analysis.check import needed_outputs
    from explorer.views.slicing import open_sweep

    ds = open_sweep(url)
    if not ds.attrs["complete"] or not set(needed_outputs(plan)) <= set(ds.data_vars):
        return None
    return ds if digest is None or ds.attrs.get("config_hash") == digest else None


@main.command()
@click.argument("source", metavar="CONFIG|STORE")
@click.option(
    "-o",
    "--output",
    "folder",
    default="results/analysis",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for report.md, its figures and analysis.json.",
)
@click.option(
    "--shares-points",
    default="16777216",
    show_default=True,
    help="Points drawn for the region shares (e.g. 1e8; streamed, never stored).",
)
@click.option(
    "--shares-method", default="sobol", show_default=True, type=click.Choice(["sobol", "random"])
)
@click.option(
    "--sobol-base",
    default=4096,
    show_default=True,
    type=click.IntRange(min=64),
    help="SALib base sample for the sensitivity indices (a power of two).",
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
@scheduler_options
def analyse(
    source,
    folder,
    shares_points,
    shares_method,
    sobol_base,
    quiet,
    workers,
    address,
    scheduler_file,
) -> None:
    """Write a report: theory checks, region shares with intervals, Sobol' sensitivity."""
    from explorer.analysis.report import analyse as write_report
    from explorer.engine.stored import load_source

    scheduler = make_scheduler(workers, address, scheduler_file)

    try:
        points = int(float(shares_points))
    except ValueError:
        points = 0
    if points < 1024:
        raise click.BadParameter(
            f"{shares_points!r}: give a point count of at least 1024, e.g. 1e7",
            param_hint="--shares-points",
        )
    if sobol_base & (sobol_base - 1):
        raise click.BadParameter(
            f"{sobol_base} is not a power of two (Sobol' designs need one); try "
            f"{1 << (sobol_base.bit_length() - 1)}",
            param_hint="--sobol-base",
        )
    config = load_source(source)
    path = write_report(
        config,
        folder,
        source,
        shares_n=points,
        shares_method=shares_method,
        sobol_n=sobol_base,
        scheduler=scheduler,
        progress=not quiet,
    )
    click.echo(f"wrote {path} (figures and analysis.json beside it)")


@main.group()
def cache() -> None:
    """The compiled kernels kept between runs (in $EXPLORER_CACHE_DIR, else ~/.cache)."""


@cache.command(name="info")
def cache_info() -> None:
    """Where the kernel cache is and what it holds."""
    from kernels import cache as kernel_cache

    found = kernel_cache.describe()
    click.echo(
        f"{found['folder']}: {found['kernels']} kernels, {found['files']} files, "
        f"{found['bytes'] / 2**20:.1f} MiB"
    )


@cache.command(name="clear")
def cache_clear() -> None:
    """Remove every compiled kernel (the next run compiles them again)."""
    from kernels import cache as kernel_cache

    removed = kernel_cache.clear()
    click.echo(f"removed {removed} files from {kernel_cache.cache_root()}")


# The empirical half's commands use the helpers above.
from explorer.empirics.cli import empirics  # noqa: E402

main.add_command(empirics)
