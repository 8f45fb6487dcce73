"""numba's compiler set up without importing scipy.linalg, and not set up at all where
cached kernels are only loaded.

numba sets its compiler up on first use, and part of that checks that scipy's BLAS can be
imported by importing it: all of ``scipy.linalg``, about 0.2 s, a tenth of a short
command, for a check whose answer only decides whether ``np.correlate`` and
``np.convolve`` of floats call BLAS. Here the check looks for scipy's BLAS module file
instead, and still runs numba's check that scipy's BLAS has the integer width numba was
built for. BLAS itself is imported, as before, by the first kernel that calls it. With a
numba whose set-up differs from the one this expects, numba sets itself up as it always
does.

Loading a cached kernel needs none of that: numba refreshes its whole compiler before it
looks in a cache (every lowering it has, imported and registered: 0.2 s here, a tenth of
a short command), although machine code from the cache needs only numba's runtime. While
``loading_only`` holds, a cache lookup on the CPU starts the runtime and nothing more; a
miss sets the compiler up as above, and numba compiles as always.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import sys
from functools import cache
from pathlib import Path


@cache
def set_up() -> None:
    """Set numba's CPU compiler up now (once per process; under numba's compiler lock, so
    no thread compiles meanwhile)."""
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target

    with global_compiler_lock, _blas_found_not_imported():
        cpu_target.target_context.refresh()


@contextlib.contextmanager
def loading_only():
    """Cache lookups on the CPU, within the block, without setting numba's compiler up.
    Holds numba's compiler lock, under which numba looks in its caches, so no other
    thread looks meanwhile."""
    try:
        from numba.core.caching import Cache
        from numba.core.compiler_lock import global_compiler_lock
        from numba.core.registry import cpu_target
        from numba.core.runtime import nrt

        original, load = Cache.load_overload, Cache._load_overload
        guard = Cache._guard_against_spurious_io_errors
    except (ImportError, AttributeError):  # another numba: leave it to itself
        yield
        return

    def load_overload(self, sig, target_context):
        if target_context is not cpu_target.target_context:  # another target: as numba does
            return original(self, sig, target_context)
        nrt.rtsys.initialize(target_context)  # what loaded machine code calls
        with guard(self):
            found = load(self, sig, target_context)
        if found is None:  # not cached (or unreadable): numba compiles it next
            set_up()
        return found

    with global_compiler_lock:
        Cache.load_overload = load_overload
        try:
            yield
        finally:
            Cache.load_overload = original


def scipy_blas_present() -> bool:
    """Whether scipy's compiled BLAS module is installed (found, not imported)."""
    scipy = importlib.util.find_spec("scipy")
    folders = scipy.submodule_search_locations if scipy else None
    return any(
        Path(folder, "linalg", "cython_blas" + suffix).is_file()
        for folder in folders or []
        for suffix in importlib.machinery.EXTENSION_SUFFIXES
    )


@contextlib.contextmanager
def _blas_found_not_imported():
    if "numba.np.arraymath" in sys.modules:  # set up already
        yield
        return
    try:
        from numba.np import linalg

        ensure_blas, check_width = linalg.ensure_blas, linalg._check_lapack_int_width
    except (ImportError, AttributeError):  # another numba: leave it to itself
        yield
        return

    def found_blas() -> None:
        if not scipy_blas_present():
            raise ImportError("scipy's BLAS (scipy.linalg.cython_blas) is not installed")
        check_width()

    linalg.ensure_blas = found_blas  # read once, as numba.np.arraymath is imported
    try:
        yield
    finally:
        linalg.ensure_blas = ensure_blas
