"""Sobol' indices: SALib's analysis through the project's wrapper, on a known function and
on the model."""

import numpy as np
from PIL import Image
from SALib.test_functions import Ishigami

from explorer.analysis.sensitivity import box_sensitivity, plot_indices, sobol_indices
from explorer.analysis.shares import box_of
from explorer.engine.config import load_config

# Analytic indices of the Ishigami function (a = 7, b = 0.1), as SALib documents them.
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def test_ishigami_indices_match_the_reference_values():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    found = sobol_indices(problem, lambda x: {"y": Ishigami.evaluate(x)}, 1 << 14, seed=1)["y"]
    np.testing.assert_allclose(found["S1"], ISHIGAMI_S1, atol=0.03)
    np.testing.assert_allclose(found["ST"], ISHIGAMI_ST, atol=0.03)


def test_model_indices_reflect_what_each_threshold_depends_on(tmp_path):
    box = box_of(load_config("configs/analysis.toml"))
    indices = box_sensitivity(box, 1024)
    names = list(box.bounds)
    # beta_lp (eq. 1) does not involve beta or q; q_l (eq. 2) not c_p, beta or q.
    for target, absent in (("beta_lp", ("beta", "q")), ("q_l", ("c_p", "beta", "q"))):
        for name in absent:
            assert abs(indices[target]["ST"][names.index(name)]) < 1e-9, (target, name)
    assert indices["beta_lp"]["ST"][names.index("c_p")] > 0.3
    path = plot_indices(indices, names, tmp_path / "s.png")
    with Image.open(path) as image:
        assert image.width > 800
