"""How an output is coloured, decided from the model's declaration and the slice shown.

Categorical codes, decoded bitmasks and booleans are categories with fixed colours and a
legend; continuous outputs a colour scale with robust limits (percentiles, symmetric
about zero where the values are signed), with NaN, +inf and -inf in their own labelled
colours. Every backend (matplotlib PNGs, bokeh HTML and the app) draws from a ``Style``
and the values it gives, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.engine.labels import NOT_COMPUTED
from explorer.models.declaration import Model, Output

NOT_COMPUTED_COLOR = "#ffffff"
# Colour-blind-safe (Okabe-Ito): codes without a declared colour take these in turn.
PALETTE = ("#999999", "#e69f00", "#0072b2", "#009e73", "#f0e442", "#56b4e9", "#d55e00", "#cc79a7")
BOOLEAN_COLORS = {False: "#d9d9d9", True: "#0072b2"}
# Non-finite values of continuous outputs: colours no colour scale here uses.
NAN_COLOR, POSINF_COLOR, NEGINF_COLOR = "#bdbdbd", "#ff00ff", "#00c8c8"
ROBUST_PERCENTILES = (2.0, 98.0)
NOT_COMPUTED_LABEL = "not computed yet"


@dataclass(frozen=True)
class Category:
    index: int  # the value drawn for it
    label: str
    color: str


@dataclass(frozen=True)
class Style:
    kind: str  # categorical, bitmask, boolean or continuous
    label: str  # for the legend or colour bar: symbol, name and units
    categories: tuple[Category, ...] = ()  # discrete kinds: every category, by index
    limits: tuple[float, float] = (0.0, 1.0)  # continuous: the colour scale's ends
    cmap: str = "viridis"
    clipped: bool = False  # finite values lie beyond the limits (drawn at the ends)
    log: bool = False  # a logarithmic colour scale (limits and values positive)
    nonfinite: tuple[Category, ...] = ()  # continuous: NaN, +inf, -inf where present

    @property
    def discrete(self) -> bool:
        return self.kind != "continuous"

    @property
    def colors(self) -> list[str]:
        """Discrete kinds: the colour of each index, in order."""
        return [c.color for c in self.categories]

    def special(self, label: str) -> str | None:
        """The colour of a non-finite value (``"NaN"``, ``"+inf"``, ``"-inf"``) if present."""
        return next((c.color for c in self.nonfinite if c.label.startswith(label)), None)


def output_label(model: Model, name: str) -> str:
    """``symbol (name) [units]`` of an output, as far as the model declares them."""
    output = model.output(name)
    text = f"{output.symbol} ({name})" if output.symbol else name
    return f"{text} [{output.units}]" if output.units else text


def style_of(model: Model, name: str, values: np.ndarray) -> tuple[Style, np.ndarray]:
    """The style of output ``name`` on ``values``, and the values to colour with it:
    category indices for the discrete kinds; for continuous outputs the values with
    finite ones held inside the limits (so only +-inf fall beyond them)."""
    output = model.output(name)
    values = np.asarray(values)
    label = output_label(model, name)
    if output.kind == "categorical":
        codes = {**output.labels, NOT_COMPUTED: NOT_COMPUTED_LABEL}
        colors = {
            code: output.colors.get(code, PALETTE[i % len(PALETTE)])
            for i, code in enumerate(sorted(output.labels))
        }
        colors[NOT_COMPUTED] = NOT_COMPUTED_COLOR
        ordered = sorted(codes)
        categories = tuple(Category(i, codes[c], colors[c]) for i, c in enumerate(ordered))
        index = np.searchsorted(ordered, np.where(np.isin(values, ordered), values, NOT_COMPUTED))
        return Style("categorical", label, categories), index.astype(np.int16)
    if output.kind == "boolean":
        unset = _unwritten(values)
        truth = np.where(unset, False, values).astype(bool)
        categories = (
            Category(0, "false", BOOLEAN_COLORS[False]),
            Category(1, "true", BOOLEAN_COLORS[True]),
            Category(2, NOT_COMPUTED_LABEL, NOT_COMPUTED_COLOR),
        )
        return Style("boolean", label, categories), np.where(unset, 2, truth).astype(np.int16)
    if output.kind == "bitmask":
        unset = _unwritten(values)
        masks = np.where(unset, -1, values).astype(np.int64)
        present = np.unique(masks)
        categories = tuple(
            Category(
                i,
                NOT_COMPUTED_LABEL if mask < 0 else flag_names(output.bits, int(mask)),
                NOT_COMPUTED_COLOR if mask < 0 else PALETTE[i % len(PALETTE)],
            )
            for i, mask in enumerate(present)
        )
        return Style("bitmask", label, categories), np.searchsorted(present, masks).astype(np.int16)
    return _continuous(label, values.astype(np.float64), output.log)


def flag_names(bits: dict[int, str], mask: int) -> str:
    """The flags set in ``mask``, by name ("none" when no flag is set)."""
    names = [name for bit, name in sorted(bits.items()) if mask & bit]
    unknown = mask & ~sum(bits)
    if unknown:
        names.append(f"undeclared bits {unknown:#x}")
    return " + ".join(names) or "none"


def decoder(output: Output):
    """A bokeh hover formatter that shows a value of ``output`` as a reader would say
    it: a category's label, true/false, the names of the flags set, or the number."""
    from bokeh.models import CustomJSHover

    if output.kind == "categorical":
        labels = {str(code): label for code, label in output.labels.items()}
        labels[str(NOT_COMPUTED)] = NOT_COMPUTED_LABEL
        code = "return labels[String(Math.round(value))] ?? String(value);"
        return CustomJSHover(args={"labels": labels}, code=code)
    if output.kind == "boolean":
        code = f"return isNaN(value) ? '{NOT_COMPUTED_LABEL}' : (value ? 'true' : 'false');"
        return CustomJSHover(code=code)
    if output.kind == "bitmask":
        bits = {str(bit): name for bit, name in output.bits.items()}
        code = (
            f"if (isNaN(value)) return '{NOT_COMPUTED_LABEL}';"
            "const set = Object.keys(bits).filter((b) => value & Number(b)).map((b) => bits[b]);"
            "return set.length ? set.join(' + ') : 'none';"
        )
        return CustomJSHover(args={"bits": bits}, code=code)
    code = (
        "if (isNaN(value)) return 'NaN (undefined)';"
        "if (!isFinite(value)) return value > 0 ? '+inf' : '-inf';"
        "return value.toFixed(4);"
    )
    return CustomJSHover(code=code)


