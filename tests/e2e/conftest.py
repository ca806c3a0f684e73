"""End-to-end fixtures: the real server in a subprocess, and headless Chromium driven by Playwright.

Browser tests are marked ``@pytest.mark.browser``. Without Chromium they are skipped, loudly, unless
ANSINH_REQUIRE_BROWSER is set (as CI sets it): then a missing Chromium fails them.

Playwright's async API runs on the module's event loop, so every e2e test module declares
``pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]``.
"""

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, CDPSession, Page, async_playwright, expect
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core import migrate
from ansinh.core.passwords import hash_password_sync
from ansinh.identity.models import Account, AccountRole, AccountStatus, Person
from tests.support.databases import POSTGRES_URL, create_postgres_database, drop_postgres_database

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = bool(os.environ.get("ANSINH_REQUIRE_BROWSER"))
ANSINH_CLI = Path(sys.executable).with_name("ansinh")
SERVER_START_TIMEOUT = 30.0
T = TypeVar("T")
# Each live server gets its own database beside the tests' one, named <that database>_e2e_<random>.
E2E_DATABASE_PREFIX = f"{make_url(POSTGRES_URL).database}_e2e_"
# CI runs the database suites alongside: give page assertions room on a loaded 2-core machine.
expect.set_options(timeout=15_000)


def chromium_path() -> str | None:
    """The Chromium to drive: Debian's /usr/bin/chromium, else whatever `chromium` is on PATH."""
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


