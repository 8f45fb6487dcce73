"""``solve``: a model's exact solution over scalars, numpy arrays or xarray DataArrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from explorer.engine.labels import annotate
from explorer.engine.validation import (
    check_outputs,
    check_parameter_name,
    check_parameter_values,
    check_parameters_present,
    choose,
    model_named,
)
from explorer.models.declaration import Choices, Model

# Below this many points a single thread wins over numba's thread start-up.
PARALLEL_MIN_POINTS = 1 << 18


def solve(
    *,
    model: str | Model | None = None,
    outputs: tuple[str, ...] | list[str] | None = None,
    parallel: bool | None = None,
    **given,
) -> xr.Dataset:
    """Solve a model exactly at every point given by ``given``.

    Parameters
    ----------
    model : str or Model, optional
        The model (by name or declaration); the default model if not given.
    outputs : sequence of str, optional
        Outputs to compute (all by default).
    parallel : bool, optional
        Use numba's threads; by default only for large inputs.
    **given
        The model's variant choices by name (strings; the declared defaults otherwise),
        and one value per parameter those choices take: scalars, numpy arrays (broadcast
        together like numpy) or DataArrays (aligned by dimension name; mixing DataArrays
        with non-scalar numpy arrays is ambiguous and refused).

    Returns
    -------
    xarray.Dataset
        One variable per output; scalar parameters become scalar coordinates; the model
        and its choices are attributes.

    Raises
    ------
    ValueError
        For an unknown model, variant choice, output or parameter, a missing parameter, or
        a value outside its parameter's domain. Points that break a cross-parameter
        assumption are not errors: the model's point solver reports them in its outputs.
    """
    spec = model if isinstance(model, Model) else model_named(model)
    variants = {v.name for v in spec.variants}
    choices = choose(spec, {k: v for k, v in given.items() if k in variants})
    params = {k: v for k, v in given.items() if k not in variants}
    outputs = check_outputs(spec, outputs if outputs is not None else spec.output_names)
    for name in params:
        check_parameter_name(spec, choices, name)
    check_parameters_present(spec, choices, params)
    names = spec.parameters_of(choices)

    labelled = {n: v for n, v in params.items() if isinstance(v, xr.DataArray)}
    values = {
        n: (
            v.copy(data=check_parameter_values(spec, n, v.values))
            if n in labelled
            else check_parameter_values(spec, n, v)
        )
        for n, v in params.items()
    }
    kernels = Kernels(spec, choices, outputs, parallel)
    if labelled:
        unnamed = [n for n in names if n not in labelled and values[n].ndim > 0]
        if unnamed:
            raise ValueError(
                f"parameters {unnamed} are unlabelled arrays mixed with DataArrays, so their "
                "dimensions are ambiguous; wrap them in xarray.DataArray with dims"
            )
        ds = _solve_labelled(kernels, values, names)
    else:
        ds = _solve_arrays(kernels, values, names)
    # Every point's full parameter set stays visible: scalars as scalar coordinates,
    # labelled arrays as coordinates along their own dimensions.
    coords = {
        n: (values[n].variable if n in labelled else float(values[n]))
        for n in names
        if n not in ds.coords and (n in labelled or np.ndim(values[n]) == 0)
    }
    ds = ds.assign_coords(coords)
    ds.attrs.update(model=spec.name, **dict(choices), citation=spec.citation)
    return annotate(ds, spec)


@dataclass(frozen=True)
class Kernels:
    """The model's kernels for one call: its choices, the outputs asked for, threading."""

    model: Model
    choices: Choices
    outputs: tuple[str, ...]
    parallel: bool | None

    def gufunc(self, size: int):
        return self.model.gufunc(self.choices, self.outputs, _use_parallel(self.parallel, size))

    def grid(self, axes: tuple[str, ...], size: int):
        parallel = _use_parallel(self.parallel, size)
        return self.model.grid_loop(self.choices, axes, self.outputs, parallel)


def _use_parallel(parallel: bool | None, size: int) -> bool:
    return size >= PARALLEL_MIN_POINTS if parallel is None else parallel


def _is_grid(values: dict, names) -> bool:
    """True when each array is 1-D on a dimension of its own: a Cartesian grid."""
    dims = [values[n].dims for n in names if isinstance(values[n], xr.DataArray)]
    flat = [d[0] for d in dims if len(d) == 1]
    return all(len(d) <= 1 for d in dims) and len(flat) == len(set(flat))


def _solve_labelled(kernels: Kernels, values, names) -> xr.Dataset:
    if _is_grid(values, names):
        axes = tuple(n for n in names if isinstance(values[n], xr.DataArray) and values[n].ndim)
        if axes:
            return _solve_grid(kernels, values, names, axes)
    try:
        arrays = xr.align(
            *(values[n] for n in names if isinstance(values[n], xr.DataArray)), join="exact"
        )
    except ValueError as err:
        raise ValueError(
            f"parameter DataArrays do not line up along a shared dimension ({err}); give them "
            "the same length and coordinates on every dimension they share"
        ) from None
    aligned = dict(zip([n for n in names if isinstance(values[n], xr.DataArray)], arrays))
    args = [aligned.get(n, values[n]) for n in names]
    sizes: dict = {}
    for array in arrays:
        sizes.update(array.sizes)
    size = int(np.prod(list(sizes.values())))
    kernel = kernels.gufunc(size)
    with np.errstate(all="ignore"):  # LLVM may evaluate both sides of a branch; the
        # kernel defines its own IEEE results, so the raised FP flags mean nothing
        results = xr.apply_ufunc(
            kernel, *args, output_core_dims=[()] * len(kernels.outputs), keep_attrs="drop"
        )
    results = results if isinstance(results, tuple) else (results,)
    return xr.Dataset(dict(zip(kernels.outputs, results)))


def _solve_grid(kernels: Kernels, values, names, axes) -> xr.Dataset:
    """The fast path: one jitted loop over the grid, writing straight into the outputs."""
    dims = tuple(values[a].dims[0] for a in axes)
    shape = tuple(values[a].size for a in axes)
    kernel = kernels.grid(axes, int(np.prod(shape)))
    outputs = kernels.outputs
    outs = [np.empty(shape, dtype=kernels.model.output(o).dtype) for o in outputs]
    kernel(
        *(np.array(values[a].values, dtype=np.float64) for a in axes),  # writable, C order
        *(float(values[n]) for n in names if n not in axes),
        *outs,
    )
    coords = {}
    for a in axes:
        coords.update(values[a].coords)
    return xr.Dataset({o: (dims, out) for o, out in zip(outputs, outs)}, coords=coords)


def _solve_arrays(kernels: Kernels, values, names) -> xr.Dataset:
    args = [values[n] for n in names]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in args))
    except ValueError:
        shapes = {n: values[n].shape for n in names if values[n].ndim}
        raise ValueError(
            f"parameter arrays do not broadcast together: shapes {shapes}; give arrays whose "
            "shapes numpy can broadcast, or use DataArrays with named dimensions"
        ) from None
    kernel = kernels.gufunc(int(np.prod(shape)))
    with np.errstate(all="ignore"):  # FP flags are meaningless here too (see above)
        results = kernel(*args)
    results = results if isinstance(results, tuple) else (results,)
    dims = tuple(f"dim_{i}" for i in range(len(shape)))
    return xr.Dataset({o: (dims, np.asarray(r)) for o, r in zip(kernels.outputs, results)})
