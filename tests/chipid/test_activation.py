"""POST /auth/activate/chip-id{,/challenge}: activating an account with the chip ID card instead of an OTP."""

import base64

from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.chipid.models import ChipVerification
from ansinh.core.settings import Settings
from ansinh.core.tokens import verify_access_token
from ansinh.identity.models import Account, AuthSession, SecurityEvent
from tests.chipid.conftest import ACTIVATE, ACTIVATE_CHALLENGE, Pki, holder_of
from tests.factories import make_citizen, make_person
from tests.support import chip_pki
from tests.support.problems import assert_problem

PASSWORD = "Lotus-River-2026!"


async def activation_challenge(client: AsyncTestClient, si_code: str) -> tuple[str, bytes]:
    response = await client.post(ACTIVATE_CHALLENGE, json={"si_code": si_code})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expires_in"] == 300
    return body["challenge_id"], base64.b64decode(body["nonce"])


async def activate(client: AsyncTestClient, chip: chip_pki.Chip, si_code: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    challenge_id, nonce = await activation_challenge(client, si_code)
    body = chip.body(nonce=nonce, challenge_id=challenge_id, si_code=si_code, password=password)
    return await client.post(ACTIVATE, json=body)


async def test_a_pending_person_activates_with_their_card_and_is_signed_in(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, pki: Pki
) -> None:
    # No phone or e-mail on record: the OTP route could never reach them, the chip can.
    account, person = await make_citizen(db_session, password=None, status="pending", phone=None, email=None)
    chip = chip_pki.make_chip(pki.signer, holder_of(person))
    response = await activate(client, chip, person.si_code)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "activated"
    assert body["assurance_level"] == "chip_verified"
    assert all(c["outcome"] == "passed" for c in body["checks"])
    principal = verify_access_token(body["access_token"], secret_key=settings.secret_key, issuer=settings.public_url)
    assert principal.amr == ("chip",)
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["si_code"] == person.si_code
    assert me.json()["assurance_level"] == "chip_verified"

    await db_session.refresh(account)
    assert account.status == "active"
    assert account.password_hash
    kinds = [
        e.kind
        for e in (await db_session.exec(select(SecurityEvent).where(SecurityEvent.account_id == account.id))).all()
    ]
    assert {"account_activated", "chip_verified", "sign_in"} <= set(kinds)
    [record] = (await db_session.exec(select(ChipVerification).where(ChipVerification.account_id == account.id))).all()
    assert record.purpose == "activate"
    assert record.outcome == "passed"
    # The chosen password works for the next sign-in's first step.
    login = await client.post("/api/v1/auth/login", json={"username": person.si_code, "password": PASSWORD})
    assert login.status_code == 400  # no contact on record for the OTP: the passkey or chip are their ways in
    assert (await db_session.exec(select(AuthSession).where(AuthSession.account_id == account.id))).first()


async def test_a_registry_person_without_an_account_row_gets_one(
    client: AsyncTestClient, db_session: AsyncSession, pki: Pki
) -> None:
    person = await make_person(db_session)
    response = await activate(client, chip_pki.make_chip(pki.signer, holder_of(person), aa="rsa"), person.si_code)
    assert response.status_code == 200, response.text
    account = (await db_session.exec(select(Account).where(Account.person_id == person.id))).one()
    assert account.assurance_level == "chip_verified"
    assert account.username == person.si_code


async def test_a_wrong_si_code_is_refused_alike_whether_or_not_it_exists(
    client: AsyncTestClient, db_session: AsyncSession, pki: Pki
) -> None:
    account, person = await make_citizen(db_session, password=None, status="pending")
    _, someone = await make_citizen(db_session, password=None, status="pending", full_name="Lê Văn Tám", sex="M")
    chip = chip_pki.make_chip(pki.signer, holder_of(person))
    details = set()
    for si_code in (someone.si_code, "7999999999"):
        response = await activate(client, chip, si_code)
        body = assert_problem(response, 422, "chip-id-check-failed")
        assert body["failed_check"] == "identity_dg13"
        details.add(body["detail"])
    assert details == {"This card does not belong to the person with this SI code."}
    await db_session.refresh(account)
    assert account.status == "pending"
    # A card naming someone else leaves no trace on the account of the SI code tried.
    other_account = (await db_session.exec(select(Account).where(Account.person_id == someone.id))).one()
    assert other_account.status == "pending"
    records = (await db_session.exec(select(ChipVerification))).all()
    assert records == []


async def test_an_active_account_is_not_activated_again(
    client: AsyncTestClient, db_session: AsyncSession, pki: Pki
) -> None:
    account, person = await make_citizen(db_session)
    old_hash = account.password_hash
    response = await activate(client, chip_pki.make_chip(pki.signer, holder_of(person)), person.si_code)
    assert_problem(response, 409, "account-already-active")
    await db_session.refresh(account)
    assert account.password_hash == old_hash
    assert account.assurance_level == "basic"


async def test_a_weak_password_is_refused_and_the_answer_can_be_sent_again(
    client: AsyncTestClient, db_session: AsyncSession, pki: Pki
) -> None:
    account, person = await make_citizen(db_session, password=None, status="pending")
    chip = chip_pki.make_chip(pki.signer, holder_of(person))
    challenge_id, nonce = await activation_challenge(client, person.si_code)
    body = chip.body(nonce=nonce, challenge_id=challenge_id, si_code=person.si_code)
    for weak in ("password123", f"x{person.citizen_id}x", "short"):
        response = await client.post(ACTIVATE, json={**body, "password": weak})
        assert_problem(response, 400, "invalid-request")
    await db_session.refresh(account)
    assert account.status == "pending"
    assert (await client.post(ACTIVATE, json={**body, "password": PASSWORD})).status_code == 200


async def test_a_challenge_is_bound_to_its_si_code_and_answers_once(
    client: AsyncTestClient, db_session: AsyncSession, pki: Pki
) -> None:
    _, person = await make_citizen(db_session, password=None, status="pending")
    chip = chip_pki.make_chip(pki.signer, holder_of(person))
    challenge_id, nonce = await activation_challenge(client, "7999999999")
    body = chip.body(nonce=nonce, challenge_id=challenge_id, si_code=person.si_code, password=PASSWORD)
    problem = assert_problem(await client.post(ACTIVATE, json=body), 422, "chip-id-check-failed")
    assert problem["failed_check"] == "active_authentication"
    challenge_id, nonce = await activation_challenge(client, person.si_code)
    body = chip.body(nonce=nonce, challenge_id=challenge_id, si_code=person.si_code, password=PASSWORD)
    assert (await client.post(ACTIVATE, json=body)).status_code == 200
    replay = await client.post(ACTIVATE, json=body)
    assert replay.status_code in (409, 422)  # already active now, and the challenge is spent either way


async def test_a_forged_card_does_not_activate(client: AsyncTestClient, db_session: AsyncSession, pki: Pki) -> None:
    account, person = await make_citizen(db_session, password=None, status="pending")
    chip = chip_pki.make_chip(pki.rogue_signer, holder_of(person))
    problem = assert_problem(await activate(client, chip, person.si_code), 422, "chip-id-check-failed")
    assert problem["failed_check"] == "document_signer_chain"
    await db_session.refresh(account)
    assert account.status == "pending"


async def test_bad_activation_requests_are_400(client: AsyncTestClient, db_session: AsyncSession, pki: Pki) -> None:
    _, person = await make_citizen(db_session, password=None, status="pending")
    good = chip_pki.make_chip(pki.signer, holder_of(person)).body(si_code=person.si_code, password=PASSWORD)
    for body in ({**good, "si_code": "12"}, {k: v for k, v in good.items() if k != "password"}, {**good, "dg1": "!!"}):
        assert_problem(await client.post(ACTIVATE, json=body), 400, "invalid-request")
    assert_problem(await client.post(ACTIVATE_CHALLENGE, json={"si_code": "abc"}), 400, "invalid-request")
