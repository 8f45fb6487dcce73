"""Loops generated from a model's scalar point solver, for any model.

A model gives one ``@njit`` point solver per variant: a function of its parameters that
returns every output as a tuple. From it this module generates, as specialised source
compiled with explicit signatures:

- ``gufunc``: an explicit-signature ``@guvectorize`` over broadcast arrays;
- ``grid_loop``: a jitted loop over a Cartesian grid, writing straight into the outputs;
- ``tally_loop``: a jitted loop that counts coded outputs jointly and stores nothing;
- ``cuda_grid``: a CUDA kernel, one thread per grid point.

Each is compiled for the outputs asked for only, so LLVM drops the work of the others.
Building happens under one lock (numba's compiler is not safe to enter from several
threads), once per process, and the machine code is kept on disk for later processes
(``kernels.cache``). Nothing here knows which model it serves: what it
needs to know is a ``Signature``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from numba import guvectorize, njit

from kernels.cache import compiled

NUMBA_TYPES = {
    "bool": "boolean",
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "float32": "float32",
    "float64": "float64",
}
TALLY_DESIGNS = ("grid", "sample", "unit", "random", "sobol")
compile_lock = threading.RLock()


@dataclass(frozen=True)
class Signature:
    """One variant of a model's point solver, as the loop generators see it."""

    key: str  # names the variant uniquely (caches, generated source)
    arguments: tuple[str, ...]  # the solver's parameters, in call order
    takes: tuple[str, ...]  # those this variant uses; the others are passed 0.0
    outputs: tuple[tuple[str, str], ...]  # (name, dtype), in the order the solver returns
    solver: Callable = field(compare=False, hash=False, repr=False)

    def index(self, output: str) -> int:
        return [name for name, _ in self.outputs].index(output)

    def numba_type(self, output: str) -> str:
        return NUMBA_TYPES[self.outputs[self.index(output)][1]]

    def call(self) -> str:
        """The solver call, with this variant's parameters as local names."""
        return f"solve({', '.join(p if p in self.takes else '0.0' for p in self.arguments)})"

    def check(self, axes: tuple[str, ...], outputs: tuple[str, ...] = ()) -> None:
        names = [name for name, _ in self.outputs]
        unknown = [o for o in outputs if o not in names]
        if unknown:
            raise ValueError(f"unknown outputs {unknown}; choose from {names}")
        if len(set(axes)) != len(axes) or not set(axes) <= set(self.takes):
            raise ValueError(f"axes {axes} must be distinct parameters of {self.takes}")


def _compiled(sig: Signature, source: str, decorator, *args, **options):
    """``decorator(*args, **options)`` applied to the generated ``kernel`` (which calls
    ``solve``, the point solver), compiled once per machine (``kernels.cache``)."""
    header = "import numpy as np\nfrom numba import prange\n\n\n"
    if decorator.__module__.startswith("numba.cuda"):
        header += "from numba import cuda\n\n\n"
    helpers = {}
    if "flipped(" in source:  # (imported here: grids without Sobol' walks skip the module)
        from kernels.sobol import flipped

        helpers["flipped"] = flipped
    return compiled(sig.solver, header + source, decorator, args, options, helpers)


MAX_OPERANDS = 64  # numpy's limit on a ufunc's inputs and outputs together


def gufunc(sig: Signature, outputs: tuple[str, ...], parallel: bool = False):
    """A gufunc over the variant's parameters (float64, broadcast like numpy) to
    ``outputs``. ``parallel=False``: serial, releasing the GIL (for dask threads);
    ``parallel=True``: split over numba's threads. Never both. Beyond numpy's operand
    limit the outputs come from one gufunc per group, each solving the points again."""
    outputs = tuple(outputs)
    room = MAX_OPERANDS - len(sig.takes)
    with compile_lock:
        if len(outputs) <= room:
            return _gufunc(sig, outputs, parallel)
        groups = [
            _gufunc(sig, outputs[i : i + room], parallel) for i in range(0, len(outputs), room)
        ]

    def grouped(*args):
        return tuple(value for group in groups for value in group(*args))

    return grouped


@cache
def _gufunc(sig: Signature, outputs: tuple[str, ...], parallel: bool):
    sig.check((), outputs)
    out_args = [f"out_{o}" for o in outputs]
    stores = "".join(f"    {a}[0] = r[{sig.index(o)}]\n" for a, o in zip(out_args, outputs))
    source = (
        f"def kernel({', '.join(sig.takes + tuple(out_args))}):\n    r = {sig.call()}\n{stores}"
    )
    types = ["float64"] * len(sig.takes) + [f"{sig.numba_type(o)}[:]" for o in outputs]
    layout = ",".join(["()"] * len(sig.takes)) + "->" + ",".join(["()"] * len(outputs))
    return _compiled(
        sig,
        source,
        guvectorize,
        [f"void({', '.join(types)})"],
        layout,
        target="parallel" if parallel else "cpu",
        nopython=True,
    )


