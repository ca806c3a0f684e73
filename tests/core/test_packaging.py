"""The wheel is the product: installed into a fresh venv, it migrates and serves the API, the PWA and static files."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  (a local test server)
        return response.status, response.read()


@pytest.fixture(scope="module")
def installed_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(work / "dist"), str(REPO)],
        check=True,
    )
    (wheel,) = (work / "dist").glob("ansinh-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    return env_dir


def test_wheel_ships_the_pwa_and_static_files_inside_the_package(installed_venv: Path) -> None:
    out = subprocess.run(
        [
            str(installed_venv / "bin" / "python"),
            "-c",
            "from ansinh.web.assets import pwa_dir, static_dir; from ansinh.core.settings import Settings;"
            "s = Settings(env='dev'); print(pwa_dir(s)); print(static_dir(s))",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=installed_venv,
    ).stdout.split()
    assert all("site-packages/ansinh/_" in path for path in out), out


def _ansinh(venv_dir: Path, *args: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [str(venv_dir / "bin" / "ansinh"), *args], check=True, env=env, cwd=cwd, capture_output=True, text=True
    )
    return done.stdout


def _servers_of(data_dir: Path) -> list[int]:
    """The pids of PostgreSQL processes whose data folder is under ``data_dir``."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "postgres" in cmdline and str(data_dir) in cmdline:
            pids.append(int(proc.name))
    return pids


def test_installed_app_runs_the_demo_on_its_embedded_database_and_leaves_no_server(
    installed_venv: Path, tmp_path: Path
) -> None:
    """A newcomer's path: no database URL, dev; the commands share one embedded server, and `db stop` ends it."""
    data_dir = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSINH_")}
    env |= {"ANSINH_ENV": "dev", "ANSINH_DATA_DIR": str(data_dir), "ANSINH_LOG_LEVEL": "WARNING"}

    url = _ansinh(installed_venv, "db", "start", env=env, cwd=tmp_path).strip()
    try:
        _serve_the_demo(installed_venv, env=env, cwd=tmp_path, data_dir=data_dir, url=url)
    finally:
        stopped = _ansinh(installed_venv, "db", "stop", env=env, cwd=tmp_path)
    assert "stopped" in stopped
    assert _servers_of(data_dir) == []
    status = subprocess.run(
        [str(installed_venv / "bin" / "ansinh"), "db", "status"], env=env, cwd=tmp_path, check=False
    )
    assert status.returncode == 3


def _serve_the_demo(installed_venv: Path, *, env: dict[str, str], cwd: Path, data_dir: Path, url: str) -> None:
    tmp_path = cwd
    port = _free_port()
    assert url.startswith("postgresql+asyncpg://postgres@/ansinh?host=")
    assert str(data_dir) in _ansinh(installed_venv, "db", "status", env=env, cwd=tmp_path)
    _ansinh(installed_venv, "migrate", env=env, cwd=tmp_path)
    assert "seeded" in _ansinh(installed_venv, "seed", "--people", "20", env=env, cwd=tmp_path)
    server = subprocess.Popen(
        [str(installed_venv / "bin" / "ansinh"), "run", "--port", str(port)], env=env, cwd=tmp_path
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(f"{base}/health/ready")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        status, body = _get(f"{base}/")
        assert status == 200
        assert b'rel="manifest"' in body
        assert _get(f"{base}/sw.js")[0] == 200
        assert _get(f"{base}/manifest.webmanifest")[0] == 200
        assert _get(f"{base}/static/css/base.css")[0] == 200
        assert _get(f"{base}/schema-assets/swagger-ui-bundle.js")[0] == 200
        status, body = _get(f"{base}/api/v1/facilities?limit=1")
        assert status == 200
        assert b'"total"' in body  # the seeded facilities, read from the embedded server
    finally:
        server.terminate()
        server.wait(timeout=10)

    libpq_url = _ansinh(installed_venv, "db", "url", env=env, cwd=tmp_path).strip()
    assert libpq_url.startswith("postgresql://postgres@/ansinh?host=")
    assert _servers_of(data_dir), "the server outlives the commands that used it, until it is stopped"


def test_production_without_a_database_url_refuses_to_start(installed_venv: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSINH_")}
    env |= {
        "ANSINH_ENV": "prod",
        "ANSINH_DATA_DIR": str(tmp_path / "var"),
        "ANSINH_SECRET_KEY": "s" * 40,
        "ANSINH_PAYMENT_HMAC_SECRET": "p" * 40,
        "ANSINH_SIGNING_KEY_ENCRYPTION_KEY": "k" * 40,
    }
    done = subprocess.run(
        [str(installed_venv / "bin" / "ansinh"), "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "ANSINH_DATABASE_URL" in done.stderr
    assert not (tmp_path / "var").exists()  # no embedded server was started
