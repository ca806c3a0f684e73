"""The citizen's card, card tokens and QR images over HTTP."""

import io
import json
from datetime import UTC, date, datetime

import png
import pytest
import zxingcpp
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.tokens import check_card_token
from ansinh.core.settings import Settings
from ansinh.core.signing import public_key_from_jwk
from tests.cards.conftest import CardHolder, Clinic, mint_token
from tests.factories import bearer_for, make_citizen

Client = AsyncTestClient[Litestar]


def decode_png(image: bytes) -> str:
    """Decode a QR code from PNG bytes with zxing-cpp (a real decoder, as clinic scanners use)."""
    width, height, rows, _ = png.Reader(bytes=image).asDirect()
    pixels = bytearray()
    for row in rows:
        pixels.extend(row)  # greyscale, one byte per pixel after asDirect() on qrcode's 1-bit PNG
    if len(pixels) != width * height:  # RGB(A) or 1-bit-packed output: normalise to one byte per pixel
        raise AssertionError(f"unexpected PNG layout: {len(pixels)} bytes for {width}x{height}")
    grey = bytes(0 if v == 0 else 255 for v in pixels)
    result = zxingcpp.read_barcode(memoryview(grey).cast("B", (height, width)))
    assert result is not None, "no QR code found in the PNG"
    return str(result.text)


