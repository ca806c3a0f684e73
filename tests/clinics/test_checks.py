"""Clinic checks: verifying a card token online, looking a patient up, the scan log and who may do what."""

import base64
import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.app import create_app
from ansinh.cards.models import BENEFIT_LEVEL_MEANING, BENEFIT_LEVEL_MEANING_VI, HealthInsuranceCard
from ansinh.cards.results import CheckResult
from ansinh.cards.tokens import sign_card_token
from ansinh.clinics.checks import Verdict, encode_answer
from ansinh.clinics.models import CardCheck, CheckMethod
from ansinh.clinics.schemas import CheckResponse
from ansinh.core.settings import Settings
from ansinh.core.signing import b64url, generate_p256
from ansinh.identity.models import Person
from tests.cards.conftest import STAFF, CardHolder, Clinic, mint_token
from tests.factories import clinic_bearer_for, make_clinic_client, make_facility_staff

Client = AsyncTestClient[Litestar]


async def card_token(client: Client, holder: CardHolder, kind: str = "online") -> str:
    response = await client.post("/api/v1/me/card/token", json={"kind": kind}, headers=holder.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


async def verify(client: Client, clinic: Clinic, token: str, **staff: str) -> dict:
    response = await client.post(
        "/api/v1/clinic/verify", json={"token": token, **STAFF, **staff}, headers=clinic.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def lookup(client: Client, clinic: Clinic, **fields: str) -> dict:
    response = await client.post("/api/v1/clinic/lookup", json={**STAFF, **fields}, headers=clinic.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def check_count(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(CardCheck))).one()


# --- verify -------------------------------------------------------------------------------------------------------


async def test_a_genuine_token_of_a_card_in_force_is_000_with_only_what_the_check_needs(
    client: Client, clinic: Clinic, holder: CardHolder
) -> None:
    body = await verify(client, clinic, await card_token(client, holder))
    assert body["result"] == "000"
    assert body["valid"] is True
    assert body["method"] == "qr"
    assert body["card"] == {
        "number": holder.card.number,
        "name": "Trần Thị Bích",
        "birth_date": "1990-05-17",
        "sex": "F",
        "benefit_level": 4,
        "benefit_level_meaning": "80% of costs",
        "benefit_level_meaning_vi": "80% chi phí",
        "primary_facility_code": "79024",
        "primary_facility_name": "Bệnh viện Nhân dân 115",
        "valid_from": "2020-01-01",
        "valid_to": "2099-12-31",
    }
    assert body["message_vi"] == "Thông tin thẻ chính xác."


async def test_an_offline_pass_verifies_online_too(client: Client, clinic: Clinic, holder: CardHolder) -> None:
    assert (await verify(client, clinic, await card_token(client, holder, "offline")))["result"] == "000"


@pytest.mark.parametrize(
    ("mangle", "expected"),
    [
        (lambda t: t.replace("AS1:", ""), "901"),
        (lambda t: "AS1:" + t.split(".")[0][4:] + ".x", "901"),
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "902"),
    ],
    ids=["no-prefix", "two-parts", "signature-edited"],
)
async def test_token_faults_have_their_own_codes(
    client: Client,
    clinic: Clinic,
    holder: CardHolder,
    mangle,
    expected: str,
) -> None:
    body = await verify(client, clinic, mangle(await card_token(client, holder)))
    assert body["result"] == expected
    assert body["valid"] is False
    assert body["card"] is None


async def test_an_edited_payload_is_202(client: Client, clinic: Clinic, holder: CardHolder) -> None:
    header, payload, signature = (await card_token(client, holder))[4:].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["lvl"] = 1  # "upgrade" the benefit level
    edited = b64url(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode())
    assert (await verify(client, clinic, f"AS1:{header}.{edited}.{signature}"))["result"] == "902"


async def test_alg_none_and_unknown_kid_are_refused(client: Client, clinic: Clinic, holder: CardHolder) -> None:
    _, payload, _ = (await card_token(client, holder))[4:].split(".")
    none_header = b64url(b'{"alg":"none","kid":"x","typ":"ansinh-card+jwt"}')
    assert (await verify(client, clinic, f"AS1:{none_header}.{payload}."))["result"] == "904"
    kid_header = b64url(b'{"alg":"ES256","kid":"20991231-nobody00","typ":"ansinh-card+jwt"}')
    signature = b64url(bytes(64))
    assert (await verify(client, clinic, f"AS1:{kid_header}.{payload}.{signature}"))["result"] == "903"


async def test_an_expired_token_is_205(
    client: Client, db_session: AsyncSession, settings: Settings, clinic: Clinic, holder: CardHolder
) -> None:
    stale = await mint_token(db_session, settings, holder, now=datetime.now(UTC) - timedelta(minutes=10))
    body = await verify(client, clinic, stale)
    assert body["result"] == "905"
    assert body["card"] is None


@pytest.mark.parametrize(
    ("status", "valid_to", "expected"),
    [("suspended", date(2099, 12, 31), "920"), ("active", date(2021, 12, 31), "010")],
)
async def test_the_online_check_adds_the_status_a_signature_cannot_tell(
    client: Client,
    db_session: AsyncSession,
    clinic: Clinic,
    holder: CardHolder,
    status: str,
    valid_to: date,
    expected: str,
) -> None:
    token = await card_token(client, holder, "offline")
    holder.card.status, holder.card.valid_to = status, valid_to
    db_session.add(holder.card)
    await db_session.commit()
    body = await verify(client, clinic, token)
    assert body["result"] == expected
    assert body["valid"] is False
    assert body["card"]["valid_to"] == valid_to.isoformat()


async def test_a_reissued_card_answers_004_with_the_new_card_for_old_tokens_and_000_for_new_ones(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    old_token = await card_token(client, holder, "offline")
    response = await client.post(
        f"/api/v1/staff/cards/{holder.card.number}/reissue", json={"reason": "lost card"}, headers=staff_headers
    )
    assert response.status_code == 201, response.text
    reissued = response.json()
    assert reissued["previous_serial"] == holder.card.serial
    assert reissued["serial"] != holder.card.serial
    old = await verify(client, clinic, old_token)
    assert (old["result"], old["valid"], old["card"]["number"]) == ("004", False, holder.card.number)
    assert old["message"] == "The old card is still valid; a new card was issued."
    new_token = await card_token(client, holder)
    assert (await verify(client, clinic, new_token))["result"] == "000"
    card = (await client.get("/api/v1/me/card", headers=holder.headers)).json()
    assert card["serial"] == reissued["serial"]


async def test_a_revoked_card_answers_110(
    client: Client, clinic: Clinic, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    token = await card_token(client, holder, "offline")
    response = await client.post(
        f"/api/v1/staff/cards/{holder.card.number}/revoke", json={"reason": "fraud"}, headers=staff_headers
    )
    assert response.status_code == 200
    assert (await verify(client, clinic, token))["result"] == "110"
    assert (await client.get("/api/v1/me/card", headers=holder.headers)).status_code == 404


async def test_check_answers_are_small_and_sent_as_they_are_even_to_a_client_accepting_gzip(
    client: Client, clinic: Clinic, holder: CardHolder
) -> None:
    # These routes skip the compression wrapper (core/routes.UNCOMPRESSED): their answers must stay under its
    # threshold, where nothing would be compressed anyway.
    token = await card_token(client, holder)
    answer = await client.post(
        "/api/v1/clinic/verify",
        json={"token": token, **STAFF},
        headers={**clinic.headers, "Accept-Encoding": "gzip"},
    )
    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers
    assert len(answer.content) < 1024
    # Sent as encoded, with the route's own headers: JSON, never cached, its exact length.
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-store"
    assert int(answer.headers["content-length"]) == len(answer.content)


async def test_a_retried_scan_is_logged_once_and_answers_the_same(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    token = await card_token(client, holder)
    first = await verify(client, clinic, token)
    retry = await verify(client, clinic, token)
    assert retry == first
    assert await check_count(db_session) == 1
    other_staff = await verify(client, clinic, token, staff_name="Đỗ Văn Bác Sĩ", staff_citizen_id="001080000999")
    assert other_staff["check_id"] != first["check_id"]
    assert await check_count(db_session) == 2


async def test_each_check_is_logged_with_facility_staff_and_result(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    body = await verify(client, clinic, await card_token(client, holder))
    record = await db_session.get(CardCheck, body["check_id"])
    assert record is not None
    assert (record.facility_id, record.client_id, record.method, record.result) == (
        clinic.facility.id,
        clinic.client.client_id,
        "qr",
        "000",
    )
    assert (record.staff_name, record.staff_citizen_id) == (STAFF["staff_name"], STAFF["staff_citizen_id"])
    assert (record.person_id, record.card_id) == (holder.person.id, holder.card.id)


async def test_a_forged_token_is_logged_but_attached_to_nobody(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    token = await card_token(client, holder)
    claims_part = token[4:].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(claims_part + "=="))
    kid = json.loads(base64.urlsafe_b64decode(token[4:].split(".")[0] + "=="))["kid"]
    forged = sign_card_token(claims, private_key=generate_p256(), kid=kid)
    body = await verify(client, clinic, forged)
    assert body["result"] == "902"
    record = await db_session.get(CardCheck, body["check_id"])
    assert record is not None
    assert record.person_id is None


# --- lookup -------------------------------------------------------------------------------------------------------


async def test_lookup_by_citizen_id_card_number_or_legacy_code(
    client: Client, clinic: Clinic, holder: CardHolder
) -> None:
    who = {"full_name": "trần  thị BÍCH", "date_of_birth": "1990-05-17"}  # case and spacing do not matter
    for identifier in (
        {"citizen_id": holder.person.citizen_id},
        {"card_number": holder.card.number},
        {"card_number": holder.card.legacy_code or ""},
    ):
        body = await lookup(client, clinic, **identifier, **who)
        assert body["result"] == "000", identifier
        assert body["method"] == "lookup"
        assert body["card"]["number"] == holder.card.number


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"full_name": "Trần Thị Bich", "date_of_birth": "1990-05-17"}, "061"),  # a missing diacritic: first letter ok
        ({"full_name": "Đỗ Thị Bích", "date_of_birth": "1990-05-17"}, "060"),  # Đ = D, not T
        ({"full_name": "Nguyễn Văn A", "date_of_birth": "1990-05-17"}, "060"),
        ({"full_name": "Trần Thị Bích", "date_of_birth": "1990-05-18"}, "070"),
        ({"full_name": "Trần Thị Bích", "date_of_birth": "1990"}, "070"),  # the full date is on record
    ],
)
async def test_lookup_mismatches_tell_nothing_about_the_card(
    client: Client, clinic: Clinic, holder: CardHolder, fields: dict[str, str], expected: str
) -> None:
    body = await lookup(client, clinic, citizen_id=holder.person.citizen_id, **fields)
    assert body["result"] == expected
    assert body["card"] is None


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ({"citizen_id": "099999999999"}, "050"),
        ({"card_number": "9999999999"}, "050"),
        ({"citizen_id": "12345"}, "051"),
        ({"citizen_id": "07909000000A"}, "051"),
        ({"card_number": "DN47"}, "051"),
    ],
)
async def test_unknown_or_malformed_identifiers(
    client: Client, clinic: Clinic, holder: CardHolder, identifier: dict[str, str], expected: str
) -> None:
    body = await lookup(client, clinic, full_name="Trần Thị Bích", date_of_birth="1990-05-17", **identifier)
    assert body["result"] == expected


