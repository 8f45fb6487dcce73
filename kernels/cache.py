"""Generated kernels compiled once per machine, not once per process.

Each generated kernel's source is written to a module file in the cache folder, named by a
hash of everything its machine code depends on: the generated source, how it is compiled
(decorator and options), this package's and numba's versions, and the source files of the
point solver and of every jitted function and module it reaches. numba then compiles the
function with ``cache=True`` and keeps the machine code beside that file. A changed input
gives a new name, so a stale kernel is never found; a module file is never rewritten
(numba checks its timestamp). A cache that cannot be read is rebuilt; one that cannot be
written is bypassed with a warning: the kernel is then compiled in memory, as correct and
only slower to start.

numba names a compiled function by its qualified name and a number it counts from 1 in
every process, and links functions of one name as one. Closures made by one factory (the
variants of a solver, say) share a qualified name, so a kernel loaded from the cache,
compiled by another process, and one compiled here could share a function's name, and
the loaded kernel would call the other's code (this happened, silently, to two Monte
Carlo variants in one process). Here every process counts from its own random start.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
import sys
import types
import warnings
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path

from kernels.compiler_setup import loading_only, set_up

CACHE_ENV = "EXPLORER_CACHE_DIR"
FORMAT = 2  # kernels compiled with function numbers from 1 (format 1) are not reused
DISABLE_ENV = "EXPLORER_NO_CACHE"
PREFIX = "kernel_"


class CacheWarning(UserWarning):
    """The kernel cache could not be used; kernels are compiled in memory instead."""


def cache_root() -> Path:
    """Where compiled kernels live: $EXPLORER_CACHE_DIR, else the user's cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "coalition-explorer"


@cache
def _versions() -> str:
    import numba

    try:
        package = metadata.version("coalition-explorer")
    except metadata.PackageNotFoundError:  # run from a source tree
        package = "?"
    return f"{package}|numba {numba.__version__}|{sys.version}|format {FORMAT}"


def distinct_function_ids() -> None:
    """Make numba number this process's functions from a random start (odds of 2^-31 that
    two processes' first million functions overlap), once, before it compiles any."""
    from numba.core.bytecode import FunctionIdentity

    if isinstance(getattr(FunctionIdentity, "_unique_ids", None), itertools.count):
        FunctionIdentity._unique_ids = itertools.count(secrets.randbits(52) + 1)


distinct_function_ids()


def _describe(value, seen: set[int], files: set[str]) -> str:
    """What a value passed into jitted code compiles to: for a (jitted) function, its
    name, the values in its closure, in order, and the functions, modules and constants
    its globals give it, each described the same way; the source files met on the way go
    to ``files``. Two variants of one solver (closures over other functions) differ here
    even where their source files are the same."""
    if isinstance(value, bool | int | float | complex | str | bytes | type(None)):
        return repr(value)
    if isinstance(value, tuple | list):
        return "(" + ",".join(_describe(v, seen, files) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_describe(v, seen, files)}" for k, v in value.items()) + "}"
    if isinstance(value, types.ModuleType):
        if getattr(value, "__file__", None):
            files.add(value.__file__)
        return f"module {value.__name__}"
    python = getattr(value, "py_func", value)
    code = getattr(python, "__code__", None)
    if code is None:
        return type(value).__qualname__
    name = f"{python.__module__}.{python.__qualname__}"
    if id(python) in seen:
        return name
    seen.add(id(python))
    files.add(code.co_filename)
    names, stack = set(), [code]
    while stack:  # names used by the function and by the code objects nested in it
        current = stack.pop()
        names.update(current.co_names)
        stack += [c for c in current.co_consts if isinstance(c, types.CodeType)]
    cells = [_describe(cell.cell_contents, seen, files) for cell in python.__closure__ or ()]
    used = sorted(n for n in names if n in python.__globals__)
    bound = [f"{n}={_describe(python.__globals__[n], seen, files)}" for n in used]
    return f"{name}({';'.join(cells)})[{';'.join(bound)}]"


@cache
def _fingerprint(function) -> str:
    files: set[str] = set()
    described = _describe(function, set(), files)
    digest = hashlib.blake2b(described.encode(), digest_size=16)
    for name in sorted(files):
        digest.update(name.encode())
        try:
            digest.update(Path(name).read_bytes())
        except OSError:  # generated or interactive code: its text is in the source hashed
            digest.update(b"?")
    return digest.hexdigest()


