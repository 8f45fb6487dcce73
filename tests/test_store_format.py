"""A new store's files are the ones zarr-python writes for the same arrays, byte for byte,
and zarr-python reads them back; a run imports no zarr-python at all."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import zarr
from zarr.codecs import BloscCodec, ZstdCodec

from explorer.engine import store
from explorer.engine.config import load_config, parse_config
from explorer.engine.labels import output_attrs, parameter_attrs
from explorer.engine.plan import make_plan
from tests.test_sweep import GRID

ROOT = Path(__file__).resolve().parents[1]
SAMPLED = {
    "game": "status_quo",
    "fixed": {"rho": 0.75, "p_l": 0.55, "p_lp": 0.65, "c_l": 0.15, "c_lp": 0.1, "c_p": 0.1},
    "sample": {
        "method": "sobol",
        "n": 1024,
        "seed": 3,
        "bounds": {"alpha": [0.1, 0.9], "theta": [0.05, 0.95], "beta": [0, 1]},
    },
    "chunk_points": 300,
}


def zarr_compressors(codec: str, dtype: str):
    """The outputs' compressors as zarr-python objects (the reference)."""
    if codec == "none":
        return None
    if codec == "zstd":
        return [ZstdCodec(level=1)]
    cname = "lz4" if codec == "blosc-lz4" else "zstd"
    shuffle = "noshuffle" if np.dtype(dtype).itemsize == 1 else "shuffle"
    return [BloscCodec(cname=cname, clevel=5 if cname == "lz4" else 1, shuffle=shuffle)]


def written_by_zarr(url, plan, codec, attrs, outputs, coordinates) -> None:
    """The same store made node by node with zarr-python, then consolidated."""
    group = zarr.create_group(url, zarr_format=3, attributes=attrs)
    names = [*plan.coords, *plan.fixed]
    for name in names:
        values = np.asarray(plan.coords.get(name, plan.fixed.get(name)), np.float64)
        dims = () if values.ndim == 0 else plan.dims if plan.sampled else (name,)
        chunks = plan.chunks if plan.sampled and dims else "auto"  # grid axes: zarr chooses
        group.create_array(
            name, data=values, chunks=chunks, fill_value=np.nan, dimension_names=dims,
            attributes=coordinates[name],
        )  # fmt: skip
    for layout in plan.outputs:
        group.create_array(
            layout.name,
            shape=tuple(n for d, n in zip(plan.dims, plan.shape) if d in layout.dims),
            chunks=tuple(c for d, c in zip(plan.dims, plan.chunks) if d in layout.dims),
            dtype=layout.dtype,
            fill_value=store.FILL_VALUES[layout.dtype],
            dimension_names=layout.dims,
            compressors=zarr_compressors(codec, layout.dtype),
            attributes={**outputs[layout.name], "coordinates": " ".join(names)},
        )
    store.consolidate(url)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".explorer" not in p.parts
    }


@pytest.mark.parametrize(
    "name, codec",
    [("grid", "blosc-lz4"), ("grid", "blosc-zstd"), ("grid", "zstd"), ("grid", "none"),
     ("sampled", "blosc-lz4"), ("pilot", "blosc-lz4")],
)  # fmt: skip
def test_a_new_store_is_what_zarr_python_writes(tmp_path, name, codec):
    if name == "pilot":
        config = load_config(ROOT / "configs" / "mc_pilot.toml")
    else:
        config = parse_config({**(GRID if name == "grid" else SAMPLED), "codec": codec})
    plan, spec = make_plan(config), config.spec
    attrs = {"title": "a store", "config": config.model_dump(mode="json"), "run_points": None}
    outputs = {o.name: output_attrs(spec, o.name) for o in plan.outputs}
    coordinates = {n: parameter_attrs(spec, n) for n in [*plan.coords, *plan.fixed]}
    ours, theirs = tmp_path / "ours.zarr", tmp_path / "theirs.zarr"
    store.create(str(ours), plan, config.codec, attrs, outputs, coordinates)
    written_by_zarr(str(theirs), plan, config.codec, attrs, outputs, coordinates)
    mine, reference = files_of(ours), files_of(theirs)
    assert sorted(mine) == sorted(reference)
    assert [key for key in mine if mine[key] != reference[key]] == []

    read = zarr.open_group(str(ours), mode="r")
    for coordinate, values in plan.coords.items():
        np.testing.assert_array_equal(read[coordinate][...], values)
    store.update_attrs(str(ours), {"status": "complete"})  # as a run's end does
    assert zarr.open_consolidated(str(ours)).attrs["status"] == "complete"
    zarr.open_group(str(theirs), mode="r+").update_attributes({"status": "complete"})
    store.consolidate(str(theirs))
    assert files_of(ours)["zarr.json"] == files_of(theirs)["zarr.json"]


def test_a_run_imports_no_zarr_python(tmp_path):
    script = (
        "import sys; from explorer.cli import main; sys.argv = ['explorer', 'run', "
        f"'configs/figure2.toml', '--store', {str(tmp_path / 'f.zarr')!r}, '--quiet']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nprint('zarr' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr
