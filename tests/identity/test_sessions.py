"""Staying signed in: rotating refresh tokens, reuse detection, sign-out and other devices."""

import asyncio

from litestar.testing import AsyncTestClient

from tests.identity.conftest import Citizen, bearer, sign_in

REFRESH = "/api/v1/auth/refresh"


async def _signed_in(client: AsyncTestClient, citizen: Citizen) -> dict[str, str]:
    return await sign_in(client, citizen.person.si_code, citizen.password, citizen.person.phone)


async def test_refresh_rotates_and_the_old_token_dies(client: AsyncTestClient, citizen: Citizen) -> None:
    first = await _signed_in(client, citizen)
    second = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/me", headers=bearer(pair))).status_code == 200
    # The new refresh token works once more: rotation continues.
    third = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert third.status_code == 200


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_session(
    client: AsyncTestClient, citizen: Citizen
) -> None:
    first = await _signed_in(client, citizen)
    rotated = (await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})).json()
    reuse = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    # The thief's replay also killed the legitimate holder's newer tokens.
    assert (await client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(rotated))).status_code == 401
    other = await _signed_in(client, citizen)
    events = (await client.get("/api/v1/me/security-events", headers=bearer(other))).json()["items"]
    assert "token_reuse_detected" in [event["kind"] for event in events]


async def test_concurrent_refreshes_of_one_token_yield_at_most_one_pair(
    client: AsyncTestClient, citizen: Citizen
) -> None:
    first = await _signed_in(client, citizen)
    responses = await asyncio.gather(
        *(client.post(REFRESH, json={"refresh_token": first["refresh_token"]}) for _ in range(4))
    )
    assert sum(r.status_code == 200 for r in responses) <= 1
    assert all(r.status_code in (200, 401) for r in responses)


async def test_unknown_refresh_token_is_401(client: AsyncTestClient) -> None:
    response = await client.post(REFRESH, json={"refresh_token": "x" * 43})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_logout_ends_the_session_at_once(client: AsyncTestClient, citizen: Citizen) -> None:
    tokens = await _signed_in(client, citizen)
    assert (await client.post("/api/v1/auth/logout", headers=bearer(tokens))).status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).status_code == 401
    assert (await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})).status_code == 401


async def test_sign_out_another_device(client: AsyncTestClient, citizen: Citizen) -> None:
    phone = await _signed_in(client, citizen)
    laptop = await _signed_in(client, citizen)
    sessions = (await client.get("/api/v1/me/sessions", headers=bearer(laptop))).json()
    assert len(sessions) == 2
    assert sum(s["current"] for s in sessions) == 1
    phone_session = next(s for s in sessions if not s["current"])
    response = await client.delete(f"/api/v1/me/sessions/{phone_session['id']}", headers=bearer(laptop))
    assert response.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(phone))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(laptop))).status_code == 200


async def test_cannot_sign_out_someone_elses_session(
    client: AsyncTestClient, citizen: Citizen, other_citizen: Citizen
) -> None:
    mine = await _signed_in(client, citizen)
    theirs = await _signed_in(client, other_citizen)
    their_session = (await client.get("/api/v1/me/sessions", headers=bearer(theirs))).json()[0]["id"]
    response = await client.delete(f"/api/v1/me/sessions/{their_session}", headers=bearer(mine))
    assert response.status_code == 404
    assert (await client.get("/api/v1/me", headers=bearer(theirs))).status_code == 200


async def test_tampered_or_missing_tokens_are_401(client: AsyncTestClient, citizen: Citizen) -> None:
    tokens = await _signed_in(client, citizen)
    assert (await client.get("/api/v1/me")).status_code == 401
    head, payload, signature = tokens["access_token"].split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert "invalid_token" in response.headers["www-authenticate"]
