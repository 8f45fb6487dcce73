"""``solve``: the exact equilibrium over scalars, numpy arrays or xarray DataArrays."""

from __future__ import annotations

import numpy as np
import xarray as xr

from explorer.labels import annotate
from explorer.models import get_model
from explorer.validation import check_choice, check_parameter_names, check_parameter_values

# Below this many points a single thread wins over numba's thread start-up.
PARALLEL_MIN_POINTS = 1 << 18


def solve(
    game: str = "revisionist",
    rho_form: str = "linear",
    *,
    model: str = "coalition",
    outputs: tuple[str, ...] | list[str] | None = None,
    parallel: bool | None = None,
    **params,
) -> xr.Dataset:
    """Solve the game exactly at every point given by ``params``.

    Parameters
    ----------
    game : {"revisionist", "status_quo"}
        ``revisionist`` includes l's initiation move and needs ``q``; ``status_quo``
        starts inside the crisis and takes no ``q``.
    rho_form : str
        Name of the rho(theta) form (``linear`` is the paper's rho*theta).
    outputs : sequence of str, optional
        Outputs to compute (all by default).
    parallel : bool, optional
        Use numba's threads; by default only for large inputs.
    **params
        One value per parameter of the game: scalars, numpy arrays (broadcast together
        like numpy) or DataArrays (aligned by dimension name; mixing DataArrays with
        non-scalar numpy arrays is ambiguous and refused).

    Returns
    -------
    xarray.Dataset
        One variable per output; scalar parameters become scalar coordinates.

    Raises
    ------
    ValueError
        For an unknown game, form, output or parameter, a missing parameter, or a value
        outside its parameter's domain. Cross-parameter breaks (p_lp < p_l, c_lp > c_l)
        are not errors: those points get outcome -1, NaN and a flag.

    Examples
    --------
    >>> import explorer
    >>> ds = explorer.solve(game="status_quo", alpha=0.8, theta=0.5, rho=0.75, p_l=0.55,
    ...                     p_lp=0.65, c_l=0.15, c_lp=0.1, c_p=0.1, beta=0.3)
    >>> int(ds.outcome), round(float(ds.beta_lp), 6)
    (2, 0.25)
    """
    spec = get_model(model)
    check_choice("game", game, spec.games)
    check_choice("rho_form", rho_form, spec.forms)
    outputs = tuple(outputs) if outputs is not None else tuple(o.name for o in spec.outputs)
    for name in outputs:
        check_choice("output", name, [o.name for o in spec.outputs])
    check_parameter_names(spec, game, params)
    names = spec.parameters_of(game)

    labelled = {n: v for n, v in params.items() if isinstance(v, xr.DataArray)}
    values = {
        n: (
            v.copy(data=check_parameter_values(spec, n, v.values))
            if n in labelled
            else check_parameter_values(spec, n, v)
        )
        for n, v in params.items()
    }
    if labelled:
        unnamed = [n for n in names if n not in labelled and values[n].ndim > 0]
        if unnamed:
            raise ValueError(
                f"parameters {unnamed} are unlabelled arrays mixed with DataArrays, so their "
                "dimensions are ambiguous; wrap them in xarray.DataArray with dims"
            )
        ds = _solve_labelled(spec, game, rho_form, outputs, parallel, values, names)
    else:
        ds = _solve_arrays(spec, game, rho_form, outputs, parallel, values, names)
    # Every point's full parameter set stays visible: scalars as scalar coordinates,
    # labelled arrays as coordinates along their own dimensions.
    coords = {
        n: (values[n].variable if n in labelled else float(values[n]))
        for n in names
        if n not in ds.coords and (n in labelled or np.ndim(values[n]) == 0)
    }
    ds = ds.assign_coords(coords)
    ds.attrs.update(model=spec.name, game=game, rho_form=rho_form, citation=spec.citation)
    return annotate(ds, spec)


def _use_parallel(parallel: bool | None, size: int) -> bool:
    return size >= PARALLEL_MIN_POINTS if parallel is None else parallel


def _is_grid(values: dict, names) -> bool:
    """True when each array is 1-D on a dimension of its own: a Cartesian grid."""
    dims = [values[n].dims for n in names if isinstance(values[n], xr.DataArray)]
    flat = [d[0] for d in dims if len(d) == 1]
    return all(len(d) <= 1 for d in dims) and len(flat) == len(set(flat))


def _solve_labelled(spec, game, rho_form, outputs, parallel, values, names) -> xr.Dataset:
    if _is_grid(values, names):
        axes = tuple(n for n in names if isinstance(values[n], xr.DataArray) and values[n].ndim)
        if axes:
            return _solve_grid(spec, game, rho_form, outputs, parallel, values, names, axes)
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
    kernel = spec.build_kernel(game, rho_form, outputs, _use_parallel(parallel, size))
    with np.errstate(all="ignore"):  # LLVM may evaluate both sides of a branch; the
        # kernel defines its own IEEE results, so the raised FP flags mean nothing
        results = xr.apply_ufunc(
            kernel, *args, output_core_dims=[()] * len(outputs), keep_attrs="drop"
        )
    results = results if isinstance(results, tuple) else (results,)
    return xr.Dataset(dict(zip(outputs, results)))


def _solve_grid(spec, game, rho_form, outputs, parallel, values, names, axes) -> xr.Dataset:
    """The fast path: one jitted loop over the grid, writing straight into the outputs."""
    dims = tuple(values[a].dims[0] for a in axes)
    shape = tuple(values[a].size for a in axes)
    size = int(np.prod(shape))
    kernel = spec.build_grid_kernel(game, rho_form, axes, outputs, _use_parallel(parallel, size))
    outs = [np.empty(shape, dtype=spec.output(o).dtype) for o in outputs]
    kernel(
        *(np.array(values[a].values, dtype=np.float64) for a in axes),  # writable, C order
        *(float(values[n]) for n in names if n not in axes),
        *outs,
    )
    coords = {}
    for a in axes:
        coords.update(values[a].coords)
    return xr.Dataset({o: (dims, out) for o, out in zip(outputs, outs)}, coords=coords)


def _solve_arrays(spec, game, rho_form, outputs, parallel, values, names) -> xr.Dataset:
    args = [values[n] for n in names]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in args))
    except ValueError:
        shapes = {n: values[n].shape for n in names if values[n].ndim}
        raise ValueError(
            f"parameter arrays do not broadcast together: shapes {shapes}; give arrays whose "
            "shapes numpy can broadcast, or use DataArrays with named dimensions"
        ) from None
    size = int(np.prod(shape))
    kernel = spec.build_kernel(game, rho_form, outputs, _use_parallel(parallel, size))
    with np.errstate(all="ignore"):  # FP flags are meaningless here too (see above)
        results = kernel(*args)
    results = results if isinstance(results, tuple) else (results,)
    dims = tuple(f"dim_{i}" for i in range(len(shape)))
    return xr.Dataset({o: (dims, np.asarray(r)) for o, r in zip(outputs, results)})
