"""POST /passbooks/verify and GET /passbooks/keys: genuine passbooks verify (also with joserfc), forgeries do not."""

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.jwk import KeySet
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards import keys
from ansinh.cards.models import CardSigningKey, SigningKeyState
from ansinh.core.settings import Settings
from ansinh.core.time import today_vn, utcnow
from ansinh.passbooks.tokens import sign_passbook_token
from ansinh.records.models import ContributionPeriod
from tests.passbooks.conftest import HOLDER_NAME, KEYS_URL, VERIFY_URL, Holder, mint, printed_token
from tests.records.conftest import make_period
from tests.support.problems import assert_problem

FUND_ORDER = ["RS", "SM", "OA", "UI", "HI"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(segment: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def edited(token: str, edit: Callable[[dict[str, Any]], None]) -> str:
    """The token with its payload edited and the original header and signature kept."""
    header, payload, signature = token.removeprefix("PB1.").split(".")
    claims = b64url_json(payload)
    edit(claims)
    return f"PB1.{header}.{b64url(json.dumps(claims, ensure_ascii=False).encode())}.{signature}"


async def verify(client: AsyncTestClient[Litestar], token: str) -> dict[str, Any]:
    response = await client.post(VERIFY_URL, json={"token": token})
    assert response.status_code == 200, response.text
    return response.json()


def documented_sha256(person: Any, history: dict[str, Any], period: dict[str, str]) -> str:
    """The statement hash recomputed from /me/contributions by the rules of docs/passbook.md, not by our code."""
    rows = [
        {
            "from": p["from_month"],
            "to": p["to_month"],
            "employer": p["employer"],
            "scheme": p["scheme"],
            "salary_base": p["salary_base"],
            "funds": [f for f in FUND_ORDER if f in p["funds"]],
            "employer_amount": p["employer_amount"],
            "employee_amount": p["employee_amount"],
            "status": p["status"],
            "months": p["months"],
        }
        for p in history["periods"]
    ]

    def jcs(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    rows.sort(key=lambda r: (r["from"], r["to"], jcs(r)))
    document = {
        "format": "ansinh-passbook-statement/1",
        "si": person.si_code,
        "name": person.full_name,
        "birth_date": person.date_of_birth.isoformat(),
        "period": period,
        "rows": rows,
    }
    return b64url(hashlib.sha256(jcs(document).encode()).digest())


async def test_joserfc_verifies_a_printed_passbook_with_the_published_keys(
    client: AsyncTestClient[Litestar], holder: Holder, settings: Settings
) -> None:
    token = await printed_token(client, holder.headers)
    response = await client.get(KEYS_URL)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    assert sorted(response.headers["cache-control"].split(", ")) == ["max-age=3600", "public"]
    assert response.headers["access-control-allow-origin"] == "*"
    jwks = response.json()
    assert all("d" not in key for key in jwks["keys"])

    # joserfc: only the JWKS and ES256, none of our code.
    signed = jws.deserialize_compact(token.removeprefix("PB1."), KeySet.import_key_set(jwks), algorithms=["ES256"])
    header = signed.headers()
    assert header["alg"] == "ES256"
    assert header["typ"] == "ansinh-passbook+jws"
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    claims = json.loads(signed.payload)
    history = (await client.get("/api/v1/me/contributions", headers=holder.headers)).json()
    assert claims == {
        "iss": settings.public_url,
        "si": holder.person.si_code,
        "name": HOLDER_NAME,
        "period": {"from": "2023-01", "to": "2025-06"},
        "issued": today_vn().isoformat(),
        "totals": {
            "paid_months": {"RS": 21, "SM": 15, "OA": 15, "UI": 15, "HI": 15},
            "arrears_months": history["summary"]["arrears_months"],
        },
        "sha256": documented_sha256(holder.person, history, {"from": "2023-01", "to": "2025-06"}),
    }
    assert claims["totals"]["paid_months"]["RS"] == history["summary"]["paid_months_by_fund"]["SI"]

    # A forged payload fails joserfc too.
    with pytest.raises(jws.BadSignatureError):
        jws.deserialize_compact(
            edited(token, lambda c: c["totals"].update(arrears_months=0)).removeprefix("PB1."),
            KeySet.import_key_set(jwks),
            algorithms=["ES256"],
        )


async def test_a_genuine_passbook_verifies_from_the_token_or_the_whole_url(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings, holder: Holder
) -> None:
    statement, token = await mint(db_session, settings, holder.person)
    ring = await keys.load_key_ring(db_session, kek_secret=settings.signing_kek_secret)
    expected = {
        "valid": True,
        "si_code": holder.person.si_code,
        "holder_name": HOLDER_NAME,
        "period": {"from": "2023-01", "to": "2025-06"},
        "issued_on": today_vn().isoformat(),
        "totals": {"paid_months": {"RS": 21, "SM": 15, "OA": 15, "UI": 15, "HI": 15}, "arrears_months": 3},
        "statement_sha256": statement.sha256(),
        "kid": ring.signing_kid,
        "matches_current_records": True,
    }
    assert await verify(client, token) == expected
    assert await verify(client, f"{settings.public_url}/#/verify/{token}") == expected
    assert await verify(client, f"  {token}\n") == expected
    response = await client.post(VERIFY_URL, json={"token": token})
    assert "no-store" in response.headers["cache-control"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c["totals"]["paid_months"].update(RS=c["totals"]["paid_months"]["RS"] + 12),
        lambda c: c["totals"].update(arrears_months=0),
        lambda c: c.update(name="Nguyễn Văn Giả"),
        lambda c: c.update(si="0100000009"),
        lambda c: c["period"].update(to="2026-06"),
        lambda c: c.update(issued="2020-01-01"),
        lambda c: c.update(sha256=b64url(bytes(32))),
        lambda c: c.update(iss="https://evil.example"),
    ],
    ids=["paid-months", "arrears", "name", "si", "period", "issued", "sha256", "iss"],
)
async def test_any_edited_field_is_a_bad_signature(
    client: AsyncTestClient[Litestar],
    db_session: AsyncSession,
    settings: Settings,
    holder: Holder,
    edit: Callable[[dict[str, Any]], None],
) -> None:
    _, token = await mint(db_session, settings, holder.person)
    assert await verify(client, edited(token, edit)) == {"valid": False, "reason": "bad-signature"}


async def test_a_broken_signature_or_another_algorithm_is_a_bad_signature(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings, holder: Holder
) -> None:
    _, token = await mint(db_session, settings, holder.person)
    header, payload, signature = token.removeprefix("PB1.").split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01
    assert await verify(client, f"PB1.{header}.{payload}.{b64url(bytes(raw))}") == {
        "valid": False,
        "reason": "bad-signature",
    }
    for alg in ("none", "HS256", "ES384"):
        forged_header = b64url(json.dumps({**b64url_json(header), "alg": alg}).encode())
        assert await verify(client, f"PB1.{forged_header}.{payload}.{signature}") == {
            "valid": False,
            "reason": "bad-signature",
        }


async def test_a_key_we_never_had_is_unknown_and_our_kid_on_a_stranger_key_is_a_bad_signature(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings, holder: Holder
) -> None:
    _, token = await mint(db_session, settings, holder.person)
    payload = b64url_json(token.split(".")[2])
    stranger = ec.generate_private_key(ec.SECP256R1())
    unknown = sign_passbook_token(payload, private_key=stranger, kid="20990101-stranger")
    assert await verify(client, unknown) == {"valid": False, "reason": "unknown-key"}
    for odd_kid in ("", "\x00", "k" * 200, "ü"):
        odd = sign_passbook_token(payload, private_key=stranger, kid=odd_kid)
        assert await verify(client, odd) == {"valid": False, "reason": "unknown-key"}, odd_kid
    ours = b64url_json(token.split(".")[1])["kid"]
    impostor = sign_passbook_token(payload, private_key=stranger, kid=ours)
    assert await verify(client, impostor) == {"valid": False, "reason": "bad-signature"}


async def test_a_forced_rotation_withdraws_the_key_and_every_passbook_it_signed(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings, holder: Holder
) -> None:
    secret = settings.signing_kek_secret
    _, old = await mint(db_session, settings, holder.person)
    old_kid = b64url_json(old.split(".")[1])["kid"]
    assert (await verify(client, old))["valid"] is True

    withdrawn, current, _ = await keys.rotate_keys(db_session, kek_secret=secret, force=True)
    assert withdrawn == old_kid
    row = (await db_session.exec(select(CardSigningKey).where(CardSigningKey.kid == old_kid))).one()
    assert row.withdrawn_at is not None
    assert row.state == SigningKeyState.RETIRED

    assert await verify(client, old) == {"valid": False, "reason": "withdrawn-key"}
    published = {key["kid"] for key in (await client.get(KEYS_URL)).json()["keys"]}
    assert old_kid not in published
    assert current in published
    # Passbooks issued after the rotation verify with the new key.
    _, fresh = await mint(db_session, settings, holder.person)
    assert (await verify(client, fresh))["kid"] == current


async def test_after_a_normal_rotation_and_retirement_an_old_passbook_still_verifies(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings, holder: Holder
) -> None:
    secret = settings.signing_kek_secret
    start = utcnow()
    _, old = await mint(db_session, settings, holder.person, now=start)
    old_kid = b64url_json(old.split(".")[1])["kid"]

    await keys.rotate_keys(db_session, kek_secret=secret, now=start + keys.JWKS_MAX_AGE)
    assert (await verify(client, old))["valid"] is True  # retiring: signs nothing new, still verifies
    later = start + keys.JWKS_MAX_AGE + timedelta(days=30)  # every card token of the old key has expired
    await keys.rotate_keys(db_session, kek_secret=secret, now=later)
    row = (await db_session.exec(select(CardSigningKey).where(CardSigningKey.kid == old_kid))).one()
    assert row.state == SigningKeyState.RETIRED
    assert row.withdrawn_at is None

    # Clinics no longer see the key, but a printed passbook outlives it.
    card_ring = await keys.load_key_ring(db_session, kek_secret=secret, now=later)
    assert old_kid not in card_ring.public_keys
    assert old_kid in {key["kid"] for key in (await client.get(KEYS_URL)).json()["keys"]}
    verified = await verify(client, old)
    assert verified["valid"] is True
    assert verified["kid"] == old_kid


async def test_records_changed_after_issue_no_longer_match(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings, holder: Holder
) -> None:
    _, token = await mint(db_session, settings, holder.person)
    # A month added after the printed period leaves the printed statement as it was.
    await make_period(
        db_session,
        holder.person.id,
        from_month="2025-07",
        to_month="2025-08",
        scheme="voluntary",
        funds="RS",
        employer_amount=0,
    )
    assert (await verify(client, token))["matches_current_records"] is True

    # The employer pays the months it owed: the statement for the printed period changed.
    owed = (await db_session.exec(select(ContributionPeriod).where(ContributionPeriod.status == "arrears"))).one()
    owed.status = "paid"
    db_session.add(owed)
    await db_session.commit()
    changed = await verify(client, token)
    assert changed["valid"] is True  # still a genuine passbook…
    assert changed["matches_current_records"] is False  # …of records that have changed since
    assert changed["totals"]["arrears_months"] == 3  # as printed


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "AS1:eyJhbGciOiJFUzI1NiJ9.e30.AAAA",  # a card token is not a passbook
        "PB1.abc",
        "PB1.a.b",
        "PB1.e30.e30.AA.AA",
        "PB1.e30.e30.",
        "PB1.bm90IGpzb24.e30.AAAA",  # header is not JSON
        "PB1.W10.e30.AAAA",  # header is a JSON array
        "PB1.eyJ0eXAiOiJhbnNpbmgtY2FyZCtqd3QifQ.e30.AAAA",  # typ of a card token
        "PB1." + "A" * 5000,
        "http://localhost:8000/#/verify/not-a-token",
    ],
)
async def test_what_is_not_a_passbook_token_is_a_422_problem(client: AsyncTestClient[Litestar], text: str) -> None:
    assert_problem(await client.post(VERIFY_URL, json={"token": text}), 422, "invalid-passbook-token")


