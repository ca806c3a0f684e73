"""How much memory the server under test held: resident set sizes of a process and its children, from /proc (Linux)."""

from pathlib import Path

from bench.cpu import children


def _tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children(current))
    return found


def _status_kib(pid: int, field: str) -> int:
    """One ``kB`` line of /proc/PID/status (VmRSS, VmHWM); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(pid: int) -> float:
    """Resident memory now of ``pid`` and its live descendants (uvicorn's workers), in MiB."""
    return sum(_status_kib(p, "VmRSS") for p in _tree(pid)) / 1024


def tree_peak_mib(pid: int) -> float:
    """The sum of each process's peak resident memory (VmHWM) since start or since ``reset_peaks``, in MiB."""
    return sum(_status_kib(p, "VmHWM") for p in _tree(pid)) / 1024


def reset_peaks(pid: int) -> bool:
    """Bring every process's peak (VmHWM) down to its present RSS (``clear_refs`` 5, Linux ≥ 4.0); False if refused."""
    try:
        for p in _tree(pid):
            Path(f"/proc/{p}/clear_refs").write_text("5")
    except OSError:
        return False
    return True
