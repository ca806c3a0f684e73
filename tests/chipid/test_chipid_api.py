"""POST /me/chip-id/{challenge,verify}: each check's outcome, assurance, records and security events, refusals."""

import asyncio
import base64
import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.app import create_app
from ansinh.chipid.models import ChipVerification
from ansinh.chipid.service import CHALLENGE_KEY, CHALLENGE_TTL_SECONDS
from ansinh.core.settings import Settings
from ansinh.identity.models import Account, SecurityEvent
from tests.chipid.conftest import CHALLENGE, VERIFY, CardHolder, Pki, challenge, citizen_headers, holder_of
from tests.factories import clinic_bearer_for, make_citizen, make_clinic_client, make_staff
from tests.support import chip_pki
from tests.support.problems import assert_problem

ALL_PASSED = {
    "sod_signature": "passed",
    "document_signer_chain": "passed",
    "certificate_validity": "passed",
    "data_group_hashes": "passed",
    "identity_dg13": "passed",
    "identity_mrz": "passed",
    "document_expiry": "passed",
    "active_authentication": "passed",
}


async def assurance(db: AsyncSession, account: Account) -> str:
    await db.refresh(account)
    return account.assurance_level


async def records(db: AsyncSession, account: Account) -> list[ChipVerification]:
    query = select(ChipVerification).where(ChipVerification.account_id == account.id).order_by(ChipVerification.id)
    return list((await db.exec(query)).all())


async def chip_events(db: AsyncSession, account: Account) -> list[SecurityEvent]:
    query = select(SecurityEvent).where(SecurityEvent.account_id == account.id).order_by(SecurityEvent.id)
    return [e for e in (await db.exec(query)).all() if e.kind.startswith("chip_")]


async def verify_with_aa(client: AsyncTestClient, holder: CardHolder, chip: chip_pki.Chip | None = None):  # type: ignore[no-untyped-def]
    challenge_id, nonce = await challenge(client, holder.headers)
    return await client.post(
        VERIFY, headers=holder.headers, json=(chip or holder.chip).body(nonce=nonce, challenge_id=challenge_id)
    )


