"""How a load run turns its slices into one figure and sets it against the references, and how busy the server
under test was."""

import importlib
import logging
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from bench.cpu import tree_cpu_seconds
from bench.results import Result
from bench.run import all_ratios, markdown, merge
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from bench import ceiling


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


def figure(name: str, requests: int) -> Result:
    return Result(name=name, requests=requests, errors=0, duration_s=10.0, p50_ms=1.0, p99_ms=2.0)


def test_every_figure_is_set_against_our_ceiling_the_bare_verify_and_the_bare_ceiling() -> None:
    results = [figure("bare_verify", 10_000), figure("bare_health", 120_000), figure("health_live", 90_000)]
    ratios = all_ratios(results)
    assert ratios["health_live"] == {"ceiling": 1.0, "bare_verify": 9.0, "bare_health": 0.75}
    assert ratios["bare_verify"]["bare_health"] == 0.083
    table = markdown(results, ratios)
    assert (
        "| ratio to ceiling | ratio to bare verify | ratio to bare ceiling | ratio to look-up | server busy |" in table
    )
    assert "| health_live | 9,000 | 1.00 | 2.00 | 0 | 1.0 | 9.0 | 0.75 |  |" in table


def test_a_run_without_a_reference_leaves_its_ratio_blank() -> None:
    results = [figure("health_live", 90_000)]
    ratios = all_ratios(results)
    assert ratios["health_live"] == {"ceiling": 1.0, "bare_verify": None, "bare_health": None}
    assert "| health_live | 9,000 | 1.00 | 2.00 | 0 | 1.0 |  |  |  |" in markdown(results, ratios)


@pytest.fixture
def bare_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Litestar:
    """The benchmark's reference app (its verify route reads a public key at import)."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = tmp_path / "ref-public.pem"
    pem.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    monkeypatch.setenv("BENCH_REF_PUBLIC_KEY", str(pem))
    return importlib.reload(importlib.import_module("bench.ref_app")).app


async def test_the_bare_ceiling_answers_what_ours_answers_with_nothing_around_it(
    bare_app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    async with AsyncTestClient(app=bare_app) as bare_client:
        bare = await bare_client.get("/health/live")
    ours = await client.get("/health/live")
    assert (bare.status_code, bare.content) == (ours.status_code, ours.content) == (200, b'{"status":"ok"}')
    for wrapper_header in ("x-request-id", "content-security-policy"):
        assert wrapper_header in ours.headers
        assert wrapper_header not in bare.headers


def test_the_in_process_ceiling_benchmark_runs(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        figures = ceiling.main_figures(["--database-url", database_url, "--requests", "20", "--rounds", "2"])
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert set(figures) == {"bare", "ansinh", "ansinh_no_access_log", "ansinh_no_edge"}
    assert figures["bare"]["ratio"] == 1.0
    assert all(f["us"] > 0 for f in figures.values())
    assert "access lines written: 60" in capsys.readouterr().out  # (warm-up + 2 turns) × 20, and none when quiet
