"""The model registry: shipped models are found, installed ones arrive through the
``explorer.models`` entry point group, and code can register its own."""

import dataclasses
import subprocess
import sys

import pytest
from click.testing import CliRunner

import explorer
from explorer import models
from explorer.cli import main


class FakeEntryPoint:
    """What importlib.metadata hands back for an installed package's model."""

    value = "their_package:MODEL"

    def __init__(self, model):
        self.model = model

    def load(self):
        return self.model


@pytest.fixture
def fresh_registry(monkeypatch):
    monkeypatch.setattr(models, "_MODELS", {})
    monkeypatch.setattr(models, "_found", False)


def test_shipped_models_are_found(fresh_registry):
    assert {"coalition", "bargaining"} <= set(models.available())
    assert models.default_model().name == "coalition"


def test_an_installed_package_adds_its_model_through_an_entry_point(fresh_registry, monkeypatch):
    shipped = models.get_model("bargaining")
    theirs = dataclasses.replace(shipped, name="theirs", title="A third party's game")
    monkeypatch.setattr(models, "_found", False)
    monkeypatch.setattr(
        models.metadata,
        "entry_points",
        lambda group: [FakeEntryPoint(theirs)] if group == models.ENTRY_POINTS else [],
    )
    assert models.get_model("theirs") is theirs
    ds = explorer.solve(model="theirs", p=0.5, c_a=0.1, c_low=0.0, c_high=0.4)
    assert float(ds.demand) == pytest.approx(0.65) and ds.attrs["model"] == "theirs"
    listed = CliRunner().invoke(main, ["models"])
    assert "theirs: A third party's game" in listed.output
    solved = CliRunner().invoke(main, ["solve", "--model", "theirs"])
    assert solved.exit_code == 0 and "risk of war" in solved.output


def test_code_registers_a_model_and_a_wrong_object_is_refused(fresh_registry):
    mine = dataclasses.replace(models.get_model("bargaining"), name="mine")
    assert models.register(mine) is mine and models.get_model("mine") is mine
    with pytest.raises(TypeError, match="not an explorer.models.declaration.Model"):
        models.register({"name": "dict"})
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        models.get_model("nope")


def test_codes_a_model_does_not_declare_stop_the_run(fresh_registry, tmp_path):
    """Category counts are kept in the kernel's pass; a code outside the declared labels
    is an error naming the output, never a write past the counts."""
    from explorer.engine.config import parse_config
    from explorer.engine.sweep import run_sweep

    shipped = models.get_model("bargaining")
    outcome = shipped.output("outcome")
    narrowed = dataclasses.replace(outcome, labels={-1: "invalid point", 0: "sure peace"})
    outputs = tuple(narrowed if o is outcome else o for o in shipped.outputs)
    models.register(dataclasses.replace(shipped, name="narrow", outputs=outputs))
    raw = {
        "model": "narrow",
        "fixed": {"c_low": 0.0},
        "axes": {
            "p": {"values": [0.5]},
            "c_a": {"values": [0.0, 0.1]},
            "c_high": {"values": [0.4]},
        },
        "outputs": ["outcome"],
    }
    with pytest.raises(ValueError, match="gave outcome codes it does not declare"):
        run_sweep(parse_config(raw), str(tmp_path / "s.zarr"), progress=False)


def test_an_installed_model_cannot_take_a_shipped_name(fresh_registry, monkeypatch):
    shipped = models.get_model("bargaining")
    impostor = dataclasses.replace(shipped, title="Not the shipped game")
    monkeypatch.setattr(
        models.metadata,
        "entry_points",
        lambda group: [FakeEntryPoint(impostor)] if group == models.ENTRY_POINTS else [],
    )
    with pytest.warns(UserWarning, match="installed model 'bargaining' .* is not used"):
        assert "bargaining" in models.available()
    assert models.get_model("bargaining") is shipped


def test_the_default_and_a_named_model_load_without_the_other_models():
    """A command that needs one model imports that one only (each costs imports)."""
    script = (
        "import sys; from explorer import models; "
        "print(models.default_model().name, models.get_model('bargaining').name, "
        "'explorer.models.coalition_mc' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.split() == ["coalition", "bargaining", "False"], done.stderr