def failed(response, check: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    body = assert_problem(response, 422, "chip-id-check-failed")
    assert body["failed_check"] == check
    assert body["checks"][check] == "failed"
    return body


# ---- a good document -----------------------------------------------------------------------------------------------


async def test_a_good_card_raises_the_account_to_chip_verified_and_is_recorded(
    client: AsyncTestClient, db_session: AsyncSession, card_holder: CardHolder
) -> None:
    assert (await client.get("/api/v1/me", headers=card_holder.headers)).json()["assurance_level"] == "basic"
    response = await verify_with_aa(client, card_holder)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True
    assert body["assurance_level"] == "chip_verified"
    assert {c["name"]: c["outcome"] for c in body["checks"]} == ALL_PASSED
    assert body["active_authentication"] == "ecdsa-sha256"
    assert body["document_last_digits"] == card_holder.person.citizen_id[-4:]
    me = await client.get("/api/v1/me", headers=card_holder.headers)
    assert me.json()["assurance_level"] == "chip_verified"

    [record] = await records(db_session, card_holder.account)
    assert record.outcome == "passed"
    assert record.purpose == "verify"
    assert record.checks == ALL_PASSED
    assert record.data_groups == [1, 13, 15]
    assert record.ds_fingerprint is not None
    assert len(record.ds_fingerprint) == 64
    assert record.signature_algorithm == "rsassa_pkcs1v15"
    assert record.digest_algorithm == "sha256"
    # Never the files or the person's details: only the last digits of the document number.
    assert record.document_last_digits == card_holder.person.citizen_id[-4:]
    stored = " ".join(str(v) for v in record.model_dump().values())
    assert card_holder.person.citizen_id not in stored
    assert card_holder.person.full_name not in stored

    events = (await client.get("/api/v1/me/security-events", headers=card_holder.headers)).json()["items"]
    assert events[0]["kind"] == "chip_verified"
    assert events[0]["detail"]["outcome"] == "passed"
    listed = (await client.get("/api/v1/me/chip-id/verifications", headers=card_holder.headers)).json()
    assert listed["total"] == 1
    assert listed["items"][0]["checks"] == ALL_PASSED
    assert listed["items"][0]["active_authentication"] == "ecdsa-sha256"


@pytest.mark.parametrize(
    ("aa", "with_dg14", "expected"), [("rsa", False, "rsa-iso9796-2-sha1"), ("ec", True, "ecdsa-sha256")]
)
async def test_rsa_and_ec_chips_pass_active_authentication(
    client: AsyncTestClient,
    settings: Settings,
    db_session: AsyncSession,
    pki: Pki,
    aa: str,
    with_dg14: bool,
    expected: str,
) -> None:
    account, person = await make_citizen(db_session)
    holder = CardHolder(
        account,
        person,
        chip_pki.make_chip(pki.ec_signer, holder_of(person), aa=aa, with_dg14=with_dg14),
        citizen_headers(settings, account),
    )
    response = await verify_with_aa(client, holder)
    assert response.status_code == 200, response.text
    assert response.json()["active_authentication"] == expected
    assert [r.signature_algorithm for r in await records(db_session, account)] == ["ecdsa"]


async def test_a_chip_without_active_authentication_passes_on_passive_authentication_alone(
    client: AsyncTestClient, settings: Settings, db_session: AsyncSession, pki: Pki
) -> None:
    account, person = await make_citizen(db_session)
    chip = chip_pki.make_chip(pki.signer, holder_of(person), aa=None)
    response = await client.post(VERIFY, headers=citizen_headers(settings, account), json=chip.body())
    assert response.status_code == 200, response.text
    outcomes = {c["name"]: c["outcome"] for c in response.json()["checks"]}
    assert outcomes["active_authentication"] == "not_supported"
    assert response.json()["active_authentication"] is None


# ---- failures of passive authentication -----------------------------------------------------------------------------


async def test_a_changed_data_group_fails_and_leaves_the_account_basic(
    client: AsyncTestClient, db_session: AsyncSession, card_holder: CardHolder
) -> None:
    other = holder_of(card_holder.person)
    forged = chip_pki.dg13({**chip_pki.holder_dg13(other), 9: "Another address"})
    response = await verify_with_aa(client, card_holder, card_holder.chip.with_file(13, forged))
    body = failed(response, "data_group_hashes")
    assert "DG13" in body["detail"]
    assert body["checks"]["sod_signature"] == "passed"
    assert body["checks"]["identity_dg13"] == "not_run"
    assert await assurance(db_session, card_holder.account) == "basic"
    [record] = await records(db_session, card_holder.account)
    assert record.outcome == "failed"
    assert record.failed_check == "data_group_hashes"
    assert record.document_last_digits is None  # nothing in unverified files is believed
    [event] = await chip_events(db_session, card_holder.account)
    assert event.kind == "chip_verification_failed"
    assert event.detail["failed_check"] == "data_group_hashes"


async def test_vietnamese_callers_read_the_failure_in_vietnamese(
    client: AsyncTestClient, card_holder: CardHolder, pki: Pki
) -> None:
    chip = chip_pki.make_chip(pki.rogue_signer, holder_of(card_holder.person), aa=None)
    response = await client.post(VERIFY, headers={**card_holder.headers, "Accept-Language": "vi"}, json=chip.body())
    body = failed(response, "document_signer_chain")
    assert "cơ quan cấp thẻ" in body["detail"]


async def test_an_sod_signed_under_an_unknown_csca_fails(
    client: AsyncTestClient, db_session: AsyncSession, card_holder: CardHolder, pki: Pki
) -> None:
    chip = chip_pki.make_chip(pki.rogue_signer, holder_of(card_holder.person))
    body = failed(await verify_with_aa(client, card_holder, chip), "document_signer_chain")
    assert body["checks"]["sod_signature"] == "passed"
    assert await assurance(db_session, card_holder.account) == "basic"


async def test_an_expired_document_signer_fails(
    client: AsyncTestClient, db_session: AsyncSession, card_holder: CardHolder, pki: Pki
) -> None:
    now = datetime.now(UTC)
    expired = chip_pki.make_signer(pki.csca, not_before=now - timedelta(days=400), not_after=now - timedelta(days=1))
    chip = chip_pki.make_chip(expired, holder_of(card_holder.person))
    body = failed(await verify_with_aa(client, card_holder, chip), "certificate_validity")
    assert "expired" in body["detail"]
    assert await assurance(db_session, card_holder.account) == "basic"


async def test_a_broken_sod_signature_fails(client: AsyncTestClient, card_holder: CardHolder, pki: Pki) -> None:
    files = card_holder.chip.files
    broken = chip_pki.Chip(files=files, sod=chip_pki.sod(pki.signer, files, corrupt_signature=True))
    failed(await client.post(VERIFY, headers=card_holder.headers, json=broken.body()), "sod_signature")


# ---- identity -------------------------------------------------------------------------------------------------------


async def test_a_genuine_card_of_another_person_fails_the_identity_match(
    client: AsyncTestClient, db_session: AsyncSession, card_holder: CardHolder, pki: Pki
) -> None:
    _, someone = await make_citizen(db_session, full_name="Phạm Văn Đức", sex="M")
    chip = chip_pki.make_chip(pki.signer, holder_of(someone))
    body = failed(await verify_with_aa(client, card_holder, chip), "identity_dg13")
    assert "citizen ID" in body["detail"]
    assert body["checks"]["data_group_hashes"] == "passed"
    assert await assurance(db_session, card_holder.account) == "basic"
    [record] = await records(db_session, card_holder.account)
    assert record.document_last_digits == someone.citizen_id[-4:]


async def test_an_mrz_naming_another_person_fails_even_when_dg13_matches(
    client: AsyncTestClient, card_holder: CardHolder, pki: Pki
) -> None:
    person = card_holder.person
    mrz = chip_pki.td1_mrz(
        citizen_id=person.citizen_id,
        birth=person.date_of_birth + timedelta(days=1),
        sex=person.sex,
        expiry=date(2040, 1, 1),
        full_name=person.full_name,
    )
    files = {1: chip_pki.dg1(mrz), 13: card_holder.chip.files[13]}
    chip = chip_pki.Chip(files=files, sod=chip_pki.sod(pki.signer, files))
    body = failed(await client.post(VERIFY, headers=card_holder.headers, json=chip.body()), "identity_mrz")
    assert "date of birth" in body["detail"]


async def test_an_expired_citizen_id_card_fails_even_when_everything_else_is_genuine(
    client: AsyncTestClient, db_session: AsyncSession, card_holder: CardHolder, pki: Pki
) -> None:
    expired = dataclasses.replace(holder_of(card_holder.person), expiry=date(2025, 3, 1))
    chip = chip_pki.make_chip(pki.signer, expired)
    body = failed(await verify_with_aa(client, card_holder, chip), "document_expiry")
    assert "01/03/2025" in body["detail"]
    assert body["checks"]["identity_mrz"] == "passed"
    assert body["checks"]["active_authentication"] == "not_run"
    assert await assurance(db_session, card_holder.account) == "basic"


# ---- active authentication ------------------------------------------------------------------------------------------


async def test_a_wrong_active_authentication_signature_fails(
    client: AsyncTestClient, db_session: AsyncSession, card_holder: CardHolder
) -> None:
    challenge_id, nonce = await challenge(client, card_holder.headers)
    # The chip signed some other nonce: a recorded answer, or a copy of the files with another key.
    body_json = card_holder.chip.body(nonce=bytes(8), challenge_id=challenge_id)
    body = failed(await client.post(VERIFY, headers=card_holder.headers, json=body_json), "active_authentication")
    assert body["checks"]["identity_mrz"] == "passed"
    assert await assurance(db_session, card_holder.account) == "basic"
    # A clone: genuine files, but the AA key is not the one in DG15.
    clone = chip_pki.Chip(files=card_holder.chip.files, sod=card_holder.chip.sod, aa_key=chip_pki.ec_key())
    challenge_id, nonce = await challenge(client, card_holder.headers)
    response = await client.post(
        VERIFY, headers=card_holder.headers, json=clone.body(nonce=nonce, challenge_id=challenge_id)
    )
    failed(response, "active_authentication")


async def test_a_challenge_answers_once(
    client: AsyncTestClient, db_session: AsyncSession, card_holder: CardHolder
) -> None:
    challenge_id, nonce = await challenge(client, card_holder.headers)
    body = card_holder.chip.body(nonce=nonce, challenge_id=challenge_id)
    assert (await client.post(VERIFY, headers=card_holder.headers, json=body)).status_code == 200
    replay = failed(await client.post(VERIFY, headers=card_holder.headers, json=body), "active_authentication")
    assert "already used" in replay["detail"]
    assert [r.outcome for r in await records(db_session, card_holder.account)] == ["passed", "failed"]


async def test_a_challenge_expires_after_five_minutes(client: AsyncTestClient, card_holder: CardHolder) -> None:
    challenge_id, nonce = await challenge(client, card_holder.headers)
    store = client.app.state.store
    key = CHALLENGE_KEY.format(challenge_id)
    assert CHALLENGE_TTL_SECONDS - 5 <= await store.ttl(key) <= CHALLENGE_TTL_SECONDS == 300
    await store.set(key, await store.get(key) or b"", 1)  # let it run out for real, shortened to a second
    await asyncio.sleep(1.2)
    response = await client.post(
        VERIFY, headers=card_holder.headers, json=card_holder.chip.body(nonce=nonce, challenge_id=challenge_id)
    )
    failed(response, "active_authentication")


async def test_another_citizens_challenge_is_refused(
    client: AsyncTestClient, settings: Settings, db_session: AsyncSession, card_holder: CardHolder
) -> None:
    other, _ = await make_citizen(db_session)
    challenge_id, nonce = await challenge(client, citizen_headers(settings, other))
    response = await client.post(
        VERIFY, headers=card_holder.headers, json=card_holder.chip.body(nonce=nonce, challenge_id=challenge_id)
    )
    failed(response, "active_authentication")


async def test_a_chip_that_has_an_aa_key_must_use_it(client: AsyncTestClient, card_holder: CardHolder) -> None:
    # The SOD lists DG15: leaving DG15 and the signature out must not turn a copy into a pass.
    body = card_holder.chip.body()
    del body["dg15"]
    failed(await client.post(VERIFY, headers=card_holder.headers, json=body), "active_authentication")
    failed(
        await client.post(VERIFY, headers=card_holder.headers, json=card_holder.chip.body()), "active_authentication"
    )


# ---- bad input ------------------------------------------------------------------------------------------------------

MALFORMED = [
    b"",
    b"\x30\x03\x02\x01\x01",  # the wrong outer tag
    b"\x77\x82\x10\x00\x30",  # a length longer than the file
    b"\x61\x03\x5f\x1f",  # truncated inside
    b"\x6d\x04\x30\x02\x02\x05",  # an inner element that overruns
]


@pytest.mark.parametrize("file", ["sod", "dg1", "dg13", "dg15", "dg14"])
@pytest.mark.parametrize("content", MALFORMED)
async def test_malformed_files_are_422_naming_the_file(
    client: AsyncTestClient, card_holder: CardHolder, file: str, content: bytes
) -> None:
    body = card_holder.chip.body()
    body[file] = base64.b64encode(content).decode()
    response = await client.post(VERIFY, headers=card_holder.headers, json=body)
    problem = assert_problem(response, 422, "chip-file-malformed")
    assert problem["file"] == file
    assert file.upper() in problem["detail"]


@pytest.mark.parametrize(
    ("file", "content"),
    [
        ("sod", b"\x77\x05\x30\x03\x02\x01\x01"),  # a sequence, but no ContentInfo
        ("sod", b"\x77" + bytes([20]) + b"\x30\x12\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01\xa0\x05\x04\x03abc"),
        ("dg1", b"\x61\x06\x5f\x1f\x03ABC"),  # too short for TD1
        ("dg1", b"\x61\x5d\x5f\x1f\x5a" + "é".encode().ljust(90, b"<")),
        ("dg13", b"\x6d\x02\x30\x00"),  # no fields
        ("dg13", b"\x6d\x08\x30\x06\x02\x01\x02\x0c\x01\xff"),  # not UTF-8
        ("dg15", b"\x6f\x05\x30\x03\x02\x01\x01"),  # not a SubjectPublicKeyInfo
        ("dg14", b"\x6e\x05\x30\x03\x02\x01\x01"),  # not a SET OF SecurityInfo
    ],
)
async def test_structurally_wrong_files_are_422_too(
    client: AsyncTestClient, card_holder: CardHolder, file: str, content: bytes
) -> None:
    body = card_holder.chip.body()
    body[file] = base64.b64encode(content).decode()
    problem = assert_problem(
        await client.post(VERIFY, headers=card_holder.headers, json=body), 422, "chip-file-malformed"
    )
    assert problem["file"] == file


async def test_bad_requests_are_400(client: AsyncTestClient, card_holder: CardHolder) -> None:
    good = card_holder.chip.body()
    for body in (
        {},
        {**good, "sod": "not base64!"},
        {**good, "dg1": 12},
        {**good, "aa_signature": "AAAA"},  # without a challenge id
        {**{k: v for k, v in good.items() if k != "dg15"}, "aa_signature": "AAAA", "challenge_id": "x" * 20},
        {**good, "dg13": "A" * 70_000},
    ):
        response = await client.post(VERIFY, headers=card_holder.headers, json=body)
        assert_problem(response, 400, "invalid-request")


async def test_who_may_call(
    client: AsyncTestClient, settings: Settings, db_session: AsyncSession, card_holder: CardHolder
) -> None:
    body = card_holder.chip.body()
    for path in (CHALLENGE, VERIFY):
        assert_problem(await client.post(path, json=body), 401, "unauthenticated")
    staff = citizen_headers(settings, await make_staff(db_session))
    client_row, facility = await make_clinic_client(db_session)
    clinic = clinic_bearer_for(settings, client_row, facility)
    for headers in (staff, clinic):
        for path in (CHALLENGE, VERIFY):
            assert_problem(await client.post(path, headers=headers, json=body), 403, "forbidden")
        assert_problem(await client.get("/api/v1/me/chip-id/verifications", headers=headers), 403, "forbidden")


async def test_each_citizen_sees_only_their_own_verifications(
    client: AsyncTestClient, settings: Settings, db_session: AsyncSession, card_holder: CardHolder
) -> None:
    assert (await verify_with_aa(client, card_holder)).status_code == 200
    other, _ = await make_citizen(db_session)
    listed = await client.get("/api/v1/me/chip-id/verifications", headers=citizen_headers(settings, other))
    assert listed.status_code == 200
    assert listed.json() == {"items": [], "total": 0, "limit": 20, "offset": 0}


async def test_without_a_trust_store_verification_is_unavailable(settings: Settings, card_holder: CardHolder) -> None:
    app = create_app(settings.model_copy(update={"csca_path": None}))
    async with AsyncTestClient(app=app) as unconfigured:
        response = await unconfigured.post(VERIFY, headers=card_holder.headers, json=card_holder.chip.body())
    assert_problem(response, 503, "chip-id-unavailable")


async def test_verification_is_rate_limited_per_account(
    client: AsyncTestClient, card_holder: CardHolder, pki: Pki
) -> None:
    chip = chip_pki.make_chip(pki.rogue_signer, holder_of(card_holder.person), aa=None)
    statuses = [
        (await client.post(VERIFY, headers=card_holder.headers, json=chip.body())).status_code for _ in range(11)
    ]
    assert statuses == [422] * 10 + [429]


async def test_my_data_export_lists_chip_verifications_but_nothing_read_from_the_chip(
    client: AsyncTestClient, card_holder: CardHolder
) -> None:
    assert (await verify_with_aa(client, card_holder)).status_code == 200
    export = await client.get("/api/v1/me/export", headers=card_holder.headers)
    assert export.status_code == 200
    [record] = export.json()["account"]["chip_id_verifications"]
    assert (record["purpose"], record["outcome"], record["document_last_digits"]) == (
        "verify",
        "passed",
        card_holder.person.citizen_id[-4:],
    )
    text = export.text
    assert base64.b64encode(card_holder.chip.sod).decode()[:40] not in text
    assert "fingerprint" not in text  # certificate fingerprints are operators' data, not the citizen's
