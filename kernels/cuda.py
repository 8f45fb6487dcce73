"""The grid kernel on an NVIDIA GPU through numba.cuda: one thread per grid point.

The same scalar point solver as the CPU kernels is called from the CUDA kernel (numba
compiles ``@njit`` functions for the GPU when a CUDA kernel calls them), so the GPU path
cannot drift from the checked one. Nothing requires a GPU: without one,
``cuda_unavailable_reason`` says why and callers skip.
"""

from __future__ import annotations

import math

import numpy as np

from kernels.coalition import GAMES, OUTPUT_NAMES, OUTPUTS, _solve_call, point_solver

THREADS_PER_BLOCK = 256


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


def build_cuda_grid_kernel(game: str, rho_form: str, axes: tuple[str, ...], outputs):
    """A CUDA kernel ``kernel[blocks, threads](*axis_values, *fixed, *flat_outs)`` over the
    Cartesian grid of ``axes``; outputs are flat (C order), one thread per point."""
    from numba import cuda

    params = GAMES[game]
    fixed = [p for p in params if p not in axes]
    out_args = [f"out_{o}" for o in outputs]
    lines = [f"def kernel({', '.join([f'axis_{a}' for a in axes] + fixed + out_args)}):"]
    lines.append("    i = cuda.grid(1)")
    lines.append(f"    if i >= out_{outputs[0]}.shape[0]:")
    lines.append("        return")
    lines.append("    rest = i")
    for axis in reversed(axes):  # C order: the last axis varies fastest
        lines.append(f"    {axis} = axis_{axis}[rest % axis_{axis}.shape[0]]")
        lines.append(f"    rest //= axis_{axis}.shape[0]")
    lines.append(f"    r = {_solve_call(game)}")
    lines += [f"    {a}[i] = r[{OUTPUT_NAMES.index(o)}]" for a, o in zip(out_args, outputs)]
    namespace = {"solve": point_solver(game, rho_form), "cuda": cuda}
    exec(compile("\n".join(lines) + "\n", f"<cuda kernel {game}/{rho_form}>", "exec"), namespace)
    return cuda.jit(namespace["kernel"])


def grid_runner(game, rho_form, axes, outputs, axis_values, fixed_values):
    """A callable that solves the grid on the GPU and waits for it; outputs stay on the
    device (copying them back is a separate cost, over PCIe)."""
    from numba import cuda

    kernel = build_cuda_grid_kernel(game, rho_form, tuple(axes), tuple(outputs))
    points = math.prod(len(v) for v in axis_values)
    dtypes = {o.name: o.dtype for o in OUTPUTS}
    device_axes = [cuda.to_device(np.ascontiguousarray(v, dtype=np.float64)) for v in axis_values]
    outs = [cuda.device_array(points, dtype=dtypes[o]) for o in outputs]
    blocks = (points + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK

    def run():
        kernel[blocks, THREADS_PER_BLOCK](*device_axes, *fixed_values, *outs)
        cuda.synchronize()
        return outs

    return run
