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


def test_installed_app_migrates_and_serves(installed_venv: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "ANSINH_ENV": "dev",
        "ANSINH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/app.db",
        "ANSINH_LOG_LEVEL": "WARNING",
    }
    ansinh = str(installed_venv / "bin" / "ansinh")
    subprocess.run([ansinh, "migrate"], check=True, env=env, cwd=tmp_path, capture_output=True)
    server = subprocess.Popen([ansinh, "run", "--port", str(port)], env=env, cwd=tmp_path)
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
    finally:
        server.terminate()
        server.wait(timeout=10)
