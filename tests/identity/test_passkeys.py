"""Passkeys through the API, driven by a software authenticator: enrolment, sign-in, management, refusals."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.context import RequestContext
from ansinh.core.errors import InvalidInput, NotFound
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.time import utcnow
from ansinh.core.tokens import issue_access_token, verify_access_token
from ansinh.identity import passkeys
from ansinh.identity.models import (
    Account,
    AccountStatus,
    AuthSession,
    Passkey,
    RefreshToken,
    SecurityEvent,
    SignInMethod,
)
from ansinh.identity.passkeys import CEREMONY_KEY, CEREMONY_TTL_SECONDS
from ansinh.identity.sessions import SignedInAccount, start_passkey_session, start_session
from ansinh.notifications.models import Notification
from tests.factories import make_citizen, make_staff
from tests.identity.conftest import Citizen
from tests.support.webauthn_soft import AuthenticatorError, SoftAuthenticator, b64url

REG_OPTIONS = "/api/v1/auth/passkeys/registration/options"
REGISTER = "/api/v1/auth/passkeys/registration"
AUTH_OPTIONS = "/api/v1/auth/passkeys/authentication/options"
AUTHENTICATE = "/api/v1/auth/passkeys/authentication"
MINE = "/api/v1/me/passkeys"
ORIGIN = "http://localhost:8000"  # the test settings' public URL
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
PUBLIC_FIELDS = {"id", "name", "created_at", "last_used_at", "transports", "backed_up", "aaguid"}


async def session_headers(db: AsyncSession, settings: Settings, account: Account) -> dict[str, str]:
    """A bearer header for a freshly opened password+OTP session of ``account``."""
    pair = await start_session(
        db,
        settings=settings,
        account=account,
        amr=SignInMethod.PASSWORD_OTP,
        context=RequestContext(ip="127.0.0.1", user_agent="pytest"),
    )
    return {"Authorization": f"Bearer {pair.access_token}"}


async def enrol(
    client: AsyncTestClient[Litestar],
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    name: str | None = None,
) -> dict[str, Any]:
    """Run a whole registration ceremony; returns the new passkey's public view."""
    options = await client.post(REG_OPTIONS, headers=headers)
    assert options.status_code == 200, options.text
    body = options.json()
    credential = authenticator.create(body["publicKey"])
    registered = await client.post(
        REGISTER, headers=headers, json={"ceremony_id": body["ceremony_id"], "credential": credential, "name": name}
    )
    assert registered.status_code == 201, registered.text
    return registered.json()


async def sign_in_options(client: AsyncTestClient[Litestar]) -> dict[str, Any]:
    response = await client.post(AUTH_OPTIONS)
    assert response.status_code == 200, response.text
    return response.json()


async def passkey_sign_in(
    client: AsyncTestClient[Litestar], authenticator: SoftAuthenticator, **get_kwargs: Any
) -> Any:
    """Run a whole sign-in ceremony; returns the HTTP response of the final step."""
    body = await sign_in_options(client)
    assertion = authenticator.get(body["publicKey"], **get_kwargs)
    return await client.post(AUTHENTICATE, json={"ceremony_id": body["ceremony_id"], "credential": assertion})


async def events(db: AsyncSession, account_id: int) -> list[SecurityEvent]:
    query = select(SecurityEvent).where(SecurityEvent.account_id == account_id).order_by(SecurityEvent.id)
    return list((await db.exec(query)).all())


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(origin=ORIGIN)


@pytest.fixture
async def headers(db_session: AsyncSession, settings: Settings, citizen: Citizen) -> dict[str, str]:
    return await session_headers(db_session, settings, citizen.account)


def store_of(client: AsyncTestClient[Litestar]) -> SharedStore:
    return client.app.state.store


# ---- the happy path ------------------------------------------------------------------------------


