"""What a measurement ran on, and how much memory it took: for benchmark reports."""

from __future__ import annotations

import os
import platform
import threading
import time
from pathlib import Path

import psutil

from explorer.engine.sweep import versions


def cpu_model() -> str:
    """The CPU's marketing name (Linux reads /proc/cpuinfo; elsewhere what platform says)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def machine_info() -> dict:
    memory = psutil.virtual_memory()
    return {
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "logical_cpus": os.cpu_count(),
        "memory_gib": round(memory.total / 2**30, 1),
        "platform": platform.platform(),
        "versions": versions(),
    }


def tree_rss(children: list | None = None) -> int:
    """Resident bytes of this process and its children (dask worker processes); pass
    ``children`` to skip listing them again (listing scans every process, reading one
    RSS does not)."""
    me = psutil.Process()
    total = me.memory_info().rss
    for child in me.children(recursive=True) if children is None else children:
        try:
            total += child.memory_info().rss
        except psutil.Error:  # a child that exited between listing and reading
            continue
    return total


class PeakMemory:
    """Samples the process tree's RSS every ``interval`` seconds while active; ``peak``
    in bytes.

    Sampling misses spikes shorter than the interval; it needs no changes to the code
    measured and sees worker processes, which ``ru_maxrss`` does not. Children are listed
    again only every ``relist`` seconds, so the sampler itself stays off the CPU.
    """

    def __init__(self, interval: float = 0.02, relist: float = 1.0):
        self.interval = interval
        self.relist = relist
        self.peak = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        children, listed = [], 0.0
        while not self._stop.wait(self.interval):
            if time.monotonic() - listed > self.relist:
                children, listed = psutil.Process().children(recursive=True), time.monotonic()
            self.peak = max(self.peak, tree_rss(children))

    def __enter__(self) -> PeakMemory:
        self.peak = tree_rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss())
