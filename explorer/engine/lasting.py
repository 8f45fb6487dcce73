"""Making objects that live as long as the process, without the garbage collector's toll."""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def lasting_objects():
    """Pause the cyclic garbage collector while objects that outlive the command are made
    (a command's imports, numba's compiler set-up: hundreds of thousands of objects, none
    of them garbage, whose collection as they come costs about a tenth of making them),
    then freeze them, so that later collections do not walk them again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