def _module_path(name: str, source: str) -> Path:
    """The module file for ``source``, written once (whole, or not at all)."""
    folder = cache_root()
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text(errors="replace") != source:  # absent or damaged
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f".{name}.{os.getpid()}.part"
        part.write_text(source)
        os.replace(part, path)
    return path


def _execute(name: str, source: str, namespace: dict, path: Path | None):
    """Run a kernel's module source (from its file when there is one); returns ``kernel``."""
    module = types.ModuleType(name)
    module.__dict__.update(namespace)
    if path is None:
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    else:
        module.__file__ = str(path)
        sys.modules[name] = module  # numba looks functions' modules up by name
        exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    return module.kernel


def _forget(name: str) -> None:
    """Drop a kernel's compiled files (they failed to load); its module file stays."""
    for found in (cache_root() / "__pycache__").glob(f"{name}.*"):
        found.unlink(missing_ok=True)


@cache
def _warn_once(reason: str) -> None:
    warnings.warn(
        f"kernel cache unusable ({reason}); compiling in memory, so every process compiles "
        f"again. Set {CACHE_ENV} to a writable folder to keep compiled kernels.",
        CacheWarning,
        stacklevel=4,
    )


def compiled(
    solver,
    source: str,
    decorator: Callable,
    args: tuple = (),
    options: dict | None = None,
    namespace: dict | None = None,
):
    """``decorator(*args, **options, cache=True)`` applied to the ``kernel`` that
    ``source`` defines (which calls ``solve``, the point solver, and the jitted functions
    in ``namespace``), cached on disk."""
    options = dict(options or {})
    namespace = {"solve": solver, **(namespace or {})}
    key = "\n".join(
        [
            _versions(),
            *(_fingerprint(namespace[name]) for name in sorted(namespace)),
            f"{decorator.__module__}.{decorator.__qualname__}",
            repr(args),
            repr(sorted(options.items())),
            source,
        ]
    )
    name = PREFIX + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()

    def in_memory():
        set_up()  # numba's compiler (without scipy.linalg), before it compiles
        return decorator(*args, **options)(_execute(name, source, namespace, None))

    if os.environ.get(DISABLE_ENV):
        return in_memory()
    try:
        path = _module_path(name, source)
    except OSError as err:
        _warn_once(f"cannot write {cache_root()}: {err.strerror or err}")
        return in_memory()
    failure = None
    for _ in range(2):  # a second try after dropping compiled files that failed to load
        try:
            with warnings.catch_warnings(), loading_only():  # (a miss sets the compiler up)
                warnings.filterwarnings("error", message="Cannot cache", category=_numba_warning())
                return decorator(*args, **options, cache=True)(
                    _execute(name, source, namespace, path)
                )
        except Exception as err:
            failure = err
            _forget(name)
    kernel = in_memory()
    _warn_once(f"{type(failure).__name__}: {failure}".splitlines()[0])  # (it compiles here)
    return kernel


def _numba_warning() -> type[Warning]:
    from numba.core.errors import NumbaWarning

    return NumbaWarning


def describe() -> dict:
    """What the cache holds: folder, kernels, bytes."""
    root = cache_root()
    modules = sorted(root.glob(f"{PREFIX}*.py")) if root.is_dir() else []
    compiled_files = (
        [p for p in (root / "__pycache__").glob(f"{PREFIX}*") if p.is_file()]
        if (root / "__pycache__").is_dir()
        else []
    )
    size = sum(p.stat().st_size for p in modules + compiled_files)
    return {
        "folder": str(root),
        "kernels": len(modules),
        "files": len(modules) + len(compiled_files),
        "bytes": size,
    }


def clear() -> int:
    """Remove every file this cache made (and nothing else); returns how many."""
    root = cache_root()
    removed = 0
    for folder in (root, root / "__pycache__"):
        if not folder.is_dir():
            continue
        for path in folder.glob(f"{PREFIX}*"):
            if path.is_file():
                path.unlink(missing_ok=True)
                removed += 1
        for path in folder.glob(f".{PREFIX}*.part"):
            path.unlink(missing_ok=True)
    for folder in (root / "__pycache__", root):
        try:
            folder.rmdir()  # only when empty: a user's own files there stay
        except OSError:
            pass
    return removed