def grid_loop(
    sig: Signature,
    axes: tuple[str, ...],
    outputs: tuple[str, ...],
    parallel=False,
    counted: tuple[tuple[str, int, int], ...] = (),
):
    """A jitted loop over the Cartesian grid spanned by ``axes``.

    Call as ``kernel(*axis_values, *fixed_values, *outs, *counts)``: one 1-D float64 array
    per axis, one float per other parameter the variant takes (in its order), one
    C-contiguous array of shape ``(len(axis_values[0]), ...)`` per output, and one int64
    array of ``n + 1`` per ``counted`` (output, offset, n) triple: the loop adds the
    number of its points at each code + offset in ``0 .. n - 1``, and in the last slot
    those at no such code (so category counts cost no second pass). Writes ``outs`` in
    place and releases
    the GIL; ``parallel=True`` splits the outermost axis over numba's threads (and counts
    nothing: the threads would race on the counts).
    """
    if parallel and counted:
        raise ValueError("a parallel grid loop cannot count: its threads would race")
    with compile_lock:
        return _grid_loop(sig, tuple(axes), tuple(outputs), parallel, tuple(counted))


@cache
def _grid_loop(sig: Signature, axes, outputs, parallel: bool, counted):
    sig.check(axes, outputs + tuple(o for o, _, _ in counted))
    if not axes:
        raise ValueError("a grid loop needs at least one axis")
    fixed = tuple(p for p in sig.takes if p not in axes)
    out_args = [f"out_{o}" for o in outputs]
    count_args = [f"count_{o}" for o, _, _ in counted]
    arguments = [f"axis_{a}" for a in axes] + list(fixed) + out_args + count_args
    lines = [f"def kernel({', '.join(arguments)}):"]
    for depth, axis in enumerate(axes):
        loop = "prange" if parallel and depth == 0 else "range"
        pad = "    " * (depth + 1)
        lines.append(f"{pad}for i{depth} in {loop}(axis_{axis}.shape[0]):")
        lines.append(f"{pad}    {axis} = axis_{axis}[i{depth}]")
    pad = "    " * (len(axes) + 1)
    index = ", ".join(f"i{d}" for d in range(len(axes)))
    lines.append(f"{pad}r = {sig.call()}")
    lines += [f"{pad}{a}[{index}] = r[{sig.index(o)}]" for a, o in zip(out_args, outputs)]
    # Counts are kept in local variables, one per code: an array written at every point
    # might alias the outputs, which would keep LLVM from optimising the loop.
    start, end = [], []
    for number, (o, offset, n) in enumerate(counted):
        tallies = [f"t{number}_{k}" for k in range(n + 1)]
        start += [f"    {t} = 0" for t in tallies]
        lines.append(f"{pad}c = np.int64(r[{sig.index(o)}]) + {offset}")
        lines += [f"{pad}{t} += c == {k}" for k, t in enumerate(tallies[:n])]
        lines.append(f"{pad}{tallies[n]} += (c < 0) | (c >= {n})")
        end += [f"    {count_args[number]}[{k}] += {t}" for k, t in enumerate(tallies)]
    lines[1:1] = start
    lines += end
    contiguous = ", ".join([":"] * (len(axes) - 1) + ["::1"])
    types = ["float64[::1]"] * len(axes) + ["float64"] * len(fixed)
    types += [f"{sig.numba_type(o)}[{contiguous}]" for o in outputs]
    types += ["int64[::1]"] * len(counted)
    signature = f"void({', '.join(types)})"
    return _compiled(
        sig,
        "\n".join(lines) + "\n",
        njit,
        signature,
        nogil=True,
        parallel=parallel,
        error_model="numpy",
    )


def tally_loop(
    sig: Signature, axes: tuple[str, ...], counted: tuple[tuple[str, int], ...], design="grid"
):
    """A jitted loop that solves points and counts them into ``tally`` (int64, one axis per
    counted output, added to in place) without storing any output. ``counted`` pairs each
    counted output (small integer codes or booleans) with the offset that makes its codes
    start at 0. Serial and GIL-free: dask runs many at once. ``axes`` are the varying
    parameters; the others come as scalars (``fixed``, in the variant's order). Call as:

    - ``grid``: ``kernel(*axis_values, *fixed, tally)``, the Cartesian grid of 1-D axes;
    - ``sample``: ``kernel(*axis_values, *fixed, tally)``, point ``i`` taking element
      ``i`` of every 1-D array;
    - ``unit``: ``kernel(unit, low, high, *fixed, tally)``, points ``unit`` (n x d, in the
      unit cube) scaled to the box ``[low, high]`` on the fly;
    - ``random``: ``kernel(seed, n, low, high, *fixed, tally)``, ``n`` uniform points of
      the box drawn inside the loop from numba's generator seeded with ``seed`` (the same
      seed gives the same points: one task runs on one thread from start to end);
    - ``sobol``: ``kernel(directions, shift, scale, n, low, high, *fixed, tally)``, the
      first ``n`` points of a scrambled Sobol' sequence (``kernels.sobol``), walked inside
      the loop, scaled to the box.
    """
    with compile_lock:
        return _tally_loop(sig, tuple(axes), tuple(counted), design)


