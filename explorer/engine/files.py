"""Paths and whole-or-nothing writes, for local folders and any fsspec URL."""

from __future__ import annotations

import hashlib
import os
import tempfile

import fsspec
from fsspec.implementations.local import LocalFileSystem

TEMP_PREFIX = ".tmp-"


class StoreError(ValueError):
    """A store that cannot be used as asked; the message says why and what to do."""


def normalize_url(text: str) -> str:
    """A store location as given (``~`` expanded), or a StoreError saying what is wrong."""
    if not text or not text.strip():
        raise StoreError("the store path is empty; give a folder such as results/mine.zarr")
    if "://" not in text:
        return os.path.expanduser(text)
    protocol = text.split("://", 1)[0]
    try:
        fsspec.get_filesystem_class(protocol)
    except ValueError:
        raise StoreError(
            f"{text!r}: unknown protocol {protocol!r}; give a local path or an fsspec URL "
            "(file://, memory://, s3:// with s3fs installed, ...)"
        ) from None
    except ImportError as err:
        raise StoreError(
            f"{text!r}: the {protocol}:// protocol needs a package that is not installed "
            f"({err}); install it or give a local path"
        ) from None
    return text


def filesystem(url: str):
    """(fsspec filesystem, path) for a local path or any fsspec URL."""
    return fsspec.core.url_to_fs(url)


def is_local(url: str) -> bool:
    return isinstance(filesystem(url)[0], LocalFileSystem)


def put(url: str, key: str, data: bytes) -> None:
    """Store ``data`` under ``key`` whole or not at all: a local file is written aside and
    renamed into place (object stores replace objects atomically anyway), so a killed run
    never leaves a torn chunk or record behind."""
    fs, path = filesystem(url)
    target = f"{path}/{key}"
    if isinstance(fs, LocalFileSystem):
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=TEMP_PREFIX, delete=False) as f:
            f.write(data)
        os.replace(f.name, target)
    else:
        fs.pipe_file(target, data)


def size_bytes(url: str) -> int:
    """Bytes in every file under ``url`` (0 where there is nothing)."""
    fs, path = filesystem(url)
    if not isinstance(fs, LocalFileSystem):
        return int(fs.du(path)) if fs.exists(path) else 0
    if not os.path.isdir(path):
        return os.path.getsize(path) if os.path.isfile(path) else 0
    total, folders = 0, [path]  # (fsspec's walk asks for each file's details twice over)
    while folders:
        try:
            entries = os.scandir(folders.pop())
        except FileNotFoundError:  # removed meanwhile
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_size
    return total


def is_partial(path: str) -> bool:
    """A temporary file of a write cut short: ours (``put``) or zarr's own."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name.startswith(TEMP_PREFIX) or name.endswith(".partial")


def digest(data: bytes) -> str:
    """The checksum recorded for every chunk written."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()
