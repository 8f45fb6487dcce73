"""Sweep definitions: TOML files validated into a ``SweepConfig``.

Every mistake raises a one-line ``ConfigError`` naming the key, the bad value and the fix.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from explorer.engine import validation
from explorer.models import default_model, get_model
from explorer.models.declaration import Choices, Model

# Beyond this many points a config must say `allow_large = true`: a typo in `num`
# should not start a week-long job.
DEFAULT_MAX_POINTS = 2_000_000_000


class ConfigError(ValueError):
    """A sweep configuration that cannot run; the message says which key and how to fix it."""


class _Strict(BaseModel):
    # nan and inf are never parameter values, bounds or sizes: reject them by name.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Axis(_Strict):
    """One swept parameter: exactly one of linspace, logspace or values."""

    linspace: tuple[float, float, Annotated[int, Field(ge=1)]] | None = None
    logspace: tuple[float, float, Annotated[int, Field(ge=1)]] | None = None
    values: list[float] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Axis:
        given = [k for k in ("linspace", "logspace", "values") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of linspace = [start, stop, num], logspace = [start, stop, "
                "num] (start and stop are the values, not exponents) or values = [...]; "
                f"got {given}"
            )
        return self

    def count(self) -> int:
        """How many values, known without making them."""
        spaced = self.linspace or self.logspace
        return spaced[2] if spaced is not None else len(self.values)

    def ends(self) -> tuple[float, float]:
        """The first and last value (an interval domain holds all if it holds these)."""
        spaced = self.linspace or self.logspace
        if spaced is not None:
            return spaced[0], spaced[1] if spaced[2] > 1 else spaced[0]
        return min(self.values), max(self.values)

    def coordinates(self) -> np.ndarray:
        if self.linspace is not None:
            return np.linspace(*self.linspace)
        if self.logspace is not None:
            start, stop, num = self.logspace
            if start <= 0 or stop <= 0:
                raise ValueError(f"logspace needs positive start and stop, got {start}, {stop}")
            return np.geomspace(start, stop, num)
        return np.asarray(self.values, dtype=np.float64)


class Distribution(_Strict):
    """How a sampled parameter spreads over its bounds: a scipy.stats distribution on
    [0, 1] (``beta`` with args [a, b], ``triang`` with [c], ``truncnorm``, ...), scaled to
    [low, high]. Without one, a parameter is uniform."""

    name: str
    args: list[float] = Field(default_factory=list)

    def frozen(self):
        from scipy import stats

        return getattr(stats, self.name)(*self.args)


class Sample(_Strict):
    """A sampling design over a box instead of a full grid: one ``sample`` dimension."""

    method: Literal["uniform", "latin_hypercube", "sobol"]
    n: Annotated[int, Field(ge=1)]
    seed: Annotated[int, Field(ge=0)] = 0
    bounds: dict[str, tuple[float, float]]
    distributions: dict[str, Distribution] = Field(default_factory=dict)


class SweepConfig(_Strict):
    # The model's variants (e.g. ``game = "..."``) are top-level keys too: they are
    # filled in from the model's defaults and checked against its declaration.
    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)

    model: str = ""
    fixed: dict[str, float] = Field(default_factory=dict)
    axes: dict[str, Axis] = Field(default_factory=dict)
    sample: Sample | None = None
    outputs: list[str] | None = None  # None: every output
    chunk_points: Annotated[int, Field(ge=1)] | None = None
    chunk_mib: Annotated[float, Field(gt=0)] | None = None
    codec: Literal["blosc-lz4", "blosc-zstd", "zstd", "none"] = "blosc-lz4"
    # "rows": chunks are runs of the last dimensions (fastest to write); "slices": chunks
    # are split along every dimension alike, so any 2-D slice reads little (fast to browse).
    chunk_layout: Literal["rows", "slices"] = "slices"
    store: str = "results/sweep.zarr"
    max_points: Annotated[int, Field(ge=1)] = DEFAULT_MAX_POINTS
    allow_large: bool = False
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _resolve_model(cls, raw):
        """Name the model (the default one if none is given) and fill in its variants."""
        if not isinstance(raw, dict):
            return raw
        name = raw.get("model") or default_model().name
        try:
            model = get_model(name)
        except ValueError:
            return {**raw, "model": name}  # reported, with the choices, by check_semantics
        defaults = {v.name: v.default for v in model.variants}
        return {**defaults, **raw, "model": name}

    # ---- derived, pure arithmetic ----
    @property
    def spec(self) -> Model:
        """The model's declaration."""
        return get_model(self.model)

    @property
    def choices(self) -> Choices:
        return self.spec.choices({v.name: getattr(self, v.name) for v in self.spec.variants})

    def swept(self) -> tuple[str, ...]:
        names = self.axes if self.sample is None else self.sample.bounds
        order = self.spec.parameters_of(self.choices)
        return tuple(sorted(names, key=order.index))

    def n_points(self) -> int:
        if self.sample is not None:
            return self.sample.n
        return math.prod(axis.count() for axis in self.axes.values())

    def output_names(self) -> tuple[str, ...]:
        return tuple(self.outputs) if self.outputs else self.spec.output_names

    def canonical(self) -> dict:
        """The parts that decide the stored numbers and their layout (not where they go,
        nor how they are described)."""
        return self.model_dump(
            mode="json", exclude={"store", "allow_large", "max_points", "description"}
        )

    def digest(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


# One fix per kind of schema error, so every message ends with what to do.
_SCHEMA_FIXES = {
    "finite_number": "give a finite number (nan and inf are never valid here)",
    "float_parsing": "give a number",
    "float_type": "give a number",
    "int_parsing": "give a whole number",
    "int_type": "give a whole number",
    "int_from_float": "give a whole number",
    "greater_than_equal": "give a larger value",
    "greater_than": "give a larger value",
    "string_type": "give a quoted string",
    "bool_parsing": "give true or false",
    "bool_type": "give true or false",
    "literal_error": "use one of the values listed",
    "dict_type": "write it as a table ([name] or {...})",
    "model_type": "write it as a table ([name] or {...})",
    "list_type": "write it as a list [...]",
    "tuple_type": "write it as a list [...]",
    "too_short": "give all of the values listed",
    "too_long": "give only the values listed",
    "missing": "add it",
}
MAX_AXIS_VALUES = 100_000_000  # per axis: beyond this the coordinates alone fill memory


def load_config(path: str | Path, **overrides) -> SweepConfig:
    """Read and validate a TOML sweep definition; ``overrides`` replace top-level keys."""
    path = Path(path).expanduser()
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {str(path)!r} does not exist; give the path of a .toml "
            "sweep definition (see configs/)"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"{str(path)!r} is a folder, not a config file; give the path of a .toml "
            "sweep definition (see configs/)"
        ) from None
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {err.object[err.start]:#04x} at offset {err.start}); "
            "save the file as UTF-8"
        ) from None
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}; check the path") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix the syntax") from None
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return parse_config(raw, source=str(path))