async def new_token(client: Client, holder: CardHolder, kind: str = "online") -> dict:
    response = await client.post("/api/v1/me/card/token", json={"kind": kind}, headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_card_shows_what_is_printed_on_it(client: Client, holder: CardHolder) -> None:
    response = await client.get("/api/v1/me/card", headers=holder.headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store, private"
    body = response.json()
    assert body == {
        "serial": holder.card.serial,
        "number": holder.person.si_code,
        "legacy_code": f"DN479{holder.person.si_code}",
        "name": "Trần Thị Bích",
        "birth_date": "1990-05-17",
        "sex": "F",
        "beneficiary_group": "DN",
        "benefit_level": 4,
        "benefit_level_meaning": "80% of costs",
        "benefit_level_meaning_vi": "80% chi phí",
        "primary_facility_code": "79024",
        "primary_facility_name": "Bệnh viện Nhân dân 115",
        "valid_from": "2020-01-01",
        "valid_to": "2099-12-31",
        "five_year_date": "2025-01-01",
        "co_payment_exempt_from": None,
        "co_payment_exempt_until": None,
        "status": "active",
        "decrease_reason": None,
        "in_force": True,
        "living_area": None,
    }


async def test_the_living_area_code_is_shown_and_a_reissue_keeps_it(
    client: Client, db_session: AsyncSession, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    holder.card.living_area = "K3"  # an island district (mã nơi sinh sống)
    db_session.add(holder.card)
    await db_session.commit()
    assert (await client.get("/api/v1/me/card", headers=holder.headers)).json()["living_area"] == "K3"
    reissued = await client.post(
        f"/api/v1/staff/cards/{holder.card.number}/reissue", json={"reason": "lost"}, headers=staff_headers
    )
    assert reissued.status_code == 201, reissued.text
    card = (await client.get("/api/v1/me/card", headers=holder.headers)).json()
    assert (card["serial"], card["living_area"]) == (reissued.json()["serial"], "K3")


async def test_the_database_keeps_only_the_three_living_area_codes(
    db_session: AsyncSession, holder: CardHolder
) -> None:
    holder.card.living_area = "K4"
    db_session.add(holder.card)
    with pytest.raises(IntegrityError, match="living_area"):
        await db_session.commit()


async def test_a_citizen_without_a_card_gets_404(client: Client, db_session: AsyncSession, settings: Settings) -> None:
    account, _ = await make_citizen(db_session)
    response = await client.get("/api/v1/me/card", headers=bearer_for(settings, account))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/no-card")


@pytest.mark.parametrize(("kind", "lifetime"), [("online", 180), ("offline", 7 * 86400)])
async def test_tokens_live_minutes_online_and_a_week_offline(
    client: Client, holder: CardHolder, kind: str, lifetime: int
) -> None:
    body = await new_token(client, holder, kind)
    assert body["kind"] == kind
    assert body["token"].startswith("AS1:")
    issued = datetime.fromisoformat(body["issued_at"])
    expires = datetime.fromisoformat(body["expires_at"])
    assert (expires - issued).total_seconds() == lifetime


async def test_a_token_verifies_against_the_published_jwks(client: Client, holder: CardHolder) -> None:
    body = await new_token(client, holder)
    jwks = (await client.get("/.well-known/jwks.json")).json()
    public_keys = {k["kid"]: public_key_from_jwk(_jwk_text(k)) for k in jwks["keys"]}
    check = check_card_token(body["token"], public_keys, now=datetime.now(UTC))
    assert check.result.value == "000"
    assert check.kid == body["kid"] == jwks["keys"][0]["kid"]
    assert check.claims is not None
    assert (check.claims.card_number, check.claims.card_serial) == (holder.card.number, holder.card.serial)


def _jwk_text(jwk: dict) -> str:
    return json.dumps({k: jwk[k] for k in ("kty", "crv", "x", "y")})


async def test_the_jwks_is_public_cacheable_and_open_to_any_origin(client: Client) -> None:
    response = await client.get("/.well-known/jwks.json", headers={"Origin": "https://clinic.example"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"] == "max-age=3600, public"
    keys = response.json()["keys"]
    assert len(keys) == 2
    assert {(k["kty"], k["crv"], k["use"], k["alg"]) for k in keys} == {("EC", "P-256", "sig", "ES256")}
    assert all("d" not in k for k in keys)


async def test_suspended_and_expired_cards_get_no_token(
    client: Client, db_session: AsyncSession, holder: CardHolder
) -> None:
    holder.card.status = "suspended"
    db_session.add(holder.card)
    await db_session.commit()
    response = await client.post("/api/v1/me/card/token", json={"kind": "offline"}, headers=holder.headers)
    assert response.status_code == 409
    assert response.json()["result"] == "920"
    holder.card.status, holder.card.valid_to = "active", date(2021, 12, 31)
    db_session.add(holder.card)
    await db_session.commit()
    response = await client.post("/api/v1/me/card/token", json={"kind": "online"}, headers=holder.headers)
    assert response.status_code == 409
    assert response.json()["result"] == "010"


async def test_an_unknown_token_kind_is_a_400(client: Client, holder: CardHolder) -> None:
    response = await client.post("/api/v1/me/card/token", json={"kind": "forever"}, headers=holder.headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_png_qr_decodes_back_to_the_exact_token(client: Client, holder: CardHolder) -> None:
    token = (await new_token(client, holder))["token"]
    response = await client.get("/api/v1/me/card/qr.png", params={"token": token}, headers=holder.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store, private"
    assert decode_png(response.content) == token


async def test_the_svg_qr_is_a_standalone_svg_with_a_white_background(client: Client, holder: CardHolder) -> None:
    token = (await new_token(client, holder))["token"]
    response = await client.get("/api/v1/me/card/qr.svg", params={"token": token}, headers=holder.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = response.text
    assert svg.lstrip().startswith("<?xml") or svg.lstrip().startswith("<svg")
    assert 'fill="white"' in svg or "fill:white" in svg or "#ffffff" in svg.lower()
    # Decoding the SVG is done in a real browser: tests/e2e/test_card_qr_browser.py.


async def test_only_the_owner_can_draw_a_tokens_qr(
    client: Client, holder: CardHolder, other_holder: CardHolder
) -> None:
    token = (await new_token(client, holder))["token"]
    response = await client.get("/api/v1/me/card/qr.svg", params={"token": token}, headers=other_holder.headers)
    assert response.status_code == 403


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + "AAA", lambda t: "hello", lambda t: t.replace("AS1:", "")])
async def test_an_invalid_token_draws_no_qr(client: Client, holder: CardHolder, mangle) -> None:
    token = (await new_token(client, holder))["token"]
    response = await client.get("/api/v1/me/card/qr.png", params={"token": mangle(token)}, headers=holder.headers)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-card-token")


async def test_an_expired_token_draws_no_qr(
    client: Client, db_session: AsyncSession, settings: Settings, holder: CardHolder
) -> None:
    stale = await mint_token(db_session, settings, holder, now=datetime(2026, 1, 5, tzinfo=UTC))
    response = await client.get("/api/v1/me/card/qr.png", params={"token": stale}, headers=holder.headers)
    assert response.status_code == 400
    assert response.json()["result"] == "905"


async def test_card_routes_need_a_citizen(client: Client, clinic: Clinic, staff_headers: dict[str, str]) -> None:
    for headers, status in (({}, 401), (clinic.headers, 403), (staff_headers, 403)):
        assert (await client.get("/api/v1/me/card", headers=headers)).status_code == status
        response = await client.post("/api/v1/me/card/token", json={"kind": "online"}, headers=headers)
        assert response.status_code == status
        assert (await client.get("/api/v1/me/card/checks", headers=headers)).status_code == status


async def test_token_minting_is_rate_limited(client: Client, holder: CardHolder) -> None:
    statuses = [
        (await client.post("/api/v1/me/card/token", json={"kind": "online"}, headers=holder.headers)).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_the_png_decoder_helper_rejects_a_blank_image() -> None:
    buffer = io.BytesIO()
    png.Writer(40, 40, greyscale=True).write(buffer, [[255] * 40 for _ in range(40)])
    with pytest.raises(AssertionError, match="no QR code"):
        decode_png(buffer.getvalue())


async def test_a_reissue_of_a_suspended_card_lifts_nothing(
    client: AsyncTestClient[Litestar], holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    base = f"/api/v1/staff/cards/{holder.card.number}"
    suspended = await client.post(f"{base}/suspend", json={"reason": "under investigation"}, headers=staff_headers)
    assert suspended.status_code == 200, suspended.text
    reissued = await client.post(f"{base}/reissue", json={"reason": "lost card"}, headers=staff_headers)
    assert reissued.status_code == 201, reissued.text
    assert reissued.json()["status"] == "suspended"
    card = (await client.get("/api/v1/me/card", headers=holder.headers)).json()
    assert (card["serial"], card["status"]) == (reissued.json()["serial"], "suspended")
