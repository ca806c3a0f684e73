"""The hot lane answers card scans exactly as the Litestar route does: the same statuses, bodies and headers for
ordinary scans, and every unusual request (a new token, a bad body, another role, an oversized body) left to the
route itself."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import ValidationError

from ansinh.app import create_app
from ansinh.clinics.schemas import VerifyRequest, VerifyScan
from ansinh.core.lane import HotLane
from ansinh.core.settings import Settings
from tests.cards.conftest import STAFF, CardHolder, Clinic

Client = AsyncTestClient[Litestar]
VOLATILE = ("check_id", "checked_at")  # differ between two scans by nature


@asynccontextmanager
async def apps(settings: Settings) -> AsyncIterator[tuple[Client, Client, HotLane]]:
    """Two apps on the same database: with the lane (the default) and without it."""
    with_lane, without = create_app(settings), create_app(settings.model_copy(update={"hot_lane": False}))
    assert not hasattr(without.state, "hot_lane")
    async with AsyncTestClient(app=with_lane) as lane_client, AsyncTestClient(app=without) as route_client:
        yield lane_client, route_client, with_lane.state.hot_lane


@pytest.fixture
async def pair(settings: Settings) -> AsyncIterator[tuple[Client, Client, HotLane]]:
    async with apps(settings) as both_apps:
        yield both_apps


async def card_token(client: Client, holder: CardHolder) -> str:
    response = await client.post("/api/v1/me/card/token", json={"kind": "online"}, headers=holder.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def comparable(response: Any) -> tuple[int, Any, dict[str, str]]:
    """Status, body (volatile fields out) and headers (but the request id) of an answer."""
    try:
        body = response.json()
    except json.JSONDecodeError:
        body = response.text
    if isinstance(body, dict):
        body = {key: value for key, value in body.items() if key not in VOLATILE}
    headers = {name: value for name, value in response.headers.items() if name not in ("x-request-id", "date")}
    return response.status_code, body, headers


async def both(pair: tuple[Client, Client, HotLane], **request: Any) -> tuple[Any, Any, bool]:
    """The same request to both apps; and whether the lane served it."""
    lane_client, route_client, lane = pair
    served = lane.served
    through_lane = await lane_client.post("/api/v1/clinic/verify", **request)
    through_route = await route_client.post("/api/v1/clinic/verify", **request)
    return comparable(through_lane), comparable(through_route), lane.served > served


async def test_ordinary_scans_are_served_by_the_lane_and_answer_as_the_route_does(
    pair: tuple[Client, Client, HotLane], clinic: Clinic, holder: CardHolder
) -> None:
    lane_client, _route_client, _lane = pair
    first = await both(pair, json={"token": await card_token(lane_client, holder), **STAFF}, headers=clinic.headers)
    assert not first[2]  # a token this process has not verified yet: Litestar authenticates it, the lane learns it
    token = await card_token(lane_client, holder)
    through_lane, through_route, served = await both(pair, json={"token": token, **STAFF}, headers=clinic.headers)
    assert served
    assert through_lane == through_route
    assert through_lane[0] == 200
    assert through_lane[1]["result"] == "000"
    assert through_lane[2]["content-type"] == "application/json"
    assert through_lane[2]["cache-control"] == "no-store"
    assert through_lane[2]["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    forged = await both(pair, json={"token": token[:-4] + "AAAA", **STAFF}, headers=clinic.headers)
    assert forged[2]
    assert forged[0] == forged[1]
    assert forged[0][1]["result"] == "902"  # answered (and logged) like any scan


@pytest.mark.parametrize(
    ("staff", "expected"),
    [
        ({"staff_name": "Lê Thị Y Tá", "staff_citizen_id": "001190000999"}, "054"),  # not on the facility's list
        ({"staff_name": "Lê Thị Khác", "staff_citizen_id": "001190000123"}, "055"),  # on it with another name
    ],
)
async def test_unregistered_staff_get_the_same_answer_from_the_lane_and_the_route(
    pair: tuple[Client, Client, HotLane], clinic: Clinic, holder: CardHolder, staff: dict[str, str], expected: str
) -> None:
    lane_client, _route_client, _lane = pair
    await both(pair, json={"token": await card_token(lane_client, holder), **STAFF}, headers=clinic.headers)
    token = await card_token(lane_client, holder)
    through_lane, through_route, served = await both(pair, json={"token": token, **staff}, headers=clinic.headers)
    assert served
    assert through_lane == through_route
    assert (through_lane[0], through_lane[1]["result"], through_lane[1]["card"]) == (200, expected, None)


# Requests the lane must leave to the route (which refuses them): each pair of answers must be identical.
UNUSUAL: dict[str, dict[str, Any]] = {
    "no staff name": {"json": {"token": "AS1:x.y.z", "staff_citizen_id": STAFF["staff_citizen_id"]}},
    "a staff ID with a final newline": {"json": {"token": "AS1:x.y.z", **STAFF, "staff_citizen_id": "001190000123\n"}},
    "a staff ID in Arabic-Indic digits": {"json": {"token": "AS1:x.y.z", **STAFF, "staff_citizen_id": "٠٠١١٩٠٠٠٠١٢٣"}},
    "a staff name with a NUL": {"json": {"token": "AS1:x.y.z", **STAFF, "staff_name": "Lê\x00Thị"}},
    "a number for a token": {"json": {"token": 5, **STAFF}},
    "an empty token": {"json": {"token": "", **STAFF}},
    "a list for a body": {"json": [1, 2]},
    "not JSON": {"content": b"token=AS1:x.y.z"},
    "not UTF-8": {"content": b'{"token": "\xff"}'},
    "an empty body": {"content": b""},
    "a body over the size limit": {"json": {"token": "AS1:" + "A" * (1024 * 1024), **STAFF}},
}


@pytest.mark.parametrize("case", list(UNUSUAL))
async def test_unusual_requests_are_left_to_the_route(
    pair: tuple[Client, Client, HotLane], clinic: Clinic, holder: CardHolder, case: str
) -> None:
    lane_client, _, _ = pair
    await both(pair, json={"token": await card_token(lane_client, holder), **STAFF}, headers=clinic.headers)  # learn
    through_lane, through_route, served = await both(pair, headers=clinic.headers, **UNUSUAL[case])
    assert not served
    assert through_lane == through_route
    assert 400 <= through_lane[0] < 500


async def test_callers_the_route_would_refuse_are_left_to_it(
    pair: tuple[Client, Client, HotLane], clinic: Clinic, holder: CardHolder, settings: Settings
) -> None:
    lane_client, _, _ = pair
    token = await card_token(lane_client, holder)
    for headers in ({}, holder.headers, {"Authorization": "Basic eDp5"}, {"Authorization": "Bearer not-a-token"}):
        await both(pair, json={"token": token, **STAFF}, headers=headers)  # the citizen's token is now known too
        through_lane, through_route, served = await both(pair, json={"token": token, **STAFF}, headers=headers)
        assert not served
        assert through_lane == through_route
        assert through_lane[0] in (401, 403)


async def test_errors_the_check_raises_are_answered_as_the_route_answers_them(
    settings: Settings, clinic: Clinic, holder: CardHolder
) -> None:
    async with apps(settings.model_copy(update={"clinic_rate_limit": 3})) as limited:
        lane_client, route_client, lane = limited
        await both(limited, json={"token": await card_token(lane_client, holder), **STAFF}, headers=clinic.headers)
        first_refusals = []
        for client in (lane_client, route_client):
            # 3 per second: twelve quick requests cannot all pass (even straddling a second boundary or two).
            answers = [
                await client.post(
                    "/api/v1/clinic/verify", json={"token": f"AS1:x.y.{n}", **STAFF}, headers=clinic.headers
                )
                for n in range(12)
            ]
            first_refusals.append(next(comparable(a) for a in answers if a.status_code == 429))
        assert lane.served >= 1  # the lane answered some, and refused the rest itself
    assert first_refusals[0] == first_refusals[1]
    assert first_refusals[0][2]["content-type"] == "application/problem+json"
    assert first_refusals[0][2]["retry-after"] == "1"


STRINGS = ["", "a", "Lê Thị Y Tá", "A" * 120, "A" * 121, "001190000123", "00119000012", "001190000123\n",
           "٠٠١١٩٠٠٠٠١٢٣", "x\x00y", "x\ny", "x\x7fy", " " * 3, "AS1:x.y.z", "\u00a0\u00a0"]  # fmt: skip


@pytest.mark.parametrize("staff_name", STRINGS)
@pytest.mark.parametrize("staff_citizen_id", STRINGS)
def test_the_lanes_body_type_is_never_looser_than_the_routes_schema(staff_name: str, staff_citizen_id: str) -> None:
    body = {"token": "AS1:x.y.z", "staff_name": staff_name, "staff_citizen_id": staff_citizen_id}
    try:
        lane = msgspec.json.decode(json.dumps(body).encode(), type=VerifyScan)  # as the lane decodes a body
    except msgspec.ValidationError:
        return  # the lane refuses: the route decides
    try:
        route = VerifyRequest.model_validate(body)
    except ValidationError:
        pytest.fail(f"the lane accepts what the route refuses: {body!r}")
    assert (lane.token, lane.staff_name, lane.staff_citizen_id) == (
        route.token,
        route.staff_name,
        route.staff_citizen_id,
    )
