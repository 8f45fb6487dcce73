"""The numba.cuda grid kernel, run in numba's CUDA simulator (no GPU needed): the same
outputs as the CPU grid kernel on a small 4-D grid."""

import os
import subprocess
import sys

SCRIPT = """
import numpy as np
from numba import cuda
from explorer.models import get_model
from kernels.loops import cuda_unavailable_reason

assert cuda_unavailable_reason() is None  # the simulator counts as a device
axes = [np.linspace(0.1, 0.9, 3), np.linspace(0.01, 0.99, 4), np.linspace(0, 1, 5),
        np.linspace(0, 1, 3)]
fixed = [0.75, 0.55, 0.65, 0.15, 0.1, 0.1]
names = ("alpha", "theta", "beta", "q")
outs = ("outcome", "eu_leader", "q_lp", "paper_agrees", "flags")
dtypes = ("int8", "float64", "float64", "bool", "uint16")
model = get_model("coalition")
choices = model.choices({"game": "revisionist", "rho_form": "linear"})
device = [cuda.device_array(180, dtype=d) for d in dtypes]
model.cuda_grid(choices, names, outs)[1, 256](*(cuda.to_device(a) for a in axes), *fixed, *device)
got = [d.copy_to_host() for d in device]
want = [np.empty((3, 4, 5, 3), dtype=d) for d in dtypes]
model.grid_loop(choices, names, outs)(*axes, *fixed, *want)
for g, w in zip(got, want):
    np.testing.assert_array_equal(g, w.reshape(-1))
print("same", sum(g.size for g in got))
"""


def test_cuda_kernel_in_the_simulator_equals_the_cpu_kernel():
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["same", str(5 * 180)]
