"""Stores describe themselves as CF asks: what netCDF tools and cf-xarray read."""

import re

import xarray as xr

from explorer.engine.config import parse_config
from explorer.engine.sweep import run_sweep
from explorer.models import get_model
from explorer.models.coalition.presets import FIGURE2

FLAG_MEANING = re.compile(r"^[A-Za-z0-9_.+@-]+$")  # CF 1.10, section 3.5


def test_a_new_store_carries_cf_attributes(tmp_path):
    model = get_model("coalition")
    url = str(tmp_path / "cf.zarr")
    config = parse_config(
        {
            "game": "revisionist",
            "fixed": {**FIGURE2, "q": 0.5},
            "axes": {"theta": {"linspace": [0.1, 0.9, 3]}, "beta": {"linspace": [0, 1, 4]}},
            "outputs": list(model.output_names),
        }
    )
    run_sweep(config, url, progress=False)
    ds = xr.open_zarr(url)
    assert ds.attrs["Conventions"].startswith("CF-")
    assert ds.attrs["title"] and "explorer run" in ds.attrs["history"]
    for name in ds.coords:
        attrs = ds[name].attrs
        assert attrs["long_name"] == model.parameter(name).meaning, name
        assert attrs["units"] == "1" and attrs["symbol"] == model.parameter(name).symbol, name
    for name in ds.data_vars:
        output, attrs = model.output(name), ds[name].attrs
        assert attrs["long_name"] == output.meaning
        assert isinstance(attrs["depends_on"], list)
        if output.kind == "continuous":
            assert attrs["units"] == "1", name
        else:
            assert "units" not in attrs, name  # flags and booleans: numbers without units
        if "flag_meanings" in attrs:
            meanings = attrs["flag_meanings"].split(" ")
            values = attrs.get("flag_values", attrs.get("flag_masks"))
            assert len(meanings) == len(values) == len(set(meanings)), name
            assert all(FLAG_MEANING.match(m) for m in meanings), meanings
