"""Bad inputs a user can give, as data: each case is a command line with the files it
needs, and the words its one-line error must contain (the bad value, and the fix).

``{d}`` in arguments and words stands for the case's own folder. Setups build files there
from the templates (a finished grid store, a one-dimensional store) before the command
runs; the test hashes the folder before and after.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from explorer.models.coalition.presets import FIGURE2
from explorer.models.coalition_mc import PILOT

GOOD = {
    "game": "revisionist",
    "fixed": {**FIGURE2, "q": 0.5},
    "axes": {"theta": {"linspace": [0.1, 0.9, 5]}, "beta": {"linspace": [0.0, 1.0, 5]}},
    "outputs": ["outcome", "flags", "beta_lp"],
    "chunk_points": 10,
}
DROP = object()


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    words: tuple[str, ...]
    setup: tuple[Callable[[Path, dict], None], ...] = ()

    @property
    def input(self) -> tuple:
        """What the user gave: the command line and the files it met."""
        return self.argv, tuple(s.label for s in self.setup)


def cfg(changes: dict | None = None, **top) -> dict:
    """GOOD with ``changes`` ({"a.b": value}, DROP removes) and top-level keys replaced."""
    raw = copy.deepcopy(GOOD)
    raw.update(top)
    for path, value in (changes or {}).items():
        *parents, last = path.split(".")
        node = raw
        for key in parents:
            node = node.setdefault(key, {})
        if value is DROP:
            node.pop(last, None)
        else:
            node[last] = value
    return {k: v for k, v in raw.items() if v is not DROP}


def sampled(**sample) -> dict:
    """GOOD as a Sobol' sample of theta (beta fixed), with ``sample`` keys replaced."""
    design = {"method": "sobol", "n": 8, "bounds": {"theta": [0.1, 0.9]}, **sample}
    return cfg({"fixed.beta": 0.5}, axes={}, sample=design)


# ---- setups ---------------------------------------------------------------------------


def toml(content, name: str = "c.toml"):
    def setup(folder: Path, templates: dict) -> None:
        path = folder / name
        if isinstance(content, dict):
            path.write_text(tomli_w.dumps(content))
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)

    setup.label = f"toml({content!r}, {name})"
    return setup


def store(kind: str = "grid", name: str = "s.zarr"):
    def setup(folder: Path, templates: dict) -> None:
        shutil.copytree(templates[kind], folder / name)

    setup.label = f"store({kind}, {name})"
    return setup


