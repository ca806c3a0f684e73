"""The clinic scanner page in real Chromium against the real server: online verdicts, then offline ones.

The demo data (persona An and the clinic client of facility 01001) is seeded into the live server's
database with `ansinh seed`; card tokens come from the citizen API exactly as the app gets them.
"""

import base64
import json
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import qrcode
import qrcode.constants
from playwright.async_api import Browser, Page, expect

from ansinh.demo.personas import AN, CLINIC_CLIENT_ID, CLINIC_FACILITY_CODE, CLINIC_SECRET, PERSONAS, REGISTERED_STAFF
from ansinh.demo.runner import DEMO_PASSWORD
from tests.e2e.conftest import (
    ANSINH_CLI,
    CHROMIUM_ARGS,
    LiveServer,
    SeededCitizen,
    _server_env,
    api_sign_in,
    chromium_path,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

PERSONA_AN = next(p for p in PERSONAS if p.si_code == AN)
AN_CITIZEN = SeededCitizen(
    username=PERSONA_AN.si_code,
    citizen_id=PERSONA_AN.citizen_id,
    password=DEMO_PASSWORD,
    phone=PERSONA_AN.phone,
    full_name=PERSONA_AN.full_name,
)
# The staff member the demo registers at facility 01001 (checks by anyone else answer 054).
[(STAFF_NAME, STAFF_CITIZEN_ID)] = REGISTERED_STAFF
VERDICT = "#verdict"


@dataclass(frozen=True)
class ClinicSite:
    """The live server with the demo data, and persona An's access token for minting card tokens."""

    server: LiveServer
    an_access_token: str

    def card_token(self) -> str:
        """A fresh online card token of An's card (3 minutes), as the citizen app would show it."""
        response = httpx.post(
            f"{self.server.url}/api/v1/me/card/token",
            json={"kind": "online"},
            headers={"Authorization": f"Bearer {self.an_access_token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        token = response.json()["token"]
        assert token.startswith("AS1:")
        return str(token)

    def access_log_paths(self) -> list[str]:
        """Paths of the requests the server has logged so far (its JSON access log)."""
        paths = []
        for line in self.server.log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("logger") == "ansinh.access":
                paths.append(str(entry.get("path")))
        return paths


@pytest.fixture(scope="module")
def site(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> ClinicSite:
    """`ansinh seed --people 0` into the running server's database, with the server's own settings."""
    env = _server_env(live_server.db_url, live_server.url)
    seeded = subprocess.run(
        [str(ANSINH_CLI), "seed", "--people", "0"],
        env=env,
        cwd=tmp_path_factory.mktemp("seed"),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr.decode(errors="replace")
    return ClinicSite(server=live_server, an_access_token=api_sign_in(live_server, AN_CITIZEN)["access_token"])


def _b64url_json(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.removeprefix("AS1:").split(".")

    def decode(part: str) -> dict[str, Any]:
        return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))

    return decode(header), decode(payload), signature


def with_payload(token: str, **changes: Any) -> str:
    """The token with claims changed but the original signature: what a forger can produce."""
    header, payload, signature = _parts(token)
    return f"AS1:{_b64url_json(header)}.{_b64url_json({**payload, **changes})}.{signature}"


def with_header(token: str, **changes: Any) -> str:
    """The token with header fields changed (kid, alg) and the original signature."""
    header, payload, signature = _parts(token)
    return f"AS1:{_b64url_json({**header, **changes})}.{_b64url_json(payload)}.{signature}"


# ---- driving the page -----------------------------------------------------------------------------


async def open_scanner(page: Page, site: ClinicSite) -> None:
    await page.goto(f"{site.server.url}/clinic/")
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")


async def sign_in(page: Page) -> None:
    await page.fill("#client-id", CLINIC_CLIENT_ID)
    await page.fill("#client-secret", CLINIC_SECRET)
    await page.click("#signin-submit")
    await expect(page.locator("#signin-section")).to_be_hidden()
    await expect(page.locator("#facility-code")).to_have_text(CLINIC_FACILITY_CODE)


async def enter_staff(page: Page) -> None:
    await page.fill("#staff-name", STAFF_NAME)
    await page.fill("#staff-cid", STAFF_CITIZEN_ID)
    await page.click("#staff-submit")
    await expect(page.locator("#check-section")).to_be_visible()
    await expect(page.locator("#staff-summary-name")).to_have_text(STAFF_NAME)


async def check_token(page: Page, token: str) -> dict[str, str | None]:
    """Paste a token, submit, and wait for the new verdict (the page hides the old one at once)."""
    await page.fill("#token-input", token)
    await page.click("#token-submit")
    return await _verdict(page)


async def _verdict(page: Page) -> dict[str, str | None]:
    verdict = page.locator(f"{VERDICT}[data-result]")
    await expect(verdict).to_be_visible()
    name_cell = page.locator('#verdict-card dd[data-field="name"]')
    return {
        "result": await verdict.get_attribute("data-result"),
        "valid": await verdict.get_attribute("data-valid"),
        "source": await verdict.get_attribute("data-source"),
        "code": await page.text_content("#verdict-code"),
        "name": await name_cell.text_content() if await name_cell.count() else None,
    }


async def wait_for_offline_readiness(page: Page) -> None:
    """The worker controls the page and a key set is stored: only then may the network go."""
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    await expect(page.locator("#keys-status")).not_to_have_attribute("data-fetched-at", "")


@pytest_asyncio.fixture(loop_scope="module")
async def clinic_page(browser: Browser, site: ClinicSite) -> AsyncIterator[Page]:
    """A fresh context (its own storage and service workers) at the scanner, signed in, staff entered."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        console_errors: list[str] = []
        page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
        await open_scanner(page, site)
        await sign_in(page)
        await enter_staff(page)
        yield page
        # The page runs under a strict CSP: anything it blocked would be a broken feature.
        assert [text for text in console_errors if "Content Security Policy" in text] == []
    finally:
        await context.close()


# ---- tests ----------------------------------------------------------------------------------------


async def test_a_pasted_token_gets_the_servers_green_verdict(site: ClinicSite, clinic_page: Page) -> None:
    verdict = await check_token(clinic_page, site.card_token())
    assert verdict == {"result": "000", "valid": "true", "source": "online", "code": "000", "name": "Nguyễn Văn An"}
    await expect(clinic_page.locator("#offline-notice")).to_be_hidden()
    # The server's card record, not just the token: the facility's name is only on the server.
    await expect(clinic_page.locator('#verdict-card dd[data-field="primary_facility"]')).to_contain_text("01001 — ")
    await expect(clinic_page.locator("#verdict-message")).to_have_text("Thông tin thẻ chính xác.")
    # The clinic token lives in sessionStorage only; localStorage holds no credential.
    stored = await clinic_page.evaluate(
        "() => ({session: sessionStorage.getItem('ansinh.clinic.session'), local: JSON.stringify({...localStorage})})"
    )
    access_token = json.loads(stored["session"])["access_token"]
    assert access_token
    assert access_token not in stored["local"]
    assert CLINIC_SECRET not in stored["local"]
    assert CLINIC_SECRET not in (stored["session"] or "")


async def test_a_tampered_token_gets_a_red_verdict_without_card_fields(site: ClinicSite, clinic_page: Page) -> None:
    token = site.card_token()
    forged = with_payload(token, n="Nguyễn Văn Bình")
    verdict = await check_token(clinic_page, forged)
    assert verdict["result"] == "902"
    assert verdict["valid"] == "false"
    assert verdict["source"] == "online"
    assert await clinic_page.locator("#verdict-card dd").count() == 0  # a forged card is never displayed
    # The next good token replaces the red panel with a green one: no stale verdict survives.
    assert (await check_token(clinic_page, token))["result"] == "000"
    garbage = await check_token(clinic_page, "not a card token")
    assert (garbage["result"], garbage["valid"]) == ("901", "false")


async def test_offline_the_page_reloads_from_the_worker_and_checks_signatures(
    site: ClinicSite, clinic_page: Page
) -> None:
    token = site.card_token()
    await wait_for_offline_readiness(clinic_page)
    fetched_online = int(await clinic_page.get_attribute("#keys-status", "data-fetched-at") or 0)

    logged_before = len(site.access_log_paths())
    went_offline_ms = time.time() * 1000
    await clinic_page.context.set_offline(True)
    try:
        response = await clinic_page.reload()
        assert response is not None
        assert response.from_service_worker
        await expect(clinic_page.locator("body")).to_have_attribute("data-ready", "true")
        await expect(clinic_page.locator("#net-status")).to_have_attribute("data-online", "false")
        await expect(clinic_page.locator("#check-section")).to_be_visible()
        # Still a key set from before the network went: the worker's copy (possibly a second newer than
        # the page's own) must not pass for a download made now.
        fetched_offline = int(await clinic_page.get_attribute("#keys-status", "data-fetched-at") or 0)
        assert fetched_online <= fetched_offline <= went_offline_ms

        verdict = await check_token(clinic_page, token)
        assert verdict == {
            "result": "000",
            "valid": "true",
            "source": "offline",
            "code": "000",
            "name": "Nguyễn Văn An",
        }
        notice = clinic_page.locator("#offline-notice")
        await expect(notice).to_be_visible()
        await expect(notice).to_contain_text("Ngoại tuyến")
        await expect(notice).to_contain_text("chưa kiểm tra trạng thái thẻ")
        await expect(notice).to_contain_text("card status not checked")

        forged = await check_token(clinic_page, with_payload(token, vt="2030-12-31"))
        assert (forged["result"], forged["valid"], forged["source"]) == ("902", "false", "offline")
        assert forged["name"] is None
        unknown_key = await check_token(clinic_page, with_header(token, kid="20200101-retired"))
        assert (unknown_key["result"], unknown_key["source"]) == ("903", "offline")
        no_alg = await check_token(clinic_page, with_header(token, alg="none", kid="20200101-retired"))
        assert no_alg["result"] == "904"

        # A lookup needs the registry: offline it says so instead of answering.
        await clinic_page.fill("#lookup-id", PERSONA_AN.citizen_id)
        await clinic_page.fill("#lookup-name", PERSONA_AN.full_name)
        await clinic_page.fill("#lookup-dob", "17/05/1984")
        await clinic_page.click("#lookup-submit")
        await expect(clinic_page.locator("#check-error")).to_contain_text("Ngoại tuyến")
        await expect(clinic_page.locator(VERDICT)).to_be_hidden()
        reached_while_offline = site.access_log_paths()[logged_before:]
    finally:
        await clinic_page.context.set_offline(False)
    # Nothing the page asked for reached the server while offline: the reload and every check were
    # served by the browser. (Chromium's own update check of the worker script, which it runs after a
    # navigation, escapes Playwright's offline emulation: it is no request of the page's.)
    assert [path for path in reached_while_offline if path != "/clinic/sw.js"] == []


async def test_lookup_by_citizen_id_name_and_birth_date(site: ClinicSite, clinic_page: Page) -> None:
    await clinic_page.fill("#lookup-id", PERSONA_AN.citizen_id)
    await clinic_page.fill("#lookup-name", PERSONA_AN.full_name)
    await clinic_page.fill("#lookup-dob", "17/05/1984")
    await clinic_page.click("#lookup-submit")
    verdict = await _verdict(clinic_page)
    assert verdict == {"result": "000", "valid": "true", "source": "online", "code": "000", "name": "Nguyễn Văn An"}

    await clinic_page.fill("#lookup-dob", "1985")
    await clinic_page.click("#lookup-submit")
    mismatch = await _verdict(clinic_page)
    assert (mismatch["result"], mismatch["valid"], mismatch["source"]) == ("070", "false", "online")


def write_qr_video(path: Path, text: str, *, width: int = 640, height: int = 480) -> Path:
    """A one-frame Y4M video of ``text`` as a QR code, for Chromium's fake camera (it loops the file)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()  # quiet zone included
    box = min(width, height) // len(matrix)
    left, top = (width - box * len(matrix)) // 2, (height - box * len(matrix)) // 2
    luma = bytearray(b"\xff" * (width * height))
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                for y in range(top + row * box, top + (row + 1) * box):
                    start = y * width + left + column * box
                    luma[start : start + box] = b"\x00" * box
    chroma = b"\x80" * ((width // 2) * (height // 2) * 2)  # grey: no colour
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + bytes(luma) + chroma)
    return path


async def test_the_camera_reads_the_qr_then_stops(site: ClinicSite, browser: Browser, tmp_path: Path) -> None:
    """Chromium's fake camera shows a QR of a real token: read, checked online, camera released."""
    token = site.card_token()
    video = write_qr_video(tmp_path / "card.y4m", token)
    camera_browser = await browser.browser_type.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = await camera_browser.new_context(permissions=["camera"])
        page = await context.new_page()
        await open_scanner(page, site)
        await sign_in(page)
        await enter_staff(page)
        await page.click("#scan-button")
        verdict = await _verdict(page)
        assert verdict == {"result": "000", "valid": "true", "source": "online", "code": "000", "name": "Nguyễn Văn An"}
        assert await page.input_value("#token-input") == token
        # Linux Chromium has no BarcodeDetector: there the vendored jsQR must have done the reading.
        decoder = await page.get_attribute("#scanner", "data-decoder")
        native = await page.evaluate("'BarcodeDetector' in window")
        assert decoder == ("native" if native else "jsqr")
        # The camera is released after a read (no stream left, the preview hidden).
        await expect(page.locator("#scanner")).to_be_hidden()
        assert await page.evaluate("document.getElementById('scan-video').srcObject === null")
    finally:
        await camera_browser.close()


# ---- verify.js on its own, with keys made in the page ---------------------------------------------

# Signs tokens with a P-256 key generated in the page, then runs checkOffline on each case with a
# fixed clock, so every code and the order of the checks are tested without the server.
VERIFY_CASES_JS = """
async () => {
  const { checkOffline } = await import("/static/clinic/verify.js");
  const enc = new TextEncoder();
  const b64u = (bytes) =>
    btoa(String.fromCharCode(...bytes)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const part = (value) => b64u(enc.encode(JSON.stringify(value)));
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const jwks = { keys: [{ kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, kid: "k1", use: "sig", alg: "ES256" }] };
  const now = new Date("2026-11-25T16:30:00Z");  // 23:30 on 25/11 in Hanoi
  const nowS = now.getTime() / 1000;
  const claims = {
    iss: "https://ansinh.example", sub: "0100000001", cid: "C26-0000001", n: "Nguyễn Văn An", b: "1984-05-17",
    s: "M", lvl: 4, fac: "01001", vf: "2026-01-01", vt: "2026-12-31", iat: nowS - 60, exp: nowS + 120, jti: "abc",
  };
  const header = { alg: "ES256", kid: "k1", typ: "ansinh-card+jwt" };
  const sign = async (h, p) => {
    const input = `${part(h)}.${part(p)}`;
    const algorithm = { name: "ECDSA", hash: "SHA-256" };
    const sig = new Uint8Array(await crypto.subtle.sign(algorithm, pair.privateKey, enc.encode(input)));
    return `AS1:${input}.${b64u(sig)}`;
  };
  const good = await sign(header, claims);
  const [h, p, s] = good.slice(4).split(".");
  const flipped = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
  const cases = {
    valid: [good],
    valid_with_whitespace: ["  " + good + "\\n"],
    not_a_string: [null],
    empty: [""],
    no_prefix: [good.slice(4)],
    two_parts: [`AS1:${h}.${p}`],
    bad_chars: [`AS1:${h}.${p}!.${s}`],
    header_not_json: [`AS1:${b64u(enc.encode("nope"))}.${p}.${s}`],
    payload_array: [`AS1:${h}.${part([1, 2])}.${s}`],
    invalid_utf8: [`AS1:${h}.${b64u(new Uint8Array([0xff, 0xfe]))}.${s}`],
    too_long: [good + "A".repeat(2048)],
    alg_none_unknown_kid: [`AS1:${part({ alg: "none", kid: "zz", typ: "ansinh-card+jwt" })}.${p}.`],
    alg_hs256: [await sign({ ...header, alg: "HS256" }, claims)],
    wrong_typ: [await sign({ ...header, typ: "JWT" }, claims)],
    unknown_kid: [await sign({ ...header, kid: "k9" }, claims)],
    no_keys: [good, null],
    bad_signature: [`AS1:${h}.${p}.${flipped}`],
    short_signature: [`AS1:${h}.${p}.${s.slice(0, -4)}`],
    empty_signature: [`AS1:${h}.${p}.`],
    payload_swapped: [`AS1:${h}.${part({ ...claims, n: "Trần Văn Giả" })}.${s}`],
    missing_claim: [await sign(header, { ...claims, jti: undefined })],
    impossible_date: [await sign(header, { ...claims, vt: "2026-02-30" })],
    expired_token: [await sign(header, { ...claims, exp: nowS - 1 })],
    expires_now: [await sign(header, { ...claims, exp: nowS })],
    card_ends_today: [await sign(header, { ...claims, vt: "2026-11-25" })],
    card_ended_at_hanoi_midnight: [
      await sign(header, { ...claims, vt: "2026-11-25", exp: nowS + 7200 }), jwks, new Date("2026-11-25T17:30:00Z"),
    ],
    card_ended: [await sign(header, { ...claims, vt: "2026-11-24" })],
    card_not_yet_valid: [await sign(header, { ...claims, vf: "2026-11-26" })],
  };
  const out = {};
  for (const [name, [text, keys = jwks, when = now]] of Object.entries(cases)) {
    const r = await checkOffline(text, keys === null ? null : keys, when);
    out[name] = { result: r.result, valid: r.valid, kid: r.kid, name: r.payload ? r.payload.n : null };
  }
  out.segment_lengths = [h.length % 4, p.length % 4, s.length % 4];
  return out;
}
"""

EXPECTED_CODES = {
    "valid": "000",
    "valid_with_whitespace": "000",
    "not_a_string": "901",
    "empty": "901",
    "no_prefix": "901",
    "two_parts": "901",
    "bad_chars": "901",
    "header_not_json": "901",
    "payload_array": "901",
    "invalid_utf8": "901",
    "too_long": "901",
    "alg_none_unknown_kid": "904",  # the algorithm is judged before the key
    "alg_hs256": "904",
    "wrong_typ": "901",
    "unknown_kid": "903",
    "no_keys": "903",
    "bad_signature": "902",
    "short_signature": "902",
    "empty_signature": "902",
    "payload_swapped": "902",
    "missing_claim": "901",
    "impossible_date": "901",
    "expired_token": "905",
    "expires_now": "905",  # as the server: expired from the second exp names
    "card_ends_today": "000",
    "card_ended_at_hanoi_midnight": "010",  # 00:30 on 26/11 in Hanoi, still 25/11 in UTC
    "card_ended": "010",
    "card_not_yet_valid": "911",
}


async def test_verify_module_codes_and_their_order(live_server: LiveServer, page: Page) -> None:
    await page.goto(f"{live_server.url}/clinic/")
    outcomes: dict[str, Any] = await page.evaluate(VERIFY_CASES_JS)
    assert outcomes.pop("segment_lengths") != [0, 0, 0]  # unpadded base64url really was exercised
    assert {name: o["result"] for name, o in outcomes.items()} == EXPECTED_CODES
    assert {name for name, o in outcomes.items() if o["valid"]} == {"valid", "valid_with_whitespace", "card_ends_today"}
    # The payload (and so a name to display) only once the signature verified.
    assert outcomes["valid"]["name"] == "Nguyễn Văn An"
    assert outcomes["expired_token"]["name"] == "Nguyễn Văn An"
    assert outcomes["payload_swapped"]["name"] is None
    assert outcomes["unknown_kid"]["kid"] == "k9"


async def test_offline_verdicts_agree_with_the_server(site: ClinicSite, page: Page) -> None:
    """The same real tokens, checked by verify.js with the served JWKS and by the server's verify API."""
    token = site.card_token()
    samples = {
        "genuine": token,
        "forged": with_payload(token, lvl=1),
        "unknown_key": with_header(token, kid="nope"),
        "alg": with_header(token, alg="ES384"),
        "typ": with_header(token, typ="JWT"),
        "garbage": "AS1:x.y.z",
    }
    await page.goto(f"{site.server.url}/clinic/")
    offline: dict[str, str] = await page.evaluate(
        """
        async (samples) => {
          const { checkOffline } = await import("/static/clinic/verify.js");
          const jwks = await (await fetch("/.well-known/jwks.json")).json();
          const out = {};
          for (const [name, text] of Object.entries(samples)) out[name] = (await checkOffline(text, jwks)).result;
          return out;
        }
        """,
        samples,
    )
    async with httpx.AsyncClient(base_url=site.server.url, timeout=10) as http:
        clinic = await http.post(
            "/api/v1/clinic/token",
            data={"grant_type": "client_credentials", "client_id": CLINIC_CLIENT_ID, "client_secret": CLINIC_SECRET},
        )
        assert clinic.status_code == 200, clinic.text
        headers = {"Authorization": f"Bearer {clinic.json()['access_token']}"}
        online = {}
        for name, text in samples.items():
            answer = await http.post(
                "/api/v1/clinic/verify",
                json={"token": text, "staff_name": STAFF_NAME, "staff_citizen_id": STAFF_CITIZEN_ID},
                headers=headers,
            )
            assert answer.status_code == 200, answer.text
            online[name] = answer.json()["result"]
    assert offline == online
    assert offline["genuine"] == "000"
    assert offline["forged"] == "902"


VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "card"


async def test_verify_module_passes_the_conformance_vectors(live_server: LiveServer, page: Page) -> None:
    """Every published vector, checked by verify.js with its own JWKS and clock, gives its offline result."""
    vectors = [json.loads(path.read_text()) for path in sorted(VECTORS.glob("[0-9][0-9][0-9]-*.json"))]
    assert len(vectors) >= 20, f"conformance vectors missing from {VECTORS}"
    await page.goto(f"{live_server.url}/clinic/")
    results: dict[str, str] = await page.evaluate(
        """
        async (vectors) => {
          const { checkOffline } = await import("/static/clinic/verify.js");
          const out = {};
          for (const v of vectors) {
            out[v.case] = (await checkOffline(v.qr_text, v.jwks, new Date(v.validation_clock))).result;
          }
          return out;
        }
        """,
        vectors,
    )
    assert results == {vector["case"]: vector["expected_offline_result"] for vector in vectors}