NO_BROWSER_REASON = (
    "!!! NO CHROMIUM FOUND (looked for /usr/bin/chromium and `chromium` on PATH): the browser tests did NOT run. "
    "Install it (apt-get install chromium) or set ANSINH_REQUIRE_BROWSER=1 to make this a failure. !!!"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip browser tests when there is no Chromium, unless a browser is required."""
    if chromium_path() is not None or REQUIRE_BROWSER:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=NO_BROWSER_REASON))


# ---- the live server ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeededCitizen:
    """A citizen the live server knows, with the secrets to sign in (OTPs go to ``phone``)."""

    username: str
    citizen_id: str
    password: str
    phone: str
    full_name: str


def in_own_thread(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` called in a thread of its own, and waited for.

    The database helpers here are synchronous and run coroutines with ``asyncio.run`` (as do the migrations and
    tests/support/databases.py), which refuses to start inside the running loop of an async test: a thread of
    their own gives them a loop of their own. Blocking the test's loop for a moment is what the tests want.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(function, *args).result()


def run_sql(db_url: str, statement: str, params: dict[str, Any] | list[dict[str, Any]] | None = None) -> list[Any]:
    """Run one statement (``:name`` parameters; a list of dicts runs it for each) in its own transaction.

    Returns the rows it produced, as tuples (none for a statement without RETURNING).
    """

    async def _run() -> list[Any]:
        engine = create_async_engine(db_url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return in_own_thread(asyncio.run, _run())


@dataclass
class LiveServer:
    """A running `ansinh run` on its own PostgreSQL database."""

    url: str
    db_url: str
    port: int
    citizen: SeededCitizen
    log_path: Path
    process: subprocess.Popen[bytes]

    def sql(self, statement: str, params: dict[str, Any] | list[dict[str, Any]] | None = None) -> list[Any]:
        """Run one statement on the server's database (see `run_sql`): tests inspect or adjust what it stored."""
        return run_sql(self.db_url, statement, params)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for failure messages."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


# Identifiers outside the demo generator's ranges (its SI codes are PP8nnnnnnn, its ID prefixes real
# provinces), so a test may also run `ansinh seed` against the live server's database.
E2E_CITIZEN = SeededCitizen(
    username="0199000901",
    citizen_id="099190000901",
    password="E2e-Passkey-2026",
    phone="0999000901",
    full_name="Nguyễn Thị Kiểm Thử",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(db_url: str, citizen: SeededCitizen) -> None:
    """Insert one active citizen straight into the migrated database (no dependence on the demo generator)."""
    engine = create_async_engine(db_url)
    try:
        async with AsyncSession(engine) as session:
            person = Person(
                si_code=citizen.username,
                citizen_id=citizen.citizen_id,
                full_name=citizen.full_name,
                date_of_birth=date(1990, 1, 15),
                sex="F",
                province_code="01",
                phone=citizen.phone,
            )
            session.add(person)
            await session.flush()
            session.add(
                Account(
                    username=citizen.username,
                    person_id=person.id,
                    role=AccountRole.CITIZEN,
                    status=AccountStatus.ACTIVE,
                    password_hash=hash_password_sync(citizen.password),
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


@contextmanager
def e2e_database() -> Iterator[str]:
    """A new database for one live server, migrated and holding `E2E_CITIZEN`; dropped afterwards."""
    name = f"{E2E_DATABASE_PREFIX}{uuid.uuid4().hex[:12]}"
    db_url = in_own_thread(create_postgres_database, POSTGRES_URL, name)
    try:
        in_own_thread(migrate.upgrade, db_url)
        in_own_thread(asyncio.run, _seed(db_url, E2E_CITIZEN))
        yield db_url
    finally:
        in_own_thread(drop_postgres_database, POSTGRES_URL, name)


def _server_env(db_url: str, public_url: str) -> dict[str, str]:
    # Only our settings: a developer's ANSINH_* (e.g. a Redis URL) must not leak into the test server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSINH_")}
    env.update(
        ANSINH_ENV="dev",
        ANSINH_DATABASE_URL=db_url,
        ANSINH_PUBLIC_URL=public_url,
        ANSINH_LOG_LEVEL="INFO",
        ANSINH_LOG_FORMAT="json",  # tests read the access log
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_until_up(server: LiveServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{server.log_tail()}")


@pytest.fixture(scope="module")
def live_server_env() -> dict[str, str]:
    """Extra ANSINH_* settings for the module's live server; a module overrides this (e.g. a chip-ID trust store)."""
    return {}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, live_server_env: dict[str, str]) -> Iterator[LiveServer]:
    """Its own migrated database with one seeded citizen, then `ansinh run` on a free port at http://localhost:PORT."""
    workdir = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    # WebAuthn refuses 127.0.0.1 as an RP id: the browser must see the host name `localhost`.
    url = f"http://localhost:{port}"
    with e2e_database() as db_url:
        env = _server_env(db_url, url) | live_server_env
        log_path = workdir / "server.log"
        # cwd is the temporary folder so a developer's .env is not read either.
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(ANSINH_CLI), "run", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = LiveServer(url=url, db_url=db_url, port=port, citizen=E2E_CITIZEN, log_path=log_path, process=process)
        try:
            _wait_until_up(server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def api_sign_in(server: LiveServer, citizen: SeededCitizen | None = None) -> dict[str, Any]:
    """Password, then the OTP read from the dev outbox; returns the token pair."""
    citizen = citizen or server.citizen
    with httpx.Client(base_url=server.url, timeout=10) as http:
        login = http.post("/api/v1/auth/login", json={"username": citizen.username, "password": citizen.password})
        assert login.status_code == 200, login.text
        outbox = http.get("/api/v1/dev/outbox", params={"to": citizen.phone})
        assert outbox.status_code == 200, outbox.text
        texts = [m["text"] for m in outbox.json() if m["destination"] == citizen.phone]
        assert texts, "no code in the dev outbox"
        match = re.search(r"\b(\d{6})\b", texts[0])  # newest first
        assert match, texts[0]
        otp = http.post("/api/v1/auth/otp", json={"challenge_id": login.json()["challenge_id"], "code": match.group(1)})
        assert otp.status_code == 200, otp.text
        return otp.json()


# ---- the browser ----------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium for the module (no `playwright install`: the system's Chromium)."""
    executable = chromium_path()
    if executable is None:
        # Only reachable when a browser is required; otherwise the test was skipped at collection.
        pytest.fail("ANSINH_REQUIRE_BROWSER is set but no Chromium was found at /usr/bin/chromium or on PATH")
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            await instance.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh context and page per test (no cookies, storage or service workers carried over)."""
    context = await browser.new_context()
    try:
        yield await context.new_page()
    finally:
        await context.close()


@dataclass(frozen=True)
class VirtualAuthenticator:
    """A CDP virtual authenticator attached to one page (a second page has none)."""

    cdp: CDPSession
    authenticator_id: str

    async def credentials(self) -> list[dict[str, Any]]:
        """The credentials it holds (id, rpId, userHandle, signCount, isResidentCredential…)."""
        result = await self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id})
        return list(result["credentials"])


async def add_virtual_authenticator(page: Page) -> VirtualAuthenticator:
    """A platform passkey provider with user verification that approves every prompt by itself."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable", {"enableUI": False})
    result = await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return VirtualAuthenticator(cdp=cdp, authenticator_id=result["authenticatorId"])


# ---- the PWA against demo data ----------------------------------------------------------------------------------

# Persona An (backend/ansinh/demo/personas.py): employed, head of a 4-member household, card 0100000001.
PERSONA_AN = SeededCitizen(
    username="0100000001",
    citizen_id="001084000001",
    password="Demo@2026",
    phone="0901000001",
    full_name="Nguyễn Văn An",
)
PHONE = {"width": 360, "height": 740}


def demo_persona(si_code: str, citizen_id: str, phone: str, full_name: str) -> SeededCitizen:
    """Another demo persona (same demo password as An)."""
    return SeededCitizen(
        username=si_code, citizen_id=citizen_id, password="Demo@2026", phone=phone, full_name=full_name
    )


PERSONA_LAN = demo_persona("0100000002", "001186000002", "0901000002", "Trần Thị Lan")
PERSONA_MINH = demo_persona("0100000003", "001207000003", "0901000003", "Nguyễn Đức Minh")
PERSONA_HAN = demo_persona("0100000004", "001316000004", "0901000004", "Nguyễn Ngọc Hân")
PERSONA_HONG = demo_persona("0100000005", "001166000005", "0901000005", "Lê Thị Hồng")
PERSONA_TUAN = demo_persona("0100000006", "001079000006", "0901000006", "Hoàng Minh Tuấn")

# The app's texts, so tests find elements by what users read.
LOCALES = Path(__file__).resolve().parents[2] / "pwa" / "locales"
TEXTS_VI = json.loads((LOCALES / "vi.json").read_text(encoding="utf-8"))
TEXTS_EN = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))


def seed_demo(server: LiveServer, workdir: Path, people: int = 0) -> None:
    """`ansinh seed` into the running server's database, with the server's own settings."""
    env = _server_env(server.db_url, server.url)
    seeded = subprocess.run(
        [str(ANSINH_CLI), "seed", "--people", str(people)], env=env, cwd=workdir, capture_output=True, timeout=300
    )
    assert seeded.returncode == 0, seeded.stderr.decode(errors="replace")


@pytest.fixture(scope="module")
def demo_server(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The live server with the demo personas (An, Lan, Minh, Hân, Hồng, Tuấn) and the clinic client."""
    seed_demo(live_server, tmp_path_factory.mktemp("seed"))
    return live_server


async def open_signed_in(
    page: Page, server: LiveServer, citizen: SeededCitizen = PERSONA_AN, route: str = "home"
) -> Page:
    """Sign in through the API (password + OTP), hand the refresh token to the app, open ``#/route``.

    The sign-in screens have their own tests; every other screen starts here.
    """
    tokens = api_sign_in(server, citizen)
    # Only on the first load of this tab: a reload must not put back a refresh token the app has since rotated.
    await page.add_init_script(
        "if (!sessionStorage.getItem('ansinh.test.seeded')) {"
        f"localStorage.setItem('ansinh.refresh', {tokens['refresh_token']!r});"
        "sessionStorage.setItem('ansinh.test.seeded', '1');}"
    )
    await page.goto(f"{server.url}/#/{route}")
    await page.wait_for_selector("body[data-ready='true']")
    return page


AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-4.10.2.min.js"  # axe-core 4.10.2 (MPL-2.0), test-only
# The README's screenshots are refreshed on demand (ANSINH_SCREENSHOTS=1 make test); otherwise they go to a
# temporary folder, so a test run never rewrites tracked files.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("ANSINH_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "ansinh-screenshots"
)


async def assert_accessible(page: Page, *, context: str = "body") -> None:
    """axe-core finds no serious or critical violation in ``context`` (WCAG 2 A/AA rules)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Not add_script_tag: the app's CSP (script-src 'self') refuses an inline script; evaluate runs through
        # the DevTools protocol, which a page's CSP does not govern.
        await page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = await page.evaluate(
        "async (context) => await axe.run(context, "
        "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})",
        context,
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)


async def save_screenshot(page: Page, name: str) -> Path:
    """A phone-size screenshot for the README (docs/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(target), full_page=False)
    return target