async def test_enrol_then_sign_in_without_a_username(
    client: AsyncTestClient[Litestar],
    settings: Settings,
    citizen: Citizen,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    db_session: AsyncSession,
) -> None:
    options = await client.post(REG_OPTIONS, headers=headers)
    assert options.status_code == 200
    assert options.headers["cache-control"] == "no-store"
    body = options.json()
    assert set(body) == {"ceremony_id", "publicKey"}
    public_key = body["publicKey"]
    assert public_key["rp"] == {"id": "localhost", "name": "AnSinh"}
    assert public_key["user"]["name"] == citizen.person.si_code
    assert public_key["user"]["displayName"] == citizen.person.full_name
    assert public_key["authenticatorSelection"]["residentKey"] == "required"
    assert public_key["authenticatorSelection"]["requireResidentKey"] is True
    assert public_key["authenticatorSelection"]["userVerification"] == "required"
    assert public_key["excludeCredentials"] == []
    assert {"type": "public-key", "alg": -7} in public_key["pubKeyCredParams"]

    credential = authenticator.create(public_key)
    registered = await client.post(
        REGISTER,
        headers=headers,
        json={"ceremony_id": body["ceremony_id"], "credential": credential, "name": "Điện thoại"},
    )
    assert registered.status_code == 201, registered.text
    passkey = registered.json()
    assert set(passkey) == PUBLIC_FIELDS  # never the public key or credential id
    assert passkey["name"] == "Điện thoại"
    assert passkey["transports"] == ["internal"]
    assert passkey["backed_up"] is False
    assert passkey["aaguid"] == "a75b0f7e-5e2c-4f0d-9d6b-5a7e50f7a11d"
    assert passkey["last_used_at"] is None

    auth = await sign_in_options(client)
    assert "allowCredentials" not in auth["publicKey"] or auth["publicKey"]["allowCredentials"] == []
    assert auth["publicKey"]["userVerification"] == "required"
    assert auth["publicKey"]["rpId"] == "localhost"
    assertion = authenticator.get(auth["publicKey"])
    signed_in = await client.post(AUTHENTICATE, json={"ceremony_id": auth["ceremony_id"], "credential": assertion})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.headers["cache-control"] == "no-store"
    tokens = signed_in.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer"
    principal = verify_access_token(tokens["access_token"], secret_key=settings.secret_key, issuer=settings.public_url)
    assert principal.account_id == citizen.account.id
    assert principal.amr == ("passkey",)

    mine = await client.get(MINE, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert mine.status_code == 200
    [listed] = mine.json()
    assert listed["id"] == passkey["id"]
    assert listed["last_used_at"] is not None
    assert listed["last_used_at"].endswith(("+00:00", "Z"))  # UTC

    stored = (await db_session.exec(select(Passkey).where(Passkey.id == passkey["id"]))).one()
    assert stored.sign_count == 1
    kinds = [e.kind for e in await events(db_session, citizen.account.id)]  # type: ignore[arg-type]
    assert "passkey_added" in kinds
    assert kinds.count("sign_in") == 2  # the test's own session, then the passkey's


async def test_the_refresh_token_of_a_passkey_session_works(
    client: AsyncTestClient[Litestar], headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    await enrol(client, headers, authenticator)
    tokens = (await passkey_sign_in(client, authenticator)).json()
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text


async def test_user_handle_is_random_32_bytes_saved_once(
    client: AsyncTestClient[Litestar], citizen: Citizen, headers: dict[str, str], db_session: AsyncSession
) -> None:
    first = (await client.post(REG_OPTIONS, headers=headers)).json()["publicKey"]
    second = (await client.post(REG_OPTIONS, headers=headers)).json()["publicKey"]
    assert first["user"]["id"] == second["user"]["id"]
    assert first["challenge"] != second["challenge"]
    account = citizen.account
    await db_session.refresh(account)  # the app wrote it through its own session
    assert account.webauthn_user_id is not None
    assert len(account.webauthn_user_id) == 32
    assert b64url(account.webauthn_user_id) == first["user"]["id"]
    assert citizen.person.si_code.encode() not in account.webauthn_user_id


async def test_staff_can_enrol_a_passkey_too(
    client: AsyncTestClient[Litestar], settings: Settings, db_session: AsyncSession, authenticator: SoftAuthenticator
) -> None:
    staff = await make_staff(db_session)
    staff_headers = await session_headers(db_session, settings, staff)
    options = (await client.post(REG_OPTIONS, headers=staff_headers)).json()["publicKey"]
    assert options["user"]["displayName"] == staff.display_name
    await enrol(client, staff_headers, authenticator)
    signed_in = await passkey_sign_in(client, authenticator)
    assert signed_in.status_code == 200
    principal = verify_access_token(
        signed_in.json()["access_token"], secret_key=settings.secret_key, issuer=settings.public_url
    )
    assert principal.role == "staff"


async def test_a_second_passkey_excludes_the_first_and_both_sign_in(
    client: AsyncTestClient[Litestar], headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    first = await enrol(client, headers, authenticator)
    options = (await client.post(REG_OPTIONS, headers=headers)).json()["publicKey"]
    [excluded] = options["excludeCredentials"]
    assert excluded["id"] == b64url(next(iter(authenticator.credentials)))
    assert excluded["transports"] == ["internal"]
    with pytest.raises(AuthenticatorError, match="InvalidStateError"):
        authenticator.create(options)  # the browser refuses a second passkey on the same device

    laptop = SoftAuthenticator(origin=ORIGIN, backup_eligible=True, backed_up=True, counter=False)
    second = await enrol(client, headers, laptop)
    assert second["name"] == "Passkey"  # no name given, unknown provider
    assert second["backed_up"] is True
    assert (await passkey_sign_in(client, authenticator)).status_code == 200
    # A synced passkey without a counter (always 0) signs in again and again.
    assert (await passkey_sign_in(client, laptop)).status_code == 200
    assert (await passkey_sign_in(client, laptop)).status_code == 200
    listed = (await client.get(MINE, headers=headers)).json()
    assert [p["id"] for p in listed] == [first["id"], second["id"]]


# ---- ceremonies: single use, expiry, binding ------------------------------------------------------


async def test_a_registration_ceremony_is_single_use(
    client: AsyncTestClient[Litestar], headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    body = (await client.post(REG_OPTIONS, headers=headers)).json()
    request = {"ceremony_id": body["ceremony_id"], "credential": authenticator.create(body["publicKey"])}
    assert (await client.post(REGISTER, headers=headers, json=request)).status_code == 201
    replay = await client.post(REGISTER, headers=headers, json=request)
    assert replay.status_code == 400
    assert replay.headers["content-type"].startswith("application/problem+json")
    assert replay.json()["type"].endswith("/passkey-ceremony-expired")


async def test_a_sign_in_ceremony_is_single_use_and_an_assertion_cannot_be_replayed(
    client: AsyncTestClient[Litestar], headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    await enrol(client, headers, authenticator)
    body = await sign_in_options(client)
    request = {"ceremony_id": body["ceremony_id"], "credential": authenticator.get(body["publicKey"])}
    assert (await client.post(AUTHENTICATE, json=request)).status_code == 200
    replay = await client.post(AUTHENTICATE, json=request)
    assert replay.status_code == 400
    assert replay.json()["type"].endswith("/passkey-ceremony-expired")
    # The same assertion offered to a fresh ceremony: its challenge does not match.
    fresh = await sign_in_options(client)
    replay = await client.post(AUTHENTICATE, json={**request, "ceremony_id": fresh["ceremony_id"]})
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("/passkey-sign-in-failed")


async def test_unknown_ceremonies_are_refused(
    client: AsyncTestClient[Litestar], headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    options = (await client.post(REG_OPTIONS, headers=headers)).json()["publicKey"]
    credential = authenticator.create(options)
    unknown = await client.post(REGISTER, headers=headers, json={"ceremony_id": "x" * 32, "credential": credential})
    assert unknown.status_code == 400
    assert unknown.json()["type"].endswith("/passkey-ceremony-expired")
    # A registration ceremony cannot finish a sign-in, nor the other way round.
    reg = (await client.post(REG_OPTIONS, headers=headers)).json()
    assertion = authenticator.get({"rpId": "localhost", "challenge": reg["publicKey"]["challenge"]})
    wrong_kind = await client.post(AUTHENTICATE, json={"ceremony_id": reg["ceremony_id"], "credential": assertion})
    assert wrong_kind.status_code == 400
    auth = await sign_in_options(client)
    wrong_kind = await client.post(
        REGISTER, headers=headers, json={"ceremony_id": auth["ceremony_id"], "credential": credential}
    )
    assert wrong_kind.status_code == 400


async def test_ceremonies_expire_after_five_minutes(
    client: AsyncTestClient[Litestar], headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    await enrol(client, headers, authenticator)
    store = store_of(client)
    body = await sign_in_options(client)
    key = CEREMONY_KEY.format(body["ceremony_id"])
    assert CEREMONY_TTL_SECONDS - 5 <= await store.ttl(key) <= CEREMONY_TTL_SECONDS == 300
    assert body["publicKey"]["timeout"] == 300_000
    # Let it run out for real (shortened to one second) rather than poke at the store's clock.
    await store.set(key, await store.get(key) or b"", 1)
    await asyncio.sleep(1.2)
    late = await client.post(
        AUTHENTICATE, json={"ceremony_id": body["ceremony_id"], "credential": authenticator.get(body["publicKey"])}
    )
    assert late.status_code == 400
    assert late.json()["type"].endswith("/passkey-ceremony-expired")


async def test_a_registration_ceremony_belongs_to_the_account_that_started_it(
    client: AsyncTestClient[Litestar],
    settings: Settings,
    db_session: AsyncSession,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
) -> None:
    body = (await client.post(REG_OPTIONS, headers=headers)).json()
    credential = authenticator.create(body["publicKey"])
    other, _ = await make_citizen(db_session)
    other_headers = await session_headers(db_session, settings, other)
    stolen = await client.post(
        REGISTER, headers=other_headers, json={"ceremony_id": body["ceremony_id"], "credential": credential}
    )
    assert stolen.status_code == 400
    assert (await client.get(MINE, headers=other_headers)).json() == []


# ---- refusals -------------------------------------------------------------------------------------


async def test_another_origin_is_refused(
    client: AsyncTestClient[Litestar], headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    body = (await client.post(REG_OPTIONS, headers=headers)).json()
    phished = authenticator.create(body["publicKey"], origin="https://ansinh.example.evil")
    refused = await client.post(
        REGISTER, headers=headers, json={"ceremony_id": body["ceremony_id"], "credential": phished}
    )
    assert refused.status_code == 400
    assert refused.json()["type"].endswith("/passkey-rejected")
    assert (await client.get(MINE, headers=headers)).json() == []

    await enrol(client, headers, authenticator)
    wrong_port = await passkey_sign_in(client, authenticator, origin="http://localhost:8001")
    assert wrong_port.status_code == 401
    assert wrong_port.json()["type"].endswith("/passkey-sign-in-failed")


async def test_a_sign_count_that_does_not_advance_is_refused(
    client: AsyncTestClient[Litestar],
    citizen: Citizen,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    db_session: AsyncSession,
) -> None:
    await enrol(client, headers, authenticator)
    assert (await passkey_sign_in(client, authenticator)).status_code == 200  # count 1
    assert (await passkey_sign_in(client, authenticator)).status_code == 200  # count 2
    for count in (2, 1, 0):  # a cloned authenticator replays old counter values
        cloned = await passkey_sign_in(client, authenticator, sign_count=count)
        assert cloned.status_code == 401, count
        assert cloned.json()["type"].endswith("/passkey-sign-in-failed")
    assert (await passkey_sign_in(client, authenticator, sign_count=7)).status_code == 200
    stored = (await db_session.exec(select(Passkey))).one()
    assert stored.sign_count == 7
    failures = [e for e in await events(db_session, citizen.account.id) if e.kind == "sign_in_failed"]  # type: ignore[arg-type]
    assert len(failures) == 3
    assert all(e.detail == {"method": "passkey"} for e in failures)


async def test_user_verification_is_required(
    client: AsyncTestClient[Litestar], headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    lazy = SoftAuthenticator(origin=ORIGIN, user_verified=False)
    body = (await client.post(REG_OPTIONS, headers=headers)).json()
    credential = lazy.create(body["publicKey"])
    refused = await client.post(
        REGISTER, headers=headers, json={"ceremony_id": body["ceremony_id"], "credential": credential}
    )
    assert refused.status_code == 400
    await enrol(client, headers, authenticator)
    authenticator.user_verified = False
    assert (await passkey_sign_in(client, authenticator)).status_code == 401


async def test_an_unknown_credential_is_401(client: AsyncTestClient[Litestar]) -> None:
    stranger = SoftAuthenticator(origin=ORIGIN)
    stranger.create(
        {
            "rp": {"id": "localhost", "name": "AnSinh"},
            "user": {"id": b64url(b"someone"), "name": "someone"},
            "challenge": b64url(b"c" * 32),
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        }
    )
    response = await passkey_sign_in(client, stranger)
    assert response.status_code == 401
    assert response.json()["type"].endswith("/passkey-sign-in-failed")


@pytest.mark.parametrize(
    "credential",
    [{}, {"id": "abc", "rawId": "abc", "type": "public-key", "response": {}}, {"id": 1}, {"rawId": "!!!", "id": "!!!"}],
)
async def test_malformed_credentials_are_problems_not_crashes(
    client: AsyncTestClient[Litestar], headers: dict[str, str], credential: dict[str, Any]
) -> None:
    reg = (await client.post(REG_OPTIONS, headers=headers)).json()
    response = await client.post(
        REGISTER, headers=headers, json={"ceremony_id": reg["ceremony_id"], "credential": credential}
    )
    assert response.status_code == 400
    auth = await sign_in_options(client)
    response = await client.post(AUTHENTICATE, json={"ceremony_id": auth["ceremony_id"], "credential": credential})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("body", [{}, {"ceremony_id": "short", "credential": {}}, {"ceremony_id": "x" * 32}])
async def test_malformed_requests_are_400_problems(client: AsyncTestClient[Litestar], body: dict[str, Any]) -> None:
    response = await client.post(AUTHENTICATE, json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_same_credential_cannot_be_registered_twice(
    client: AsyncTestClient[Litestar],
    settings: Settings,
    db_session: AsyncSession,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
) -> None:
    await enrol(client, headers, authenticator)
    [credential] = authenticator.credentials.values()
    for who in (headers, await session_headers(db_session, settings, (await make_citizen(db_session))[0])):
        body = (await client.post(REG_OPTIONS, headers=who)).json()
        again = authenticator.create(body["publicKey"], reuse=credential)
        response = await client.post(
            REGISTER, headers=who, json={"ceremony_id": body["ceremony_id"], "credential": again}
        )
        assert response.status_code == 409
        assert response.json()["type"].endswith("/conflict")


async def test_a_disabled_account_cannot_sign_in_with_its_passkey(
    client: AsyncTestClient[Litestar],
    citizen: Citizen,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    db_session: AsyncSession,
) -> None:
    await enrol(client, headers, authenticator)
    account = citizen.account
    await db_session.refresh(account)
    account.status = AccountStatus.DISABLED
    db_session.add(account)
    await db_session.commit()
    assert (await passkey_sign_in(client, authenticator)).status_code == 401


async def test_a_passkey_signs_in_while_password_sign_in_is_locked(
    client: AsyncTestClient[Litestar], citizen: Citizen, headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    await enrol(client, headers, authenticator)
    username = citizen.person.si_code
    for _ in range(5):
        wrong = await client.post("/api/v1/auth/login", json={"username": username, "password": "wrong-password-1"})
        assert wrong.status_code == 401
    locked = await client.post("/api/v1/auth/login", json={"username": username, "password": citizen.password})
    assert locked.status_code == 429
    assert await store_of(client).get(f"lock:{username.lower()}") is not None
    signed_in = await passkey_sign_in(client, authenticator)
    assert signed_in.status_code == 200, signed_in.text


async def test_sign_in_options_are_rate_limited_per_ip(client: AsyncTestClient[Litestar]) -> None:
    statuses = [(await client.post(AUTH_OPTIONS)).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429


# ---- who may call what ----------------------------------------------------------------------------


async def test_anonymous_callers_get_401(client: AsyncTestClient[Litestar]) -> None:
    calls = [
        client.post(REG_OPTIONS),
        client.post(REGISTER, json={"ceremony_id": "x" * 32, "credential": {}}),
        client.get(MINE),
        client.patch(f"{MINE}/1", json={"name": "x"}),
        client.delete(f"{MINE}/1"),
    ]
    for call in calls:
        response = await call
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_clinic_token_cannot_use_passkeys(client: AsyncTestClient[Litestar], settings: Settings) -> None:
    token, _ = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject="clinic-test",
        role="clinic",
        extra={"fac": "01001"},
    )
    clinic = {"Authorization": f"Bearer {token}"}
    assert (await client.post(REG_OPTIONS, headers=clinic)).status_code == 403
    assert (await client.get(MINE, headers=clinic)).status_code == 403
    assert (await client.delete(f"{MINE}/1", headers=clinic)).status_code == 403


# ---- management -----------------------------------------------------------------------------------


async def test_rename_and_remove_a_passkey(
    client: AsyncTestClient[Litestar],
    citizen: Citizen,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    db_session: AsyncSession,
) -> None:
    passkey = await enrol(client, headers, authenticator, name="Old phone")
    renamed = await client.patch(f"{MINE}/{passkey['id']}", headers=headers, json={"name": "  Work laptop  "})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Work laptop"
    assert set(renamed.json()) == PUBLIC_FIELDS
    for bad in ("", "   ", "x" * 65):
        response = await client.patch(f"{MINE}/{passkey['id']}", headers=headers, json={"name": bad})
        assert response.status_code == 400, bad
    assert (await client.get(MINE, headers=headers)).json()[0]["name"] == "Work laptop"

    # The last passkey goes only with a step-up: a password+OTP session is refused, a fresh passkey sign-in is not.
    refused = await client.delete(f"{MINE}/{passkey['id']}", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/step-up-required")
    signed_in = await passkey_sign_in(client, authenticator)
    assert signed_in.status_code == 200
    with_passkey = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    removed = await client.delete(f"{MINE}/{passkey['id']}", headers=with_passkey)
    assert removed.status_code == 204
    assert (await client.get(MINE, headers=headers)).json() == []
    assert (await client.delete(f"{MINE}/{passkey['id']}", headers=headers)).status_code == 404
    # The authenticator still holds the key, but the server no longer knows it.
    assert (await passkey_sign_in(client, authenticator)).status_code == 401

    log = [(e.kind, e.detail) for e in await events(db_session, citizen.account.id)]  # type: ignore[arg-type]
    assert ("passkey_added", {"name": "Old phone"}) in log
    assert ("passkey_renamed", {"name": "Work laptop", "old_name": "Old phone"}) in log
    assert ("passkey_removed", {"name": "Work laptop"}) in log


async def test_another_accounts_passkey_is_404(
    client: AsyncTestClient[Litestar],
    settings: Settings,
    db_session: AsyncSession,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
) -> None:
    passkey = await enrol(client, headers, authenticator, name="Mine")
    other, _ = await make_citizen(db_session)
    other_headers = await session_headers(db_session, settings, other)
    assert (await client.get(MINE, headers=other_headers)).json() == []
    renamed = await client.patch(f"{MINE}/{passkey['id']}", headers=other_headers, json={"name": "Stolen"})
    assert renamed.status_code == 404
    assert renamed.json()["type"].endswith("/not-found")
    assert (await client.delete(f"{MINE}/{passkey['id']}", headers=other_headers)).status_code == 404
    assert (await client.get(MINE, headers=headers)).json()[0]["name"] == "Mine"
    assert (await client.delete(f"{MINE}/999999", headers=headers)).status_code == 404


async def test_an_unnamed_passkey_is_named_after_its_provider(
    client: AsyncTestClient[Litestar], headers: dict[str, str]
) -> None:
    google = SoftAuthenticator(origin=ORIGIN, aaguid=bytes.fromhex("ea9b8d664d011d213ce4b6b48cb575d4"))
    named = await enrol(client, headers, google, name="   ")
    assert named["name"] == "Google Password Manager"
    assert named["aaguid"] == "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"
    unknown = await enrol(client, headers, SoftAuthenticator(origin=ORIGIN), name="")
    assert unknown["name"] == "Passkey"


async def test_the_rename_rule_holds_without_http(db_session: AsyncSession, citizen: Citizen) -> None:
    context = RequestContext(ip="127.0.0.1", user_agent="pytest")
    account_id = citizen.account.id
    assert account_id is not None
    with pytest.raises(InvalidInput):
        await passkeys.rename_passkey(db_session, account_id=account_id, passkey_id=1, name="  ", context=context)
    with pytest.raises(NotFound):
        await passkeys.rename_passkey(db_session, account_id=account_id, passkey_id=1, name="Phone", context=context)


async def test_enrolling_needs_a_sign_in_from_the_last_15_minutes(
    client: AsyncTestClient[Litestar], settings: Settings, citizen: Citizen
) -> None:
    # A stolen token of an old session (refreshing keeps the original sign-in time) cannot add a passkey.
    signed_in_long_ago = utcnow() - timedelta(minutes=16)
    token, _ = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=str(citizen.account.id),
        role="citizen",
        auth_time=signed_in_long_ago,
    )
    for path in ("/api/v1/auth/passkeys/registration/options", "/api/v1/auth/passkeys/registration"):
        response = await client.post(path, json={}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403, path
        assert response.json()["type"].endswith("/recent-sign-in-required")
        assert response.json()["max_age"] == 900
    fresh, _ = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=str(citizen.account.id),
        role="citizen",
        auth_time=utcnow() - timedelta(minutes=14),
    )
    options = await client.post(
        "/api/v1/auth/passkeys/registration/options", headers={"Authorization": f"Bearer {fresh}"}
    )
    assert options.status_code == 200


# ---- the sign-in's writes (one statement) -----------------------------------------------------------------------


async def test_a_passkey_sign_in_writes_its_session_refresh_token_and_event_together(
    client: AsyncTestClient[Litestar],
    citizen: Citizen,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    db_session: AsyncSession,
) -> None:
    await enrol(client, headers, authenticator)
    signed_in = await passkey_sign_in(client, authenticator, sign_count=5)
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()

    session_id = verify_access_token(
        tokens["access_token"], secret_key=client.app.state.settings.secret_key, issuer=ORIGIN
    ).session_id
    stored = (await db_session.exec(select(AuthSession).where(AuthSession.id == session_id))).one()
    assert stored.account_id == citizen.account.id
    assert stored.amr == "passkey"
    assert stored.revoked_at is None
    assert stored.expires_at - stored.auth_time == timedelta(days=30)
    assert stored.auth_time.tzinfo is not None
    [refresh] = (await db_session.exec(select(RefreshToken).where(RefreshToken.session_id == session_id))).all()
    assert refresh.used_at is None
    [event] = [e for e in await events(db_session, citizen.account.id) if e.detail == {"method": "passkey"}]  # type: ignore[arg-type]
    assert event.kind == "sign_in"
    assert (await db_session.exec(select(Passkey))).one().sign_count == 5
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text


async def test_a_counter_that_raced_writes_no_session_at_all(
    client: AsyncTestClient[Litestar],
    citizen: Citizen,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    db_session: AsyncSession,
    settings: Settings,
) -> None:
    await enrol(client, headers, authenticator)
    passkey = (await db_session.exec(select(Passkey))).one()
    state = client.app.state

    async def open_with_count(count: int) -> Any:
        return await start_passkey_session(
            state.session_factory,
            state.statements,
            settings=settings,
            account=SignedInAccount(id=citizen.account.id, role="citizen", person_id=citizen.person.id),  # type: ignore[arg-type]
            passkey_id=passkey.id,  # type: ignore[arg-type]
            new_count=count,
            backed_up=False,
            context=RequestContext(ip="127.0.0.1", user_agent="pytest"),
        )

    async def counts() -> list[int]:
        return [await rows(db_session, table) for table in (AuthSession, RefreshToken, SecurityEvent)]

    assert await open_with_count(3) is not None
    before = await counts()
    assert await open_with_count(3) is None  # the same count again: another sign-in got there first
    assert await counts() == before
    assert (await db_session.exec(select(Passkey).execution_options(populate_existing=True))).one().sign_count == 3


async def rows(db: AsyncSession, table: Any) -> int:
    return len((await db.exec(select(table))).all())


async def test_a_passkey_sign_in_from_a_new_device_is_told_and_a_known_device_is_not(
    client: AsyncTestClient[Litestar],
    citizen: Citizen,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    db_session: AsyncSession,
) -> None:
    await enrol(client, headers, authenticator)  # the citizen's earlier session was opened from "pytest"

    async def sign_in_from(user_agent: str) -> None:
        body = (await client.post(AUTH_OPTIONS, headers={"User-Agent": user_agent})).json()
        assertion = authenticator.get(body["publicKey"])
        answer = await client.post(
            AUTHENTICATE,
            json={"ceremony_id": body["ceremony_id"], "credential": assertion},
            headers={"User-Agent": user_agent},
        )
        assert answer.status_code == 200, answer.text

    async def notices() -> list[Notification]:
        return list((await db_session.exec(select(Notification))).all())

    await sign_in_from("pytest")
    assert await notices() == []
    await sign_in_from(WINDOWS_FIREFOX)
    [notice] = await notices()
    assert notice.kind == "new_device_sign_in"
    assert notice.params["device"] == "Firefox · Windows"
    await sign_in_from(WINDOWS_FIREFOX)
    assert len(await notices()) == 1