def _unwritten(values: np.ndarray) -> np.ndarray:
    """Points no run has written (read as NaN from an unfinished store)."""
    return np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)


def _continuous(label: str, values: np.ndarray, log: bool = False) -> tuple[Style, np.ndarray]:
    finite = values[np.isfinite(values)]
    log = log and bool((finite > 0).any())  # a log scale needs positive values to show
    if log:
        return _logarithmic(label, values, finite[finite > 0])
    if finite.size:
        low, high = (float(v) for v in np.percentile(finite, ROBUST_PERCENTILES))
        if low == high:
            low, high = float(finite.min()), float(finite.max())
    else:
        low = high = 0.0
    signed = low < 0.0 < high
    if signed:  # symmetric, so zero sits at the middle of a diverging scale
        low, high = -max(-low, high), max(-low, high)
    if low == high:
        low, high = low - 0.5, high + 0.5
    clipped = bool(finite.size) and bool((finite < low).any() or (finite > high).any())
    span = high - low
    drawn = _held(values, low, high, high + span, low - span)
    style = Style(
        "continuous",
        label,
        limits=(low, high),
        cmap="RdBu_r" if signed else "viridis",
        clipped=clipped,
        nonfinite=_nonfinite(values),
    )
    return style, drawn


def _logarithmic(label: str, values: np.ndarray, positive: np.ndarray) -> tuple[Style, np.ndarray]:
    """Robust limits of the positive values; zero and negative values are drawn at the
    low end (and counted as clipped): a log scale has no place for them."""
    low, high = (float(v) for v in np.percentile(positive, ROBUST_PERCENTILES))
    if low == high:
        low, high = low / 2, high * 2
    finite = values[np.isfinite(values)]
    clipped = bool((finite < low).any() or (finite > high).any())
    ratio = high / low
    drawn = _held(values, low, high, high * ratio, low / ratio)
    style = Style(
        "continuous",
        label,
        limits=(low, high),
        clipped=clipped,
        nonfinite=_nonfinite(values),
        log=True,
    )
    return style, drawn


def _held(values, low, high, above, below):
    """Finite values held inside the limits, +-inf at ``above``/``below``, beyond them:
    only infinities take the colours past the ends (a backend may read them as missing)."""
    return np.where(
        np.isposinf(values),
        above,
        np.where(np.isneginf(values), below, np.clip(values, low, high)),
    )


def _nonfinite(values: np.ndarray) -> tuple[Category, ...]:
    return tuple(
        Category(i, text, color)
        for i, (text, color, present) in enumerate(
            (
                ("NaN (undefined)", NAN_COLOR, np.isnan(values).any()),
                ("+inf", POSINF_COLOR, np.isposinf(values).any()),
                ("-inf", NEGINF_COLOR, np.isneginf(values).any()),
            )
        )
        if present
    )
