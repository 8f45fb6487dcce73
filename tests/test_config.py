"""Sweep configs: every mistake is a one-line ConfigError naming the key."""

import copy
from pathlib import Path

import pytest

from explorer.engine.config import ConfigError, load_config, parse_config
from explorer.models.coalition.presets import FIGURE2

BASE = {
    "game": "status_quo",
    "fixed": dict(FIGURE2),
    "axes": {"theta": {"linspace": [0.1, 0.9, 5]}, "beta": {"values": [0.0, 0.5, 1.0]}},
}


def broken(**changes):
    raw = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        node = raw
        for parent in parents:
            node = node.setdefault(parent, {})
        if value is DELETE:
            del node[key]
        else:
            node[key] = value
    return raw


DELETE = object()


def sampled(**sample):
    """BASE as a sample over beta, with ``sample`` keys added."""
    design = {"method": "uniform", "n": 8, "bounds": {"beta": [0, 1]}, **sample}
    return broken(axes=DELETE, fixed__theta=0.5, sample=design)


CASES = {
    "unknown top-level key": (broken(chunk_size=5), "chunk_size"),
    "unknown key in an axis": (
        broken(axes__theta={"linspace": [0.1, 0.9, 5], "step": 1}),
        "axes.theta.step",
    ),
    "alpha = 1 at a linspace end point": (
        broken(fixed__alpha=DELETE, axes__alpha={"linspace": [0.5, 1.0, 3]}),
        "axes.alpha",
    ),
    "fixed value outside its domain": (broken(fixed__c_p=-0.1), "fixed.c_p"),
    "empty axis": (broken(axes__beta={"values": []}), "axes.beta"),
    "non-increasing axis": (broken(axes__beta={"values": [0.5, 0.2]}), "axes.beta"),
    "axis with two kinds": (
        broken(axes__beta={"values": [0.5], "linspace": [0, 1, 3]}),
        "axes.beta",
    ),
    "linspace with zero points": (broken(axes__beta={"linspace": [0, 1, 0]}), "axes.beta"),
    "both fixed and swept": (broken(fixed__theta=0.5), "theta"),
    "required parameter missing": (broken(fixed__c_p=DELETE), "c_p"),
    "parameter of another game": (broken(fixed__q=0.3), "fixed.q"),
    "unknown parameter": (broken(fixed__gamma=0.3), "fixed.gamma"),
    "unknown output": (broken(outputs=["outcome", "welfare"]), "outputs"),
    "unknown game": (broken(game="civil_war"), "game"),
    "unknown rho_form": (broken(rho_form="cubic"), "rho_form"),
    "unknown codec": (broken(codec="gzip"), "codec"),
    "grid over the size limit": (
        broken(
            axes__theta={"linspace": [0.01, 0.99, 50_000]}, axes__beta={"linspace": [0, 1, 50_000]}
        ),
        "allow_large",
    ),
    "grid and sample together": (
        broken(sample={"method": "sobol", "n": 8, "bounds": {"q": [0, 1]}}),
        "sample",
    ),
    "empty sample bounds": (
        broken(
            axes=DELETE,
            fixed__theta=0.5,
            sample={"method": "uniform", "n": 8, "bounds": {"beta": [0.5, 0.5]}},
        ),
        "sample.bounds.beta",
    ),
    "unknown sampling method": (
        broken(
            axes=DELETE,
            fixed__theta=0.5,
            sample={"method": "halton", "n": 8, "bounds": {"beta": [0, 1]}},
        ),
        "sample.method",
    ),
    "nothing swept": (broken(axes=DELETE, fixed__theta=0.5, fixed__beta=0.5), "axes"),
    "distribution of an unsampled parameter": (
        sampled(distributions={"theta": {"name": "beta", "args": [2, 5]}}),
        "sample.distributions.theta",
    ),
    "distribution scipy does not have": (
        sampled(distributions={"beta": {"name": "betta", "args": [2, 5]}}),
        "'betta' is not a continuous scipy.stats distribution",
    ),
    "distribution off the unit interval": (
        sampled(distributions={"beta": {"name": "norm"}}),
        "not inside [0, 1]",
    ),
    "distribution with invalid args": (
        sampled(distributions={"beta": {"name": "beta", "args": [-1, 2]}}),
        "not valid for beta",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_config_errors_name_the_key(name):
    raw, key = CASES[name]
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    message = str(err.value)
    assert key in message
    assert "\n" not in message


def test_valid_config_and_its_derived_values():
    config = parse_config(copy.deepcopy(BASE))
    assert config.swept() == ("theta", "beta")
    assert config.n_points() == 15
    assert len(config.digest()) == 64


def test_digest_ignores_the_store_path_but_not_the_numbers():
    a = parse_config(copy.deepcopy(BASE))
    b = parse_config(broken(store="elsewhere.zarr"))
    c = parse_config(broken(fixed__c_p=0.2))
    assert a.digest() == b.digest() != c.digest()


def test_large_grid_runs_with_explicit_opt_in():
    raw = broken(
        axes__theta={"linspace": [0.01, 0.99, 50_000]},
        axes__beta={"linspace": [0, 1, 50_000]},
        allow_large=True,
    )
    assert parse_config(raw).n_points() == 2_500_000_000


def test_shipped_configs_are_valid():
    configs = sorted(Path(__file__).parent.parent.joinpath("configs").glob("*.toml"))
    assert {c.stem for c in configs} >= {"figure2", "default", "large"}
    for path in configs:
        load_config(path)


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("game = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
