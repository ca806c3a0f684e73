"""How a load run turns its slices into one figure, and how busy the server under test was."""

import os
import resource
import subprocess
import sys

import pytest
from bench.cpu import tree_cpu_seconds
from bench.results import Result
from bench.run import merge


def slice_of(requests: int, seconds: float, p50: float, p99: float, busy: float, errors: int = 0) -> Result:
    return Result(
        name="clinic_verify",
        requests=requests,
        errors=errors,
        duration_s=seconds,
        p50_ms=p50,
        p99_ms=p99,
        server_cores=busy,
    )


def test_slices_add_up_to_one_figure_with_the_median_p50_and_the_worst_p99() -> None:
    figure = merge(
        [
            slice_of(1000, 5.0, 30.0, 90.0, 0.9),
            slice_of(1200, 5.0, 20.0, 120.0, 1.0, errors=1),
            slice_of(900, 5.0, 40.0, 80.0, 0.8),
        ]
    )
    assert (figure.requests, figure.errors, figure.duration_s) == (3100, 1, 15.0)
    assert figure.rps == pytest.approx(3100 / 15)
    assert (figure.p50_ms, figure.p99_ms) == (30.0, 120.0)
    assert figure.server_cores == pytest.approx(0.9)  # weighted by each slice's time


def test_one_slice_is_its_own_figure() -> None:
    only = slice_of(10, 1.0, 1.0, 2.0, 1.0)
    assert merge([only]) is only


BURN = """
import sys, time
end = time.process_time() + 0.3
while time.process_time() < end:
    pass
print("done", flush=True)
sys.stdin.read()
"""


def test_the_server_cpu_counts_its_worker_processes_too() -> None:
    # A child (like a uvicorn worker) that burns 0.3 s of CPU, then waits: the tree's CPU includes it.
    child = subprocess.Popen([sys.executable, "-c", BURN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "done"
        own = resource.getrusage(resource.RUSAGE_SELF)
        assert tree_cpu_seconds(child.pid) >= 0.25
        assert tree_cpu_seconds(os.getpid()) - (own.ru_utime + own.ru_stime) >= 0.2
    finally:
        child.kill()
        child.wait()
