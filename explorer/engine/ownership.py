"""Which folders are stores this tool made, what state they are in, and removing only
what it made.

A store carries a marker, ``.explorer/store.json``, written whole before anything else and
naming every node (array folder) the tool creates in it. The tool deletes only stores with
a marker, and within them only the files of the nodes the marker names, its ledger and its
metadata: a user's files inside or beside a store are never touched. The marker's state
says whether the store is whole: ``creating`` from before the first node is written until
creation has finished, and again from the moment a replacement begins; ``ready`` after.
A store found ``creating`` holds no results, so ``--resume`` simply creates it again.
Stores written before markers existed are recognised by their recorded config and ledger.
"""

from __future__ import annotations

import enum
import json

from explorer.engine.files import StoreError, filesystem, is_partial, put

MARKER = ".explorer/store.json"
LEDGER = ".explorer/done"
QUICKLOOK = "quicklook.png"  # the run's quick-look plot lives (and goes) with its store
MADE_BY = "coalition-explorer"
CREATING, READY = "creating", "ready"


class State(enum.Enum):
    ABSENT = "absent"  # nothing there, or an empty folder
    FOREIGN = "foreign"  # files this tool did not write
    CREATING = "creating"  # creation (or a replacement) began and did not finish
    READY = "ready"  # created whole; its ledger says which blocks are done


def not_ours(url: str) -> StoreError:
    """The refusal for a folder this tool did not make (it suggests no destructive flag)."""
    return StoreError(
        f"{url} exists, is not empty and holds files that explorer did not write (no store "
        "marker), so nothing there was changed; give a new --store path"
    )


def read_marker(url: str) -> dict | None:
    """The marker, or None if there is none or it is not one this tool wrote."""
    fs, path = filesystem(url)
    try:
        marker = json.loads(fs.cat_file(f"{path}/{MARKER}"))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except (ValueError, UnicodeDecodeError):  # torn or edited by hand: not provably ours
        return None
    if not isinstance(marker, dict) or marker.get("made_by") != MADE_BY:
        return None
    if marker.get("state") not in (CREATING, READY) or not isinstance(marker.get("nodes"), list):
        return None
    return marker


def state(url: str) -> State:
    marker = read_marker(url)
    if marker is not None:
        return State.READY if marker["state"] == READY else State.CREATING
    fs, path = filesystem(url)
    if not fs.exists(path):
        return State.ABSENT
    if not fs.isdir(path):
        return State.FOREIGN
    if not fs.ls(path, detail=False):
        return State.ABSENT
    return State.READY if _legacy_nodes(url) is not None else State.FOREIGN


def nodes(url: str) -> list[str]:
    """The nodes this tool made in a store of its own (an empty list if none)."""
    marker = read_marker(url)
    if marker is not None:
        return [str(n) for n in marker["nodes"]]
    return _legacy_nodes(url) or []


def write_marker(url: str, marker_state: str, node_names, coordinates: dict | None = None):
    marker = {
        "made_by": MADE_BY,
        "format": 1,
        "state": marker_state,
        "nodes": list(node_names),
        "coordinates": coordinates or {},
    }
    put(url, MARKER, json.dumps(marker, indent=1).encode())


def clear(url: str) -> None:
    """Remove this tool's nodes, ledger and metadata from one of its stores, leaving the
    marker (``creating``) so that a kill midway leaves a store recognised as unfinished."""
    if state(url) is State.FOREIGN:
        raise not_ours(url)
    names = nodes(url)
    write_marker(url, CREATING, names)  # first: from here on the store reads as unfinished
    fs, path = filesystem(url)
    _remove_own_files(fs, f"{path}/.explorer", is_partial)  # a marker write cut short
    _remove_own_files(fs, f"{path}/{LEDGER}", _is_record)
    for name in names:
        if fs.exists(f"{path}/{name}/c"):
            fs.rm(f"{path}/{name}/c", recursive=True)
        _remove_own_files(fs, f"{path}/{name}", _is_metadata)
    _remove_own_files(fs, path, lambda name: _is_metadata(name) or name == QUICKLOOK)


def remove(url: str) -> None:
    """Delete one of this tool's stores: its own files only; the folder goes if empty."""
    if state(url) is State.ABSENT:
        return
    clear(url)
    fs, path = filesystem(url)
    _remove_own_files(fs, f"{path}/.explorer", lambda name: name == MARKER.rsplit("/", 1)[-1])
    _remove_empty_folder(fs, path)


def _is_metadata(name: str) -> bool:
    """Zarr metadata, and temporary files of writes cut short (ours, or zarr's own)."""
    return name == "zarr.json" or is_partial(name)


def _is_record(name: str) -> bool:
    return name.endswith(".json") or is_partial(name)


def _remove_own_files(fs, folder: str, own) -> None:
    """Delete the files in ``folder`` that ``own(name)`` claims; the folder goes if empty."""
    if not fs.isdir(folder):
        return
    for file in fs.ls(folder, detail=False):
        if own(file.rstrip("/").rsplit("/", 1)[-1]) and fs.isfile(file):
            fs.rm_file(file)
    _remove_empty_folder(fs, folder)


def _remove_empty_folder(fs, folder: str) -> None:
    try:
        if fs.isdir(folder) and not fs.ls(folder, detail=False):
            fs.rmdir(folder)
    except OSError:  # not empty after all (a user's file): it stays
        pass


def _legacy_nodes(url: str) -> list[str] | None:
    """Nodes of a store written before markers (a recorded config and a ledger), else None."""
    fs, path = filesystem(url)
    try:
        root = json.loads(fs.cat_file(f"{path}/zarr.json"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(root, dict):
        return None
    attrs = root.get("attributes") or {}
    if "config_hash" not in attrs or not fs.isdir(f"{path}/{LEDGER}"):
        return None
    consolidated = (root.get("consolidated_metadata") or {}).get("metadata") or {}
    return sorted(name for name in consolidated if "/" not in name)