@cache
def _tally_loop(sig: Signature, axes, counted, design: str):
    sig.check(axes, tuple(o for o, _ in counted))
    if design not in TALLY_DESIGNS:
        raise ValueError(f"unknown design {design!r}; choose one of {TALLY_DESIGNS}")
    fixed = tuple(p for p in sig.takes if p not in axes)
    inputs, types = {
        "grid": ([f"axis_{a}" for a in axes], ["float64[::1]"] * len(axes)),
        "sample": ([f"axis_{a}" for a in axes], ["float64[::1]"] * len(axes)),
        "unit": (["unit", "low", "high"], ["float64[:, ::1]", "float64[::1]", "float64[::1]"]),
        "random": (["seed", "n", "low", "high"], ["int64", "int64"] + ["float64[::1]"] * 2),
        "sobol": (
            ["directions", "shift", "scale", "n", "low", "high"],
            ["int64[:, ::1]", "int64[::1]", "float64", "int64"] + ["float64[::1]"] * 2,
        ),
    }[design]
    lines = [f"def kernel({', '.join(inputs + list(fixed) + ['tally'])}):"]
    if design == "grid":
        for depth, axis in enumerate(axes):
            pad = "    " * (depth + 1)
            lines.append(f"{pad}for i{depth} in range(axis_{axis}.shape[0]):")
            lines.append(f"{pad}    {axis} = axis_{axis}[i{depth}]")
        pad = "    " * (len(axes) + 1)
    else:
        pad = "        "
        if design == "random":
            lines += ["    np.random.seed(seed)", "    for i in range(n):"]
            draws = ["np.random.random()"] * len(axes)
        elif design == "sobol":  # one local per dimension: kept in registers
            lines += [f"    quasi{k} = shift[{k}]" for k in range(len(axes))]
            lines += ["    for i in range(n):", f"{pad}if i > 0:", f"{pad}    bit = flipped(i)"]
            lines += [f"{pad}    quasi{k} ^= directions[{k}, bit]" for k in range(len(axes))]
            draws = [f"(quasi{k} * scale)" for k in range(len(axes))]
        elif design == "unit":
            lines.append("    for i in range(unit.shape[0]):")
            draws = [f"unit[i, {k}]" for k in range(len(axes))]
        else:
            lines.append(f"    for i in range(axis_{axes[0]}.shape[0]):")
        if design == "sample":
            lines += [f"{pad}{a} = axis_{a}[i]" for a in axes]
        else:
            lines += [
                f"{pad}{a} = low[{k}] + (high[{k}] - low[{k}]) * {u}"
                for k, (a, u) in enumerate(zip(axes, draws))
            ]
    lines.append(f"{pad}r = {sig.call()}")
    index = ", ".join(f"np.int64(r[{sig.index(o)}]) + {offset}" for o, offset in counted)
    lines.append(f"{pad}tally[{index}] += 1")
    layout = ", ".join([":"] * (len(counted) - 1) + ["::1"])
    signature = f"void({', '.join(types + ['float64'] * len(fixed))}, int64[{layout}])"
    return _compiled(sig, "\n".join(lines) + "\n", njit, signature, nogil=True, error_model="numpy")


def cuda_grid(sig: Signature, axes: tuple[str, ...], outputs: tuple[str, ...]):
    """A CUDA kernel ``kernel[blocks, threads](*axis_values, *fixed, *flat_outs)`` over the
    Cartesian grid of ``axes``; outputs are flat (C order), one thread per point. The same
    point solver as the CPU loops is called (numba compiles ``@njit`` functions for the
    GPU when a CUDA kernel calls them), so the GPU path cannot drift from the checked one."""
    with compile_lock:
        return _cuda_grid(sig, tuple(axes), tuple(outputs))


@cache
def _cuda_grid(sig: Signature, axes, outputs):
    from numba import cuda

    sig.check(axes, outputs)
    fixed = [p for p in sig.takes if p not in axes]
    out_args = [f"out_{o}" for o in outputs]
    lines = [f"def kernel({', '.join([f'axis_{a}' for a in axes] + fixed + out_args)}):"]
    lines.append("    i = cuda.grid(1)")
    lines.append(f"    if i >= out_{outputs[0]}.shape[0]:")
    lines.append("        return")
    lines.append("    rest = i")
    for axis in reversed(axes):  # C order: the last axis varies fastest
        lines.append(f"    {axis} = axis_{axis}[rest % axis_{axis}.shape[0]]")
        lines.append(f"    rest //= axis_{axis}.shape[0]")
    lines.append(f"    r = {sig.call()}")
    lines += [f"    {a}[i] = r[{sig.index(o)}]" for a, o in zip(out_args, outputs)]
    return _compiled(sig, "\n".join(lines) + "\n", cuda.jit)


def cuda_unavailable_reason() -> str | None:
    """None when a CUDA GPU can be used, else why not."""
    try:
        from numba import cuda
    except ImportError as err:
        return f"numba.cuda cannot be imported ({err})"
    try:
        if not cuda.is_available():
            return "no CUDA GPU found (numba.cuda.is_available() is False)"
    except Exception as err:  # a broken driver install raises rather than answering
        return f"CUDA driver error: {err}"
    return None
