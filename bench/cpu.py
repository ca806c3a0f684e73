"""How busy the server under test was: CPU seconds of a process and its children, from /proc (Linux)."""

import os
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The live child processes of ``pid``."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(child) for child in task.read_text().split())
        except OSError:  # the task ended meanwhile
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by ``pid`` and its live descendants (uvicorn's workers)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of stat)
        pending.extend(children(current))
    return total


class Busy:
    """``with Busy(pid) as busy: …`` then ``busy.cores``: the CPU cores the server kept busy meanwhile, on average.

    At saturation it is the number of cores the server may use (1.0 pinned to one core); less means the load
    generator left it waiting (too few connections for requests that wait on the database, or a slow client).
    """

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.cores: float | None = None

    def __enter__(self) -> "Busy":
        self._start = (time.perf_counter(), tree_cpu_seconds(self.pid) if self.pid else 0.0)
        return self

    def __exit__(self, *_: object) -> None:
        if self.pid:
            elapsed = time.perf_counter() - self._start[0]
            self.cores = (tree_cpu_seconds(self.pid) - self._start[1]) / elapsed if elapsed > 0 else None