async def test_a_year_only_birth_date_matches_on_the_year(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    person = await db_session.get(Person, holder.person.id)
    assert person is not None
    person.birth_date_precision = "year"
    db_session.add(person)
    await db_session.commit()
    for given in ("1990", "1990-01-01"):
        body = await lookup(
            client, clinic, citizen_id=person.citizen_id, full_name="Trần Thị Bích", date_of_birth=given
        )
        assert body["result"] == "000"
        assert body["card"]["birth_date"] == "1990"


async def test_lookup_of_a_reissued_card_finds_the_live_one(
    client: Client, clinic: Clinic, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    await client.post(
        f"/api/v1/staff/cards/{holder.card.number}/reissue", json={"reason": "damaged"}, headers=staff_headers
    )
    body = await lookup(
        client, clinic, card_number=holder.card.number, full_name="Trần Thị Bích", date_of_birth="1990-05-17"
    )
    assert body["result"] == "000"


async def test_lookup_of_a_card_revoked_without_reissue_is_110(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    card = await db_session.get(HealthInsuranceCard, holder.card.id)
    assert card is not None
    card.status = "withdrawn"
    db_session.add(card)
    await db_session.commit()
    body = await lookup(
        client, clinic, citizen_id=holder.person.citizen_id, full_name="Trần Thị Bích", date_of_birth="1990-05-17"
    )
    assert body["result"] == "110"
    assert body["card"] is None


# --- bad input and access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"token": "AS1:x"},  # no staff
        {"token": "AS1:x", "staff_name": "Lê Y Tá", "staff_citizen_id": "123"},
        {"token": "", **STAFF},
        {"token": "x" * 5000, **STAFF},
        {"staff_name": "Lê Y Tá", "staff_citizen_id": "001190000123"},
        # A name is logged with the scan, in a batch with other clinics' scans: what the database cannot store
        # (a NUL) or nobody's name holds (control characters) is refused here, never left to fail the batch.
        {"token": "AS1:x", "staff_name": "Lê\x00Y Tá", "staff_citizen_id": "001190000123"},
        {"token": "AS1:x", "staff_name": "Lê Y Tá\n", "staff_citizen_id": "001190000123"},
    ],
)
async def test_verify_refuses_bad_requests_with_problem_json(client: Client, clinic: Clinic, body: dict) -> None:
    response = await client.post("/api/v1/clinic/verify", json=body, headers=clinic.headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "body",
    [
        {"full_name": "A", "date_of_birth": "1990-05-17", **STAFF},  # neither identifier
        {"citizen_id": "001190000123", "card_number": "0100000001", "full_name": "A", "date_of_birth": "1990", **STAFF},
        {"citizen_id": "001190000123", "full_name": "A", "date_of_birth": "17/05/1990", **STAFF},
    ],
)
async def test_lookup_refuses_bad_requests_with_problem_json(client: Client, clinic: Clinic, body: dict) -> None:
    response = await client.post("/api/v1/clinic/lookup", json=body, headers=clinic.headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_only_clinics_may_check_cards(client: Client, holder: CardHolder, staff_headers: dict[str, str]) -> None:
    token = await card_token(client, holder)
    for headers, status in (({}, 401), (holder.headers, 403), (staff_headers, 403)):
        response = await client.post("/api/v1/clinic/verify", json={"token": token, **STAFF}, headers=headers)
        assert response.status_code == status
        response = await client.post(
            "/api/v1/clinic/lookup",
            json={"citizen_id": holder.person.citizen_id, "full_name": "x", "date_of_birth": "1990", **STAFF},
            headers=headers,
        )
        assert response.status_code == status


async def test_a_disabled_clinic_client_loses_access_at_once(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    clinic.client.active = False
    db_session.add(clinic.client)
    await db_session.commit()
    response = await client.post(
        "/api/v1/clinic/verify", json={"token": await card_token(client, holder), **STAFF}, headers=clinic.headers
    )
    assert response.status_code == 403


async def test_clinic_requests_are_rate_limited_per_client(
    db_session: AsyncSession, settings: Settings, holder: CardHolder
) -> None:
    limited = create_app(settings.model_copy(update={"clinic_rate_limit": 3}))
    client_a, facility_a = await make_clinic_client(db_session, client_id="clinic-a", code="48002", province_code="48")
    client_b, facility_b = await make_clinic_client(db_session, client_id="clinic-b", code="48003", province_code="48")
    body = {"citizen_id": holder.person.citizen_id, "full_name": "Trần Thị Bích", "date_of_birth": "1990-05-17"}
    async with AsyncTestClient(app=limited) as client:
        responses = [
            await client.post(
                "/api/v1/clinic/lookup",
                json={**body, **STAFF, "staff_name": f"Nhân viên {i}"},
                headers=clinic_bearer_for(settings, client_a, facility_a),
            )
            for i in range(12)
        ]
        other = await client.post(
            "/api/v1/clinic/lookup", json={**body, **STAFF}, headers=clinic_bearer_for(settings, client_b, facility_b)
        )
    # 3 per second: twelve quick requests cannot all pass (even straddling a second boundary or two).
    refused = [r for r in responses if r.status_code == 429]
    assert refused
    assert all(r.status_code in (200, 429) for r in responses)
    assert refused[0].headers["retry-after"] == "1"
    assert refused[0].headers["content-type"].startswith("application/problem+json")
    assert other.status_code == 200  # another clinic's budget is its own


# --- receipts -----------------------------------------------------------------------------------------------------


async def test_the_card_owner_sees_each_check_without_the_staff_id(
    client: Client, clinic: Clinic, holder: CardHolder, other_holder: CardHolder
) -> None:
    await verify(client, clinic, await card_token(client, holder))
    await lookup(client, clinic, citizen_id=holder.person.citizen_id, full_name="Sai Tên", date_of_birth="1990-05-17")
    response = await client.get("/api/v1/me/card/checks", headers=holder.headers)
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 2
    assert [(i["method"], i["result"], i["valid"]) for i in page["items"]] == [
        ("lookup", "060", False),
        ("qr", "000", True),
    ]
    receipt = page["items"][1]
    assert receipt["facility_code"] == "48001"
    assert receipt["facility_name"] == "Bệnh viện Đà Nẵng"
    assert receipt["staff_name"] == STAFF["staff_name"]
    assert STAFF["staff_citizen_id"] not in response.text
    assert receipt["checked_at"].endswith("Z") or "+00:00" in receipt["checked_at"]
    # Another citizen sees none of these.
    theirs = (await client.get("/api/v1/me/card/checks", headers=other_holder.headers)).json()
    assert theirs["total"] == 0


async def test_receipts_are_paginated(
    client: Client, db_session: AsyncSession, clinic: Clinic, holder: CardHolder
) -> None:
    staff = [{"staff_name": f"Nhân viên {i}", "staff_citizen_id": f"00119000090{i}"} for i in range(3)]
    for member in staff:
        await make_facility_staff(
            db_session, facility=clinic.facility, full_name=member["staff_name"], citizen_id=member["staff_citizen_id"]
        )
    for member in staff:
        await verify(client, clinic, await card_token(client, holder), **member)
    page = (await client.get("/api/v1/me/card/checks", params={"limit": 2, "offset": 2}, headers=holder.headers)).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 2, 1)
    assert page["items"][0]["staff_name"] == "Nhân viên 0"


async def test_staff_card_actions_need_staff_and_are_audited(
    client: Client, db_session: AsyncSession, settings: Settings, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    url = f"/api/v1/staff/cards/{holder.card.number}/suspend"
    assert (await client.post(url, json={"reason": "check"}, headers=holder.headers)).status_code == 403
    assert (await client.post(url, json={"reason": "check"})).status_code == 401
    assert (await client.post(url, json={"reason": "x"}, headers=staff_headers)).status_code == 400
    assert (await client.post(url, json={"reason": "duplicate enrolment"}, headers=staff_headers)).status_code == 200
    events = (await client.get("/api/v1/me/security-events", headers=holder.headers)).json()
    kinds = [e["kind"] for e in events["items"]]
    assert "card_suspended" in kinds
    reinstate = f"/api/v1/staff/cards/{holder.card.number}/reinstate"
    assert (await client.post(reinstate, json={"reason": "resolved"}, headers=staff_headers)).status_code == 200
    assert (await client.post(reinstate, json={"reason": "resolved"}, headers=staff_headers)).status_code == 409
    missing = await client.post("/api/v1/staff/cards/0000000000/revoke", json={"reason": "test"}, headers=staff_headers)
    assert missing.status_code == 404


# --- the answer's encoding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("microsecond", [0, 123456])
@pytest.mark.parametrize("shown", [True, False])
def test_the_answer_is_byte_for_byte_what_the_documented_schema_would_write(shown: bool, microsecond: int) -> None:
    # The scan path encodes its answer with msgspec; pydantic reading it back as the OpenAPI schema's CheckResponse
    # and writing it again must give the very same bytes.
    card = SimpleNamespace(
        number="0123456789", benefit_level=4, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31)
    )
    person = SimpleNamespace(
        full_name="Nguyễn Thị Ánh", date_of_birth=date(1990, 2, 3), birth_date_precision="day", sex="F"
    )
    facility = SimpleNamespace(code="01001", name="Bệnh viện Bạch Mai")
    verdict = Verdict(CheckResult.VALID, found=(card, person, facility), show_card=shown)  # type: ignore[arg-type]
    at = datetime(2026, 11, 26, 3, 4, 5, microsecond, tzinfo=UTC)

    answer = encode_answer(verdict, method=CheckMethod.QR, checked_at=at, check_id=None if shown else 42)

    assert CheckResponse.model_validate_json(answer).model_dump_json().encode() == answer
    assert json.loads(answer)["card"] == (
        {
            "number": "0123456789",
            "name": "Nguyễn Thị Ánh",
            "birth_date": "1990-02-03",
            "sex": "F",
            "benefit_level": 4,
            "benefit_level_meaning": BENEFIT_LEVEL_MEANING[4],
            "benefit_level_meaning_vi": BENEFIT_LEVEL_MEANING_VI[4],
            "primary_facility_code": "01001",
            "primary_facility_name": "Bệnh viện Bạch Mai",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
        }
        if shown
        else None
    )
