"""Password + OTP sign-in: what a citizen relies on, and what an attacker must not learn."""

import pytest
from litestar.testing import AsyncTestClient

from ansinh.core.tokens import verify_access_token
from tests.conftest import TEST_SECRET
from tests.identity.conftest import Citizen, bearer, latest_code, sign_in

LOGIN = "/api/v1/auth/login"
OTP = "/api/v1/auth/otp"


async def test_sign_in_with_si_code_password_and_otp(client: AsyncTestClient, citizen: Citizen) -> None:
    login = await client.post(LOGIN, json={"username": citizen.person.si_code, "password": citizen.password})
    assert login.status_code == 200
    body = login.json()
    assert body["otp_required"] is True
    assert body["sent_to"].startswith(citizen.person.phone[:3])
    assert "****" in body["sent_to"]
    code = await latest_code(client, citizen.person.phone)
    tokens = await client.post(OTP, json={"challenge_id": body["challenge_id"], "code": code})
    assert tokens.status_code == 200
    pair = tokens.json()
    assert pair["token_type"] == "Bearer"
    assert 0 < pair["expires_in"] <= 15 * 60
    assert tokens.headers["cache-control"] == "no-store"
    principal = verify_access_token(pair["access_token"], secret_key=TEST_SECRET, issuer="http://localhost:8000")
    assert principal.role == "citizen"
    assert principal.amr == ("pwd+otp",)
    assert principal.account_id == citizen.account.id
    assert principal.session_id
    assert principal.auth_time is not None


