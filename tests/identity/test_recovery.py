"""Activation, forgotten password, password change and contact change: codes only ever go to the contact on record."""

from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import make_citizen
from tests.identity.conftest import Citizen, bearer, latest_code, sign_in

NEW_PASSWORD = "Lotus-River-2026!"


async def _outbox(client: AsyncTestClient) -> list[dict[str, str]]:
    return (await client.get("/api/v1/dev/outbox")).json()


async def test_activation_sends_a_code_to_the_phone_on_record_and_sets_the_password(
    client: AsyncTestClient, db_session: AsyncSession
) -> None:
    _, person = await make_citizen(db_session, password=None, status="pending")
    start = await client.post(
        "/api/v1/auth/activate",
        json={
            "si_code": person.si_code,
            "citizen_id": person.citizen_id,
            "date_of_birth": person.date_of_birth.isoformat(),
        },
    )
    assert start.status_code == 202
    code = await latest_code(client, person.phone)
    confirm = await client.post(
        "/api/v1/auth/activate/confirm",
        json={
            "challenge_id": start.json()["challenge_id"],
            "code": code,
            "password": NEW_PASSWORD,
        },
    )
    assert confirm.status_code == 200
    tokens = await sign_in(client, person.si_code, NEW_PASSWORD, person.phone)
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).json()["full_name"] == person.full_name


async def test_activation_with_wrong_facts_answers_alike_and_sends_nothing(
    client: AsyncTestClient, db_session: AsyncSession
) -> None:
    _, person = await make_citizen(db_session, password=None, status="pending")
    right = await client.post(
        "/api/v1/auth/activate",
        json={
            "si_code": person.si_code,
            "citizen_id": person.citizen_id,
            "date_of_birth": "1990-05-17",
        },
    )
    sent_before = len(await _outbox(client))
    wrong = await client.post(
        "/api/v1/auth/activate",
        json={
            "si_code": person.si_code,
            "citizen_id": person.citizen_id,
            "date_of_birth": "1991-01-01",
        },
    )
    assert right.status_code == wrong.status_code == 202
    assert right.json().keys() == wrong.json().keys()
    assert right.json()["message"] == wrong.json()["message"]
    assert len(await _outbox(client)) == sent_before


async def test_activation_never_accepts_a_contact_from_the_request(client: AsyncTestClient) -> None:
    response = await client.post(
        "/api/v1/auth/activate",
        json={
            "si_code": "0100000099",
            "citizen_id": "001090000099",
            "date_of_birth": "1990-01-01",
            "phone": "0999999999",
        },
    )
    assert response.status_code == 202
    assert all(m["destination"] != "0999999999" for m in await _outbox(client))


async def test_activation_rejects_a_common_password(client: AsyncTestClient, db_session: AsyncSession) -> None:
    _, person = await make_citizen(db_session, password=None, status="pending")
    start = await client.post(
        "/api/v1/auth/activate",
        json={
            "si_code": person.si_code,
            "citizen_id": person.citizen_id,
            "date_of_birth": "1990-05-17",
        },
    )
    code = await latest_code(client, person.phone)
    weak = await client.post(
        "/api/v1/auth/activate/confirm",
        json={
            "challenge_id": start.json()["challenge_id"],
            "code": code,
            "password": "password123",
        },
    )
    assert weak.status_code == 400
    assert weak.json()["type"].endswith("/invalid-request")


async def test_password_reset_signs_out_every_device(client: AsyncTestClient, citizen: Citizen) -> None:
    old = await sign_in(client, citizen.person.si_code, citizen.password, citizen.person.phone)
    start = await client.post("/api/v1/auth/password/reset", json={"username": citizen.person.si_code})
    assert start.status_code == 202
    code = await latest_code(client, citizen.person.phone)
    confirm = await client.post(
        "/api/v1/auth/password/reset/confirm",
        json={
            "challenge_id": start.json()["challenge_id"],
            "code": code,
            "password": NEW_PASSWORD,
        },
    )
    assert confirm.status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(old))).status_code == 401
    login_old = await client.post(
        "/api/v1/auth/login", json={"username": citizen.person.si_code, "password": citizen.password}
    )
    assert login_old.status_code == 401
    await sign_in(client, citizen.person.si_code, NEW_PASSWORD, citizen.person.phone)


async def test_password_reset_for_unknown_user_looks_the_same(client: AsyncTestClient, citizen: Citizen) -> None:
    known = await client.post("/api/v1/auth/password/reset", json={"username": citizen.person.si_code})
    unknown = await client.post("/api/v1/auth/password/reset", json={"username": "0977777777"})
    assert known.status_code == unknown.status_code == 202
    assert known.json()["message"] == unknown.json()["message"]


async def test_password_change_needs_the_current_one_and_signs_out_others(
    client: AsyncTestClient, citizen: Citizen
) -> None:
    other_device = await sign_in(client, citizen.person.si_code, citizen.password, citizen.person.phone)
    this_device = await sign_in(client, citizen.person.si_code, citizen.password, citizen.person.phone)
    wrong = await client.post(
        "/api/v1/auth/password",
        headers=bearer(this_device),
        json={"current_password": "nope-nope", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    ok = await client.post(
        "/api/v1/auth/password",
        headers=bearer(this_device),
        json={"current_password": citizen.password, "new_password": NEW_PASSWORD},
    )
    assert ok.status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(this_device))).status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(other_device))).status_code == 401


async def chip_verified(db: AsyncSession, citizen: Citizen) -> None:
    """Bind the citizen's account to their chip ID card, which contact changes require (or a fresh passkey)."""
    citizen.account.assurance_level = "chip_verified"
    db.add(citizen.account)
    await db.commit()


async def test_contact_change_is_confirmed_by_the_new_contact_and_told_to_the_old(
    client: AsyncTestClient, citizen: Citizen, db_session: AsyncSession
) -> None:
    await chip_verified(db_session, citizen)
    tokens = await sign_in(client, citizen.person.si_code, citizen.password, citizen.person.phone)
    start = await client.patch("/api/v1/me/contact", headers=bearer(tokens), json={"phone": "0987654321"})
    assert start.status_code == 202
    code = await latest_code(client, "0987654321")
    confirm = await client.post(
        "/api/v1/me/contact/confirm",
        headers=bearer(tokens),
        json={"challenge_id": start.json()["challenge_id"], "code": code},
    )
    assert confirm.status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).json()["phone"] == "0987654321"
    old_messages = (await client.get("/api/v1/dev/outbox", params={"to": citizen.person.phone})).json()
    assert "0987654321"[:3] in old_messages[0]["text"]


async def test_contact_change_needs_exactly_one_valid_contact(
    client: AsyncTestClient, citizen: Citizen, db_session: AsyncSession
) -> None:
    await chip_verified(db_session, citizen)
    tokens = await sign_in(client, citizen.person.si_code, citizen.password, citizen.person.phone)
    for body in ({}, {"phone": "0987654321", "email": "a@example.vn"}, {"email": "not-an-email"}, {"phone": "12"}):
        response = await client.patch("/api/v1/me/contact", headers=bearer(tokens), json=body)
        assert response.status_code == 400, body