def parse_config(raw: dict, source: str = "config") -> SweepConfig:
    try:
        config = SweepConfig.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        value = first.get("input")
        if first["type"] == "extra_forbidden":
            raise ConfigError(
                f"{source}: unknown key {key!r} (value {value!r}); remove it or fix its spelling"
            ) from None
        fix = _SCHEMA_FIXES.get(first["type"], "fix this value (see configs/ for examples)")
        shown = "(missing)" if first["type"] == "missing" else repr(value)
        raise ConfigError(f"{source}: {key} = {shown}: {first['msg']}; {fix}") from None
    check_semantics(config, source)
    return config


def check_semantics(config: SweepConfig, source: str) -> None:
    """What a schema cannot say: names, domains, overlaps, size."""
    _as_config_error(source, None, lambda: validation.model_named(config.model))
    spec = config.spec
    for key in config.model_extra or {}:
        if key not in {v.name for v in spec.variants}:
            value = config.model_extra[key]
            raise ConfigError(
                f"{source}: unknown key {key!r} (value {value!r}); remove it or fix its spelling"
            )
        choices = spec.variant(key).choices
        _as_config_error(
            source, None, lambda k=key, c=choices: validation.check_choice(k, getattr(config, k), c)
        )
    if config.outputs is not None and not config.outputs:
        raise ConfigError(
            f"{source}: outputs = [] stores nothing; name at least one output, or leave "
            "outputs out to store them all"
        )
    if config.outputs:
        _as_config_error(source, None, lambda: validation.check_outputs(spec, config.outputs))
    _check_store(source, config.store)
    choices = config.choices

    if config.sample is not None and config.axes:
        raise ConfigError(
            f"{source}: both [axes] and [sample] given; a sweep is either a grid "
            "(axes) or a sampling design (sample): keep one"
        )
    swept_key = "axes" if config.sample is None else "sample.bounds"
    swept = config.axes if config.sample is None else config.sample.bounds
    if not swept:
        raise ConfigError(
            f"{source}: nothing is swept; add at least one [axes.NAME] table "
            "(or a [sample] with bounds)"
        )
    for where, names in (("fixed", config.fixed), (swept_key, swept)):
        for name in names:
            _as_config_error(
                source,
                f"{where}.{name}",
                lambda name=name: validation.check_parameter_name(spec, choices, name),
            )
    both = sorted(set(config.fixed) & set(swept))
    if both:
        raise ConfigError(
            f"{source}: {both[0]} is both fixed and swept ({swept_key}.{both[0]}); "
            "remove it from one of them"
        )
    _as_config_error(
        source,
        None,
        lambda: validation.check_parameters_present(
            spec,
            choices,
            [*config.fixed, *swept],
            fix="add each under [fixed] or sweep it under [axes.NAME]:",
        ),
    )

    for name, value in config.fixed.items():
        _check_domain(source, f"fixed.{name}", spec, name, np.array(value))
    if config.sample is not None:
        for name, (low, high) in config.sample.bounds.items():
            if not low < high:
                raise ConfigError(
                    f"{source}: sample.bounds.{name} = [{low}, {high}] is empty; "
                    "give [low, high] with low < high"
                )
            for end in (low, high):
                _check_domain(source, f"sample.bounds.{name}", spec, name, np.array(end))
        for name, distribution in config.sample.distributions.items():
            _check_distribution(source, name, distribution, config.sample.bounds)
    for name, axis in config.axes.items():
        _check_axis(source, name, axis, spec)

    n = config.n_points()
    if n > config.max_points and not config.allow_large:
        raise ConfigError(
            f"{source}: the sweep has {n:.3g} points, over max_points = "
            f"{config.max_points:.3g}; set allow_large = true if that is intended"
        )