def damage(how: str, name: str = "s.zarr"):
    """Break one part of a copied store the way a crash, a full disk or a hand edit might."""

    def setup(folder: Path, templates: dict) -> None:
        root = folder / name
        chunk = next(p for p in sorted((root / "outcome" / "c").rglob("*")) if p.is_file())
        if how == "empty root":
            (root / "zarr.json").write_text("")
        elif how == "truncated root":
            text = (root / "zarr.json").read_text()
            (root / "zarr.json").write_text(text[: len(text) // 2])
        elif how == "garbage root":
            (root / "zarr.json").write_bytes(b"\x89\xff not json")
        elif how == "root without attributes":
            (root / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group"}))
        elif how == "truncated chunk":
            chunk.write_bytes(chunk.read_bytes()[:7])
        elif how == "deleted chunk":
            chunk.unlink()
        elif how == "garbage chunk":
            chunk.write_bytes(b"\x00" * chunk.stat().st_size)
        elif how == "array metadata":
            (root / "outcome" / "zarr.json").write_text("{")
        else:
            raise ValueError(how)

    setup.label = f"damage({how}, {name})"
    return setup


def foreign_zarr(name: str = "s.zarr", attributes: dict | None = None):
    """A user's folder: their own file and a minimal zarr group of theirs."""

    def setup(folder: Path, templates: dict) -> None:
        root = folder / name
        root.mkdir()
        (root / "thesis.tex").write_text("years of work")
        meta = {"zarr_format": 3, "node_type": "group", "attributes": attributes or {}}
        (root / "zarr.json").write_text(json.dumps(meta))

    setup.label = f"foreign_zarr({name}, {attributes})"
    return setup


def user_dir(name: str = "s.zarr"):
    def setup(folder: Path, templates: dict) -> None:
        (folder / name).mkdir()
        (folder / name / "notes.txt").write_text("mine")

    setup.label = f"user_dir({name})"
    return setup


def user_file(name: str, text: str = "mine"):
    def setup(folder: Path, templates: dict) -> None:
        (folder / name).write_text(text)

    setup.label = f"user_file({name}, {text})"
    return setup


# ---- the cases ------------------------------------------------------------------------

# Templates the setups copy (built once by the test): a theta x beta grid of GOOD, the same
# with q swept too, and a sweep of theta alone.
TEMPLATES = {
    "grid": GOOD,
    "wide": cfg({"fixed.q": DROP, "axes.q": {"values": [0.2, 0.5, 0.8]}}),
    "line": cfg({"axes.beta": DROP, "fixed.beta": 0.5}),
}

RUN = ("run", "{d}/c.toml", "--store", "{d}/s.zarr", "--quiet", "--no-plot")


def config_case(id, raw, *words, setup=()):
    return Case(f"config: {id}", RUN, words, (toml(raw), *setup))


MONTE_CARLO = {
    "model": "coalition_mc",
    "fixed": {k: v for k, v in PILOT.items() if k != "kappa"},
    "axes": {"kappa": {"values": [0.5, 1.0]}},
}
CONFIG_CASES = [
    config_case("not UTF-8", b'game = "revisionist"\n# caf\xe9\n', "not UTF-8", "save the file"),
    config_case("TOML syntax", 'game = "revisionist"\n[fixed\n', "not valid TOML", "fix"),
    config_case("duplicate key", 'game = "a"\ngame = "b"\n', "not valid TOML", "fix"),
    config_case("empty file", "", "nothing is swept", "add"),
    config_case("unknown top-level key", cfg(colour="red"), "'colour'", "remove it"),
    config_case(
        "unknown axis key",
        cfg({"axes.theta": {"linspac": [0.1, 0.9, 5]}}),
        "linspac",
        "remove it",
    ),
    config_case("unknown game", cfg(game="revisionst"), "'revisionst'", "choose one of"),
    config_case("unknown rho form", cfg(rho_form="cubic"), "'cubic'", "choose one of"),
    config_case("unknown model", cfg(model="chess"), "'chess'", "choose one of"),
    config_case(
        "a count that is not whole",
        {**MONTE_CARLO, "fixed": {**MONTE_CARLO["fixed"], "leaders": 10.5}},
        "fixed.leaders",
        "10.5 is not a whole number",
        "use a whole number in [2, 100000]",
    ),
    config_case("outputs = []", cfg(outputs=[]), "outputs = []", "name at least one"),
    config_case("unknown output", cfg(outputs=["welfare"]), "'welfare'", "choose one of"),
    config_case("outputs a string", cfg(outputs="outcome"), "outputs", "list"),
    config_case("rho out of domain", cfg({"fixed.rho": 2.0}), "fixed.rho", "2.0", "use values in"),
    config_case("alpha = 1", cfg({"fixed.alpha": 1.0}), "fixed.alpha", "1.0", "use values in"),
    config_case("negative cost", cfg({"fixed.c_l": -0.1}), "fixed.c_l", "-0.1", "use values in"),
    config_case("text as a number", cfg({"fixed.c_p": "high"}), "fixed.c_p", "'high'", "number"),
    config_case("fixed nan", cfg({"fixed.q": float("nan")}), "fixed.q", "nan", "finite"),
    config_case("fixed inf", cfg({"fixed.c_p": float("inf")}), "fixed.c_p", "inf", "finite"),
    config_case(
        "both fixed and swept",
        cfg({"fixed.theta": 0.5}),
        "theta is both fixed and swept",
        "remove it",
    ),
    config_case(
        "missing parameter",
        cfg({"fixed.c_p": DROP}),
        "missing parameter(s) ['c_p']",
        "add each under [fixed]",
    ),
    config_case(
        "parameter of the other game",
        cfg(game="status_quo"),
        "fixed.q",
        "plays no role",
        "takes",
    ),
    config_case("unknown parameter", cfg({"fixed.gamma": 0.3}), "gamma", "unknown parameter"),
    config_case(
        "unknown swept parameter",
        cfg({"axes.gamma": {"values": [0.1]}}),
        "gamma",
        "unknown parameter",
    ),
    config_case(
        "two kinds of axis",
        cfg({"axes.theta": {"linspace": [0.1, 0.9, 5], "values": [0.2]}}),
        "axes.theta",
        "exactly one of",
    ),
    config_case("axis with no kind", cfg({"axes.theta": {}}), "axes.theta", "exactly one of"),
    config_case(
        "linspace count 0",
        cfg({"axes.theta": {"linspace": [0.1, 0.9, 0]}}),
        "axes.theta.linspace.2",
        "0",
        "larger",
    ),
    config_case(
        "linspace count negative",
        cfg({"axes.theta": {"linspace": [0.1, 0.9, -5]}}),
        "axes.theta.linspace.2",
        "-5",
        "larger",
    ),
    config_case(
        "linspace count fractional",
        cfg({"axes.theta": {"linspace": [0.1, 0.9, 2.5]}}),
        "axes.theta.linspace.2",
        "2.5",
        "whole number",
    ),
    config_case(
        "linspace of two numbers",
        cfg({"axes.theta": {"linspace": [0.1, 0.9]}}),
        "axes.theta.linspace.2",
        "add it",
    ),
    config_case(
        "linspace ending at alpha = 1",
        cfg({"fixed.alpha": DROP, "axes.alpha": {"linspace": [0.5, 1.0, 6]}}),
        "axes.alpha",
        "1.0",
        "use values in",
    ),
    config_case(
        "linspace to inf",
        cfg({"axes.beta": {"linspace": [0.0, float("inf"), 50]}}),
        "axes.beta.linspace.1",
        "inf",
        "finite",
    ),
    config_case(
        "values with nan",
        cfg({"axes.beta": {"values": [0.1, float("nan")]}}),
        "axes.beta.values.1",
        "nan",
        "finite",
    ),
    config_case(
        "values with inf",
        cfg({"axes.beta": {"values": [0.1, float("inf")]}}),
        "axes.beta.values.1",
        "inf",
        "finite",
    ),
    config_case("values empty", cfg({"axes.beta": {"values": []}}), "axes.beta is empty", "give"),
    config_case(
        "values decreasing",
        cfg({"axes.beta": {"values": [0.5, 0.2]}}),
        "axes.beta",
        "not strictly increasing",
        "sort",
    ),
    config_case(
        "values repeated",
        cfg({"axes.beta": {"values": [0.2, 0.2]}}),
        "axes.beta",
        "not strictly increasing",
        "drop repeats",
    ),
    config_case(
        "linspace decreasing",
        cfg({"axes.beta": {"linspace": [0.9, 0.1, 5]}}),
        "axes.beta",
        "not strictly increasing",
    ),
    config_case(
        "values out of domain",
        cfg({"axes.beta": {"values": [0.5, 1.5]}}),
        "axes.beta",
        "1.5",
        "use values in",
    ),
    config_case(
        "logspace from 0",
        cfg({"axes.c_p": {"logspace": [0.0, 1.0, 5]}, "fixed.c_p": DROP}),
        "axes.c_p",
        "logspace needs positive",
        "give",
    ),
    config_case(
        "logspace negative",
        cfg({"axes.c_p": {"logspace": [-1.0, 1.0, 5]}, "fixed.c_p": DROP}),
        "axes.c_p",
        "-1.0",
        "positive",
    ),
    config_case(
        "huge count (745 GiB if allocated)",
        cfg({"axes.theta": {"linspace": [0.1, 0.9, 100_000_000_000]}}),
        "axes.theta",
        "1e+11",
        "give fewer values",
    ),
    config_case(
        "grid over max_points",
        cfg({"axes.theta": {"linspace": [0.1, 0.9, 50_000]}, "max_points": 1000}),
        "2.5e+05 points",
        "allow_large = true",
    ),
    config_case(
        "grid over the default limit",
        cfg(
            {
                "axes.theta": {"linspace": [0.1, 0.9, 90_000_000]},
                "axes.beta": {"linspace": [0.0, 1.0, 50]},
            }
        ),
        "4.5e+09",
        "allow_large",
    ),
    config_case("chunk_points 0", cfg(chunk_points=0), "chunk_points", "0", "larger"),
    config_case("chunk_mib negative", cfg(chunk_mib=-1.0), "chunk_mib", "-1.0", "larger"),
    config_case("unknown codec", cfg(codec="gzip"), "codec", "'gzip'", "one of the values"),
    config_case("unknown chunk layout", cfg(chunk_layout="cols"), "chunk_layout", "'cols'"),
    config_case("store empty", cfg(store=""), "store = ''", "give a folder"),
    config_case("store unknown protocol", cfg(store="foo://bar"), "'foo'", "give a local path"),
    config_case(
        "axes and sample",
        cfg(sample={"method": "sobol", "n": 8, "bounds": {"theta": [0.1, 0.9]}}),
        "both [axes] and [sample]",
        "keep one",
    ),
    config_case("nothing swept", cfg(axes={}), "nothing is swept", "add at least one"),
    config_case(
        "sample method",
        sampled(method="grid"),
        "sample.method",
        "'grid'",
        "one of the values",
    ),
    config_case(
        "sample n = 0",
        sampled(n=0),
        "sample.n",
        "0",
        "larger",
    ),
    config_case(
        "sample seed negative",
        sampled(method="uniform", seed=-1),
        "sample.seed",
        "-1",
        "larger",
    ),
    config_case(
        "sample bounds empty",
        sampled(bounds={"theta": [0.9, 0.1]}),
        "sample.bounds.theta",
        "is empty",
        "low < high",
    ),
    config_case(
        "sample bounds out of domain",
        sampled(bounds={"theta": [0.1, 1.5]}),
        "sample.bounds.theta",
        "1.5",
        "use values in",
    ),
    config_case(
        "sample bounds of one number",
        sampled(bounds={"theta": [0.1]}),
        "sample.bounds.theta.1",
        "add it",
    ),
    config_case(
        "distribution unknown",
        sampled(distributions={"theta": {"name": "gauss"}}),
        "'gauss'",
        "use e.g.",
    ),
    config_case(
        "distribution args",
        sampled(distributions={"theta": {"name": "beta", "args": [-2, 5]}}),
        "[-2.0, 5.0]",
        "beta",
    ),
    config_case(
        "distribution off [0, 1]",
        sampled(distributions={"theta": {"name": "norm"}}),
        "norm",
        "use one on [0, 1]",
    ),
    config_case(
        "distribution without bounds",
        sampled(distributions={"alpha": {"name": "beta", "args": [2, 5]}}),
        "sample.distributions.alpha",
        "add bounds",
    ),
    config_case("max_points 0", cfg(max_points=0), "max_points", "0", "larger"),
    config_case("description a number", cfg(description=5), "description", "5", "quoted string"),
    config_case("fixed a list", cfg(fixed=[0.5]), "fixed", "table"),
    config_case("axis a number", cfg({"axes.theta": 0.5}), "axes.theta", "0.5", "table"),
    config_case(
        "linspace with text",
        cfg({"axes.theta": {"linspace": [0.1, "x", 5]}}),
        "axes.theta.linspace.1",
        "'x'",
        "number",
    ),
    config_case("allow_large text", cfg(allow_large="maybe"), "allow_large", "'maybe'", "true or"),
]

CLI_CASES = [
    # solve
    Case("solve: no =", ("solve", "theta"), ("'theta'", "NAME=VALUES", "write e.g.")),
    Case("solve: bad range", ("solve", "theta=0.1:x"), ("'0.1:x'", "start:stop:count")),
    Case("solve: range count 0", ("solve", "theta=0.1:0.9:0"), ("'0.1:0.9:0'", "count at least 1")),
    Case("solve: empty value", ("solve", "theta="), ("theta=''", "write e.g.")),
    Case("solve: no name", ("solve", "=0.3"), ("'=0.3'", "NAME=VALUES")),
    Case("solve: out of domain", ("solve", "alpha=1.5"), ("alpha = 1.5", "(0, 1)", "use values")),
    Case("solve: nan", ("solve", "theta=nan"), ("theta = nan", "use values")),
    Case("solve: inf", ("solve", "c_p=inf"), ("c_p = inf", "use values")),
    Case("solve: unknown parameter", ("solve", "gamma=0.3"), ("'gamma'", "takes")),
    Case("solve: typo parameter", ("solve", "thetta=0.3"), ("'thetta'", "did you mean 'theta'")),
    Case("solve: unknown game", ("solve", "--game", "chess"), ("'chess'", "revisionist")),
    Case("solve: unknown rho form", ("solve", "--rho-form", "cubic"), ("'cubic'", "choose one of")),
    Case("solve: revisionist without q", ("solve", "--game", "revisionist"), ("['q']", "give")),
    Case("solve: q in status quo", ("solve", "q=0.3"), ("'q'", "plays no role", "remove it")),
    Case(
        "solve: too many points",
        ("solve", "theta=0.01:0.99:100", "beta=0:1:100"),
        ("10000 points", "use fewer values"),
    ),
    Case("solve: unknown option", ("solve", "--colour", "red"), ("--colour", "--help")),
    # run: arguments
    Case("run: missing config", ("run", "{d}/none.toml"), ("none.toml", "does not exist", "give")),
    Case(
        "run: config is a user's folder",
        ("run", "{d}/cfg.toml"),
        ("cfg.toml is not a sweep store", "give the path"),
        (user_dir("cfg.toml"),),
    ),
    Case(
        "run: resume and overwrite",
        (*RUN, "--resume", "--overwrite"),
        ("--resume or --overwrite, not both",),
        (toml(GOOD),),
    ),
    Case(
        "run: verify without resume",
        (*RUN, "--verify"),
        ("--verify goes with --resume",),
        (toml(GOOD),),
    ),
    Case("run: workers 0", (*RUN, "--workers", "0"), ("'--workers'", "0", "range"), (toml(GOOD),)),
    Case("run: workers text", (*RUN, "--workers", "two"), ("'two'", "integer"), (toml(GOOD),)),
    Case("run: unknown option", (*RUN, "--fast"), ("--fast", "--help"), (toml(GOOD),)),
    Case(
        "run: scheduler not an address",
        (*RUN, "--scheduler", "not an address"),
        ("'not an address'", "tcp://HOST:PORT"),
        (toml(GOOD),),
    ),
    Case(
        "run: scheduler unreachable",
        (*RUN, "--scheduler", "tcp://127.0.0.1:9"),
        ("cannot reach", "tcp://127.0.0.1:9", "start it"),
        (toml(GOOD),),
    ),
    Case(
        "run: scheduler unknown scheme",
        (*RUN, "--scheduler", "foo://x:1"),
        ("foo://x:1", "tcp://HOST:PORT"),
        (toml(GOOD),),
    ),
    Case(
        "run: scheduler and scheduler file",
        (*RUN, "--scheduler", "tcp://a:1", "--scheduler-file", "{d}/c.toml"),
        ("not both",),
        (toml(GOOD),),
    ),
    Case(
        "run: scheduler file missing",
        (*RUN, "--scheduler-file", "{d}/none.json"),
        ("none.json", "does not exist"),
        (toml(GOOD),),
    ),
    Case(
        "run: scheduler file garbage",
        (*RUN, "--scheduler-file", "{d}/sched.json"),
        ("sched.json", "not a dask scheduler file", "give the file"),
        (toml(GOOD), user_file("sched.json", "garbage")),
    ),
    Case(
        "run: empty --store",
        ("run", "{d}/c.toml", "--store", "", "--quiet"),
        ("store path is empty", "give a folder"),
        (toml(GOOD),),
    ),
    Case(
        "run: --store unknown protocol",
        ("run", "{d}/c.toml", "--store", "foo://bar", "--quiet"),
        ("'foo'", "give a local path"),
        (toml(GOOD),),
    ),
    Case(
        "run: --store under a file",
        ("run", "{d}/c.toml", "--store", "{d}/file/s.zarr", "--quiet"),
        ("{d}/file/s.zarr", "writable --store"),
        (toml(GOOD), user_file("file")),
    ),
    Case(
        "run: --store is a file",
        ("run", "{d}/c.toml", "--store", "{d}/data.csv", "--quiet"),
        ("{d}/data.csv", "explorer did not write", "new --store"),
        (toml(GOOD), user_file("data.csv")),
    ),
    Case(
        "run: --store a user's folder",
        RUN,
        ("{d}/s.zarr", "explorer did not write", "new --store"),
        (toml(GOOD), user_dir()),
    ),
    Case(
        "run: --overwrite a user's folder",
        (*RUN, "--overwrite"),
        ("{d}/s.zarr", "explorer did not write", "new --store"),
        (toml(GOOD), user_dir()),
    ),
    Case(
        "run: --resume a user's zarr group",
        (*RUN, "--resume"),
        ("{d}/s.zarr", "explorer did not write", "new --store"),
        (toml(GOOD), foreign_zarr()),
    ),
    Case(
        "run: --overwrite a user's zarr group",
        (*RUN, "--overwrite"),
        ("{d}/s.zarr", "explorer did not write", "new --store"),
        (toml(GOOD), foreign_zarr()),
    ),
    Case(
        "run: --resume a user's group marked as creating",
        (*RUN, "--resume"),
        ("{d}/s.zarr", "explorer did not write", "new --store"),
        (toml(GOOD), foreign_zarr(attributes={"explorer_creating": True})),
    ),
    Case(
        "run: --overwrite a user's group with a config hash",
        (*RUN, "--overwrite"),
        ("{d}/s.zarr", "explorer did not write", "new --store"),
        (toml(GOOD), foreign_zarr(attributes={"config_hash": "x"})),
    ),
    Case(
        "run: existing store, no flag",
        RUN,
        ("{d}/s.zarr already exists", "--resume", "--overwrite"),
        (toml(GOOD), store()),
    ),
    Case(
        "run: resume with another config",
        (*RUN, "--resume"),
        ("different config", "resume with the config that made it"),
        (toml(cfg({"fixed.c_l": 0.2})), store()),
    ),
    Case(
        "run: resume a store whose zarr.json is empty",
        (*RUN, "--resume"),
        ("zarr.json is damaged", "empty", "--overwrite"),
        (toml(GOOD), store(), damage("empty root")),
    ),
    Case(
        "run: resume a store whose array metadata is damaged",
        (*RUN, "--resume"),
        ("outcome/zarr.json is damaged", "--overwrite"),
        (toml(GOOD), store(), damage("array metadata")),
    ),
    Case(
        "run: a store as CONFIG that is not one",
        ("run", "{d}/s.zarr", "--resume"),
        ("{d}/s.zarr is not a sweep store", "give the path"),
        (user_dir(),),
    ),
    Case(
        "run: a damaged store as CONFIG",
        ("run", "{d}/s.zarr", "--resume"),
        ("zarr.json is damaged", "--overwrite"),
        (store(), damage("truncated root")),
    ),
]

STORE_STATES = [
    ("missing", (), ("{d}/s.zarr", "give the path")),
    ("a user's folder", (user_dir(),), ("not a sweep store made by explorer", "give the path")),
    ("a user's zarr group", (foreign_zarr(),), ("not a sweep store made by explorer",)),
    ("a file", (user_file("s.zarr"),), ("not a sweep store made by explorer",)),
    (
        "empty zarr.json",
        (store(), damage("empty root")),
        ("zarr.json is damaged", "empty", "--overwrite"),
    ),
    (
        "truncated zarr.json",
        (store(), damage("truncated root")),
        ("zarr.json is damaged", "--overwrite"),
    ),
    (
        "garbage zarr.json",
        (store(), damage("garbage root")),
        ("zarr.json is damaged", "--overwrite"),
    ),
    (
        "zarr.json without attributes",
        (store(), damage("root without attributes")),
        ("zarr.json is damaged", "--overwrite"),
    ),
]
PLANE = ("--x", "theta", "--y", "beta")
STORE_COMMANDS = {
    "info": ("info", "{d}/s.zarr"),
    "verify": ("verify", "{d}/s.zarr"),
    "slice": ("slice", "{d}/s.zarr", *PLANE),
    "plot": ("plot", "{d}/s.zarr", *PLANE, "-o", "{d}/f.png"),
    "serve": ("serve", "{d}/s.zarr", "--port", "1"),
    "check": ("check", "{d}/s.zarr"),
}
# `check` takes a config file too: a file that is not a store is read as one.
STORE_WORDS = {("a file", "check"): ("{d}/s.zarr", "not valid TOML", "fix the syntax")}
STORE_CASES = [
    Case(f"{command}: {state}", argv, STORE_WORDS.get((state, command), words), setup)
    for state, setup, words in STORE_STATES
    for command, argv in STORE_COMMANDS.items()
]

SLICE_CASES = [
    Case(
        "slice: config missing", ("slice", "{d}/none.toml", *PLANE), ("none.toml", "does not exist")
    ),
    Case(
        "slice: config malformed",
        ("slice", "{d}/c.toml", *PLANE),
        ("not valid TOML", "fix the syntax"),
        (toml("game = \n"),),
    ),
    Case(
        "slice: config out of domain",
        ("slice", "{d}/c.toml", *PLANE),
        ("fixed.rho", "2.0", "use values in"),
        (toml(cfg({"fixed.rho": 2.0})),),
    ),
    Case(
        "slice: config not UTF-8",
        ("slice", "{d}/c.toml", *PLANE),
        ("not UTF-8", "save the file"),
        (toml(b"\xff\xfe"),),
    ),
    Case(
        "slice: sampled config",
        ("slice", "{d}/c.toml", *PLANE),
        ("sampled sweep has no grid", "run it"),
        (
            toml(
                cfg(
                    axes={},
                    sample={
                        "method": "sobol",
                        "n": 8,
                        "bounds": {"theta": [0.1, 0.9], "beta": [0.0, 1.0]},
                    },
                )
            ),
        ),
    ),
    Case(
        "slice: unknown x",
        ("slice", "{d}/s.zarr", "--x", "gamma", "--y", "beta"),
        ("x = 'gamma'", "choose from"),
        (store(),),
    ),
    Case(
        "slice: x equals y",
        ("slice", "{d}/s.zarr", "--x", "beta", "--y", "beta"),
        ("both 'beta'", "choose two"),
        (store(),),
    ),
    Case(
        "slice: unknown output",
        ("slice", "{d}/s.zarr", *PLANE, "--var", "welfare"),
        ("'welfare'", "choose one of"),
        (store(),),
    ),
    Case(
        "slice: at without =",
        ("slice", "{d}/s.zarr", *PLANE, "--at", "alpha"),
        ("'alpha'", "NAME=NUMBER", "write e.g."),
        (store(),),
    ),
    Case(
        "slice: at not a number",
        ("slice", "{d}/s.zarr", *PLANE, "--at", "alpha=high"),
        ("'alpha=high'", "write e.g."),
        (store(),),
    ),
    Case(
        "slice: at unknown name",
        ("slice", "{d}/s.zarr", *PLANE, "--at", "gamma=0.3"),
        ("'gamma'", "choose from"),
        (store(),),
    ),
    Case(
        "slice: at out of domain",
        ("slice", "{d}/s.zarr", *PLANE, "--at", "alpha=1.5"),
        ("alpha = 1.5", "use values"),
        (store(),),
    ),
    Case(
        "slice: at nan",
        ("slice", "{d}/s.zarr", *PLANE, "--at", "alpha=nan"),
        ("alpha = nan", "use values"),
        (store(),),
    ),
    Case(
        "slice: missing at",
        ("slice", "{d}/s.zarr", *PLANE),
        ("give a value for every other swept dimension", "q in"),
        (store("wide"),),
    ),
    Case(
        "slice: csv into a missing folder",
        ("slice", "{d}/s.zarr", *PLANE, "--csv", "{d}/out/plane.csv"),
        ("{d}/out does not exist", "create it"),
        (store(),),
    ),
    Case(
        "slice: csv onto a folder",
        ("slice", "{d}/s.zarr", *PLANE, "--csv", "{d}/here"),
        ("is a folder", "give a file name"),
        (store(), user_dir("here")),
    ),
    Case(
        "slice: a truncated chunk",
        ("slice", "{d}/s.zarr", *PLANE),
        ("is damaged", "outcome/c/", "bytes", "--resume --verify"),
        (store(), damage("truncated chunk")),
    ),
    Case(
        "slice: a deleted chunk",
        ("slice", "{d}/s.zarr", *PLANE),
        ("is damaged", "outcome/c/", "missing", "--resume --verify"),
        (store(), damage("deleted chunk")),
    ),
    Case(
        "slice: a chunk of garbage",
        ("slice", "{d}/s.zarr", *PLANE),
        ("is damaged", "outcome/c/", "--resume --verify"),
        (store(), damage("garbage chunk")),
    ),
    Case(
        "plot: a truncated chunk",
        ("plot", "{d}/s.zarr", *PLANE, "-o", "{d}/f.png"),
        ("is damaged", "outcome/c/", "--resume --verify"),
        (store(), damage("truncated chunk")),
    ),
    Case(
        "plot: unknown file type",
        ("plot", "{d}/s.zarr", *PLANE, "-o", "{d}/f.jpg"),
        ("'f.jpg'", ".png, .svg, .pdf, .html"),
        (store(),),
    ),
    Case(
        "plot: a size that is no size",
        ("plot", "{d}/s.zarr", *PLANE, "-o", "{d}/f.png", "--size", "8by5"),
        ("'8by5'", "WIDTHxHEIGHT", "e.g. 8x5.5"),
        (store(),),
    ),
    Case(
        "plot: a size too large to draw",
        ("plot", "{d}/s.zarr", *PLANE, "-o", "{d}/f.png", "--size", "80x5"),
        ("'80x5'", "each 1 to 50"),
        (store(),),
    ),
    Case(
        "plot: a dpi out of range",
        ("plot", "{d}/s.zarr", *PLANE, "-o", "{d}/f.png", "--dpi", "5"),
        ("5", "20<=x<=1200"),
        (store(),),
    ),
    Case(
        "plot: into a missing folder",
        ("plot", "{d}/s.zarr", *PLANE, "-o", "{d}/figs/f.png"),
        ("{d}/figs does not exist", "create it"),
        (store(),),
    ),
    Case(
        "plot: unknown output",
        ("plot", "{d}/s.zarr", *PLANE, "--var", "x", "-o", "{d}/f.png"),
        ("'x'", "choose one of"),
        (store(),),
    ),
    Case(
        "serve: one swept dimension",
        ("serve", "{d}/s.zarr", "--port", "1"),
        ("one swept dimension (theta)", "explorer slice"),
        (store("line"),),
    ),
    Case(
        "serve: port 0",
        ("serve", "{d}/s.zarr", "--port", "0"),
        ("'--port'", "0", "range"),
        (store(),),
    ),
    Case(
        "serve: port text",
        ("serve", "{d}/s.zarr", "--port", "http"),
        ("'http'", "integer"),
        (store(),),
    ),
    Case(
        "check: a user's data folder",
        ("check", "{d}/data"),
        ("{d}/data is not a sweep store", "give the path"),
        (user_dir("data"),),
    ),
    Case("check: missing config", ("check", "{d}/none.toml"), ("none.toml", "does not exist")),
    Case(
        "check: config out of domain",
        ("check", "{d}/c.toml"),
        ("fixed.rho", "use values in"),
        (toml(cfg({"fixed.rho": 2.0})),),
    ),
    Case(
        "check: json into a missing folder",
        ("check", "{d}/c.toml", "--json", "{d}/out/r.json"),
        ("{d}/out does not exist", "create it"),
        (toml(GOOD),),
    ),
    Case(
        "check: unreachable scheduler",
        ("check", "{d}/c.toml", "--scheduler", "tcp://127.0.0.1:9"),
        ("cannot reach", "start it"),
        (toml(GOOD),),
    ),
    Case(
        "analyse: points text",
        ("analyse", "{d}/c.toml", "--shares-points", "lots"),
        ("'lots'", "give a point count"),
        (toml(GOOD),),
    ),
    Case(
        "analyse: too few points",
        ("analyse", "{d}/c.toml", "--shares-points", "10"),
        ("'10'", "at least 1024"),
        (toml(GOOD),),
    ),
    Case(
        "analyse: sobol base",
        ("analyse", "{d}/c.toml", "--sobol-base", "1000"),
        ("1000", "power of two", "try 512"),
        (toml(GOOD),),
    ),
    Case("analyse: missing config", ("analyse", "{d}/none.toml"), ("none.toml", "does not exist")),
    Case(
        "analyse: unknown method",
        ("analyse", "{d}/c.toml", "--shares-method", "grid"),
        ("'grid'", "sobol"),
    ),
    Case(
        "bench: unknown method",
        ("bench", "--quick", "--method", "fortran"),
        ("'fortran'", "choose from"),
    ),
    Case("bench: sizes too small", ("bench", "--quick", "--sizes", "5"), ("'5'", "at least 16")),
    Case(
        "bench: workers text",
        ("bench", "--quick", "--workers", "1,x"),
        ("'1,x'", "counts like 1,2,4"),
    ),
    Case("bench: plot type", ("bench", "--quick", "--plot", "{d}/b.svg"), ("b.svg", ".png")),
    Case(
        "bench: json into a missing folder",
        ("bench", "--quick", "--json", "{d}/no/b.json"),
        ("{d}/no does not exist", "create it"),
    ),
    Case("unknown command", ("sweep", "c.toml"), ("'sweep'", "--help")),
]

# The empirical half: a researcher's data file and covariance, the published tables' names.
DATA = "leader,js,pd,coalition\n1,0.2,0.5,0\n1,0.4,1.5,1\n2,0.9,0.1,0\n2,0.1,1.9,1\n"
FIT = ("empirics", "fit", "{d}/d.csv", "--y", "coalition", "--x", "js,pd", "--cluster", "leader")


def data_case(id, text, *words, argv=FIT, name="d.csv"):
    return Case(f"empirics: {id}", argv, words, (user_file(name, text),))


NOT_PSD = json.dumps({"terms": ["job_security", "js_x_pd"], "matrix": [[1, 2], [2, 1]]})
EMPIRICS_CASES = [
    data_case(
        "missing column",
        DATA.replace("pd,", "pref,"),
        "covariate column 'pd'",
        "check the spelling",
    ),
    data_case(
        "missing outcome",
        DATA,
        "outcome column 'coalitoin'",
        "check the spelling",
        argv=(*FIT[:4], "coalitoin", *FIT[5:]),
    ),
    data_case(
        "non-binary outcome",
        DATA.replace("1.5,1", "1.5,2"),
        "'coalition' takes the value 2",
        "recode it",
    ),
    data_case(
        "outcome always 0",
        DATA.replace("1.5,1", "1.5,0").replace("1.9,1", "1.9,0"),
        "always 0",
        "both 0s and 1s",
    ),
    data_case(
        "NaN in the design",
        DATA.replace("0.4,1.5", "0.4,"),
        "1 rows have missing values (in pd)",
        "dropna",
    ),
    data_case(
        "text covariate",
        DATA.replace("0.9,0.1", "high,0.1"),
        "'js' is not numeric",
        "encode it as numbers",
    ),
    data_case(
        "one cluster",
        DATA.replace("\n2,", "\n1,"),
        "cluster column 'leader' has one group",
        "cluster by another column",
    ),
    data_case(
        "no covariates", DATA, "'' names no columns", "--x a,b,c", argv=(*FIT[:6], "", *FIT[7:])
    ),
    data_case(
        "covariate is the outcome",
        DATA,
        "includes the outcome 'coalition'",
        argv=(*FIT[:6], "js,coalition", *FIT[7:]),
    ),
    data_case(
        "unreadable extension",
        DATA,
        "'{d}/d.xlsx'",
        "give a .csv or Stata .dta",
        argv=("empirics", "fit", "{d}/d.xlsx", *FIT[3:]),
        name="d.xlsx",
    ),
    data_case(
        "not a Stata file",
        DATA,
        "'{d}/d.dta'",
        "check that the file is what its name says",
        argv=("empirics", "fit", "{d}/d.dta", *FIT[3:]),
        name="d.dta",
    ),
    Case("empirics: missing data file", FIT, ("'{d}/d.csv' does not exist", "check the path")),
    Case(
        "empirics: unknown table model",
        ("empirics", "tables", "--model", "table3.model1"),
        ("'table3.model1'", "choose one of", "table2.model1"),
    ),
    Case(
        "empirics: margins of a Table 1 model",
        ("empirics", "margins", "--model", "table1.model1", "-o", "{d}/f.png"),
        ("table1.model1 has no interaction term", "table2.model1"),
    ),
    Case(
        "empirics: unknown covariance",
        ("empirics", "margins", "--cov", "clustered"),
        ("'clustered'", "independent"),
    ),
    Case(
        "empirics: cov file without a file",
        ("empirics", "predict", "--cov", "file", "-o", "{d}/f.png"),
        ("--cov-file PATH",),
    ),
    Case(
        "empirics: missing cov file",
        ("empirics", "margins", "--cov", "file", "--cov-file", "{d}/v.json", "-o", "{d}/f.png"),
        ("'{d}/v.json' does not exist",),
    ),
    Case(
        "empirics: covariance not PSD",
        (
            "empirics",
            "margins",
            "--cov",
            "file",
            "--cov-file",
            "{d}/v.json",
            "--effect-of",
            "job_security",
            "-o",
            "{d}/f.png",
        ),
        ("not positive semi-definite", "estimated V"),
        (user_file("v.json", NOT_PSD),),
    ),
    Case(
        "empirics: covariance lacks a term",
        ("empirics", "margins", "--cov", "file", "--cov-file", "{d}/v.json", "-o", "{d}/f.png"),
        ("no term 'pref_divergence'", "give a matrix over"),
        (user_file("v.json", NOT_PSD.replace("2]", "0]").replace("[2", "[0")),),
    ),
    Case(
        "empirics: covariance .nc that is not NetCDF",
        ("empirics", "margins", "--cov", "file", "--cov-file", "{d}/v.nc", "-o", "{d}/f.png"),
        ("cannot read a covariance from '{d}/v.nc'", "explorer empirics fit --netcdf"),
        (user_file("v.nc", "not netcdf"),),
    ),
    Case(
        "empirics: figure suffix",
        ("empirics", "predict", "-o", "{d}/f.txt"),
        ("'{d}/f.txt'", "ending in .png or .svg or .pdf or .html"),
    ),
    Case(
        "empirics: figure folder missing",
        ("empirics", "margins", "-o", "{d}/no/f.png"),
        ("does not exist", "mkdir -p"),
    ),
    Case(
        "empirics: unknown variable",
        ("empirics", "predict", "--over", "gdp", "-o", "{d}/f.png"),
        ("unknown variable 'gdp'", "job_security, pref_divergence"),
    ),
    Case(
        "empirics: unknown variable, default figure path",
        ("empirics", "margins", "--effect-of", "gdp"),
        ("unknown variable 'gdp'",),
    ),
    Case("empirics: too few draws", ("empirics", "predict", "--draws", "3"), ("'--draws'", "3")),
    Case(
        "empirics: simulated covariance without a store",
        ("empirics", "margins", "--cov", "simulated", "-o", "{d}/f.png"),
        ("--from STORE", "--cov simulated"),
    ),
    Case(
        "empirics: simulated covariance from a store without correlations",
        ("empirics", "margins", "--cov", "simulated", "--from", "{d}/s.zarr", "--at", "theta=0.5"),
        ("{d}/s.zarr holds no simulated correlations", "corr_js_x", "Monte Carlo store"),
        (store(),),
    ),
    Case(
        "empirics: simulated covariance, predict",
        ("empirics", "predict", "--cov", "simulated", "-o", "{d}/f.png"),
        ("'simulated'", "independent"),
    ),
]

CASES = CONFIG_CASES + CLI_CASES + STORE_CASES + SLICE_CASES + EMPIRICS_CASES

# App URLs: query parameters, and words its (escaped) error text must show.
XSS = "<img src=x onerror=alert(1)>"
APP_CASES = [
    (
        "var is markup",
        {"var": XSS},
        ("var=", "&lt;img src=x onerror=alert(1)&gt;", "is not one of"),
    ),
    ("unknown var", {"var": "welfare"}, ("var='welfare'", "is not one of")),
    ("empty var", {"var": ""}, ("var=''", "is not one of")),
    ("unknown x", {"x": "gamma"}, ("x='gamma'", "is not one of")),
    ("unknown y", {"y": "gamma"}, ("y='gamma'", "is not one of")),
    ("x equals y", {"x": "beta", "y": "beta"}, ("both 'beta'", "choose two")),
    ("slider value is markup", {"q": XSS}, ("q=", "&lt;img", "is not a number")),
    ("slider value text", {"q": "half"}, ("q='half'", "is not a number")),
    ("slider out of range", {"q": "7"}, ("q=7", "outside the stored range")),
    ("slider nan", {"q": "nan"}, ("q=nan", "outside the stored range")),
    ("slider inf", {"q": "inf"}, ("q=inf", "outside the stored range")),
    ("parameter name is markup", {XSS: "1"}, ("&lt;img src=x onerror=alert(1)&gt;", "not swept")),
    (
        "script in a fixed parameter",
        {"alpha": "<script>alert(1)</script>"},
        ("['alpha']", "not swept"),
    ),
    ("unknown parameter", {"gamma": "0.3"}, ("gamma", "not swept", "use var, x, y")),
    ("bytes that are not UTF-8", {"var": b"\xff\xfe"}, ("var=", "is not one of")),
]