async def test_an_oversized_genuine_looking_token_is_refused(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings, holder: Holder
) -> None:
    _, token = await mint(db_session, settings, holder.person)
    padded = f"{' ' * 4096}{token}"
    assert_problem(await client.post(VERIFY_URL, json={"token": padded}), 422, "invalid-passbook-token")


async def test_a_body_without_a_token_string_is_a_400_problem(client: AsyncTestClient[Litestar]) -> None:
    assert_problem(await client.post(VERIFY_URL, json={"token": 12}), 400, "invalid-request")
    assert_problem(await client.post(VERIFY_URL, json={}), 400, "invalid-request")


async def test_verification_is_rate_limited_per_ip(client: AsyncTestClient[Litestar]) -> None:
    for _ in range(30):
        assert (await client.post(VERIFY_URL, json={"token": "hello"})).status_code == 422
    refused = await client.post(VERIFY_URL, json={"token": "hello"})
    body = assert_problem(refused, 429, "too-many-requests")
    assert body["retry_after"] >= 1
    assert int(refused.headers["retry-after"]) >= 1


async def test_keys_are_public_and_list_only_keys_never_withdrawn(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings
) -> None:
    await keys.ensure_keys(db_session, kek_secret=settings.signing_kek_secret)
    rows = (await db_session.exec(select(CardSigningKey))).all()
    jwks = (await client.get(KEYS_URL)).json()
    assert sorted(k["kid"] for k in jwks["keys"]) == sorted(r.kid for r in rows)
    assert all(k.keys() == {"kty", "crv", "x", "y", "kid", "use", "alg"} for k in jwks["keys"])
    assert jwks["keys"][0]["kid"] == next(r.kid for r in rows if r.state == "current")