def _check_axis(source: str, name: str, axis: Axis, spec) -> None:
    """An axis checked from its ends and count, without making its values (a typo in a
    count must not allocate memory before it is reported)."""
    key = f"{source}: axes.{name}"
    count = axis.count()
    if count == 0:
        raise ConfigError(f"{key} is empty; give at least one value")
    if count > MAX_AXIS_VALUES:
        raise ConfigError(
            f"{key} has {count:.3g} values, over the {MAX_AXIS_VALUES:.0e} an axis may hold; "
            "give fewer values (sweep more parameters instead)"
        )
    if axis.logspace is not None and min(axis.logspace[:2]) <= 0:
        start, stop = axis.logspace[:2]
        raise ConfigError(
            f"{key}: logspace needs positive start and stop, got {start}, {stop}; "
            "give the values themselves (not exponents), both above 0"
        )
    if axis.values is not None:
        values = np.asarray(axis.values)
        increasing = bool((np.diff(values) > 0).all())
    else:
        start, stop = (axis.linspace or axis.logspace)[:2]
        increasing = count == 1 or start < stop
    if not increasing:
        shown = axis.values[:6] if axis.values is not None else list(axis.linspace or axis.logspace)
        raise ConfigError(
            f"{key} = {shown} is not strictly increasing; sort the values and drop repeats"
        )
    for end in dict.fromkeys(axis.ends()):
        _check_domain(source, f"axes.{name}", spec, name, np.array(end))


def _check_store(source: str, url: str) -> None:
    from explorer.engine.files import StoreError, normalize_url

    try:
        normalize_url(url)
    except StoreError as err:
        raise ConfigError(f"{source}: store = {url!r}: {err}") from None


def _check_domain(source: str, key: str, spec, name: str, values: np.ndarray) -> None:
    _as_config_error(source, key, lambda: validation.check_parameter_values(spec, name, values))


def _as_config_error(source: str, key: str | None, check):
    """Run one of the shared checks; its complaint becomes a ConfigError naming the key."""
    try:
        return check()
    except ValueError as err:
        where = f"{key}: " if key else ""
        raise ConfigError(f"{source}: {where}{err}") from None


def _check_distribution(source: str, name: str, distribution: Distribution, bounds) -> None:
    from scipy import stats

    key = f"{source}: sample.distributions.{name}"
    if name not in bounds:
        raise ConfigError(
            f"{key}: {name} has no sample.bounds entry; add bounds = [low, high] for it "
            "(the distribution is scaled to them) or drop the distribution"
        )
    if not isinstance(getattr(stats, distribution.name, None), stats.rv_continuous):
        raise ConfigError(
            f"{key}: {distribution.name!r} is not a continuous scipy.stats distribution; "
            "use e.g. name = 'beta', args = [2, 5]"
        )
    try:
        low, high = distribution.frozen().support()
    except (TypeError, ValueError) as err:
        raise ConfigError(
            f"{key}: args {distribution.args} do not fit {distribution.name}: {err}"
        ) from None
    if math.isnan(low) or math.isnan(high):
        raise ConfigError(
            f"{key}: args {distribution.args} are not valid for {distribution.name}; "
            "see its scipy.stats documentation"
        )
    if not (0 <= low and high <= 1):
        raise ConfigError(
            f"{key}: {distribution.name}{tuple(distribution.args)} lives on [{low}, {high}], "
            "not inside [0, 1]; use one on [0, 1] (beta, triang, truncnorm with a, b in "
            "standard units...), it is scaled to the bounds"
        )