async def test_sign_in_with_the_12_digit_citizen_id(client: AsyncTestClient, citizen: Citizen) -> None:
    tokens = await sign_in(client, citizen.person.citizen_id, citizen.password, citizen.person.phone)
    me = await client.get("/api/v1/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["si_code"] == citizen.person.si_code


async def test_wrong_password_and_unknown_user_answer_alike(client: AsyncTestClient, citizen: Citizen) -> None:
    wrong = await client.post(LOGIN, json={"username": citizen.person.si_code, "password": "not-the-password"})
    unknown = await client.post(LOGIN, json={"username": "0999999999", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.json()["type"] == unknown.json()["type"]


async def test_otp_is_single_use(client: AsyncTestClient, citizen: Citizen) -> None:
    login = await client.post(LOGIN, json={"username": citizen.person.si_code, "password": citizen.password})
    code = await latest_code(client, citizen.person.phone)
    challenge = {"challenge_id": login.json()["challenge_id"], "code": code}
    assert (await client.post(OTP, json=challenge)).status_code == 200
    replay = await client.post(OTP, json=challenge)
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("/invalid-code")


async def test_otp_allows_at_most_five_tries(client: AsyncTestClient, citizen: Citizen) -> None:
    login = await client.post(LOGIN, json={"username": citizen.person.si_code, "password": citizen.password})
    challenge_id = login.json()["challenge_id"]
    code = await latest_code(client, citizen.person.phone)
    wrong = "000000" if code != "000000" else "111111"
    statuses = [
        (await client.post(OTP, json={"challenge_id": challenge_id, "code": wrong})).status_code for _ in range(5)
    ]
    assert statuses == [401] * 5
    # The sixth try is refused even with the right code: the challenge is burnt.
    sixth = await client.post(OTP, json={"challenge_id": challenge_id, "code": code})
    assert sixth.status_code == 429


@pytest.mark.parametrize(
    "body",
    [{"challenge_id": "abcdefgh", "code": "12345"}, {"challenge_id": "abcdefgh", "code": "abcdef"}, {"code": "123456"}],
)
async def test_malformed_otp_requests_are_400_problems(client: AsyncTestClient, body: dict[str, str]) -> None:
    response = await client.post(OTP, json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_five_wrong_passwords_lock_password_sign_in(client: AsyncTestClient, citizen: Citizen) -> None:
    for _ in range(5):
        response = await client.post(LOGIN, json={"username": citizen.person.si_code, "password": "wrong-password"})
        assert response.status_code == 401
    locked = await client.post(LOGIN, json={"username": citizen.person.si_code, "password": citizen.password})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 60
    assert locked.json()["type"].endswith("/account-locked")


async def test_lockout_of_an_unknown_name_looks_the_same(client: AsyncTestClient) -> None:
    for _ in range(5):
        await client.post(LOGIN, json={"username": "0988888888", "password": "wrong-password"})
    locked = await client.post(LOGIN, json={"username": "0988888888", "password": "wrong-password"})
    assert locked.status_code == 429
    assert locked.json()["type"].endswith("/account-locked")


async def test_pending_account_cannot_sign_in(client: AsyncTestClient, db_session) -> None:
    from tests.factories import make_citizen

    _, person = await make_citizen(db_session, status="pending")
    response = await client.post(LOGIN, json={"username": person.si_code, "password": "Correct-Horse-42"})
    assert response.status_code == 401


async def test_failed_sign_ins_are_in_the_security_log(client: AsyncTestClient, citizen: Citizen) -> None:
    await client.post(LOGIN, json={"username": citizen.person.si_code, "password": "wrong-password"})
    tokens = await sign_in(client, citizen.person.si_code, citizen.password, citizen.person.phone)
    events = await client.get("/api/v1/me/security-events", headers=bearer(tokens))
    assert events.status_code == 200
    page = events.json()
    kinds = [event["kind"] for event in page["items"]]
    assert {"sign_in_failed", "otp_sent", "sign_in"} <= set(kinds)
    assert page["total"] == len(kinds)
    assert page["limit"] == 20
    assert page["offset"] == 0


async def test_lockout_holds_in_the_shared_store(shared_state_settings, citizen: Citizen) -> None:
    """With Redis configured, the lock lives in Redis, so every worker sees it."""
    from litestar.testing import AsyncTestClient as Client

    from ansinh.app import create_app

    async with Client(app=create_app(shared_state_settings)) as client:
        for _ in range(5):
            await client.post(LOGIN, json={"username": citizen.person.si_code, "password": "wrong-password"})
    # A second app instance (another worker) sharing the store sees the lock.
    async with Client(app=create_app(shared_state_settings)) as other_worker:
        locked = await other_worker.post(LOGIN, json={"username": citizen.person.si_code, "password": citizen.password})
    if shared_state_settings.redis_url:
        assert locked.status_code == 429
    else:  # memory is per process: documented as single-worker only
        assert locked.status_code == 200


@pytest.mark.parametrize("per_account", [2, 4])
async def test_sign_in_limit_per_account_follows_the_setting(settings, citizen: Citizen, per_account: int) -> None:
    """ANSINH_SIGN_IN_LIMIT_PER_ACCOUNT: that many password sign-ins a minute, then 429 with Retry-After."""
    from ansinh.app import create_app

    tuned = settings.model_copy(update={"sign_in_limit_per_account": per_account, "sign_in_limit_per_ip": 100})
    async with AsyncTestClient(app=create_app(tuned)) as client:
        answers = [
            (await client.post(LOGIN, json={"username": citizen.person.si_code, "password": citizen.password}))
            for _ in range(per_account + 1)
        ]
    assert [a.status_code for a in answers] == [200] * per_account + [429]
    assert int(answers[-1].headers["retry-after"]) >= 1


async def test_sign_in_limit_per_ip_follows_the_setting(settings, citizen: Citizen) -> None:
    """ANSINH_SIGN_IN_LIMIT_PER_IP counts attempts from one address whatever the name typed."""
    from ansinh.app import create_app

    tuned = settings.model_copy(update={"sign_in_limit_per_ip": 3})
    async with AsyncTestClient(app=create_app(tuned)) as client:
        answers = [
            (
                await client.post(LOGIN, json={"username": f"09000000{n:02d}", "password": "whatever-password"})
            ).status_code
            for n in range(4)
        ]
        passkey_starts = [
            (await client.post("/api/v1/auth/passkeys/authentication/options")).status_code for _ in range(7)
        ]
    assert answers == [401, 401, 401, 429]
    assert passkey_starts == [200] * 6 + [429]  # a passkey start counts double the budget (autofill retries)
