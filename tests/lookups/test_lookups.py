"""Public look-ups: facilities, card validity (minimal answers, rate limited) and the legal tables in force."""

from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.time import today_vn
from tests.cards.conftest import CardHolder
from tests.factories import make_facility
from tests.support.problems import assert_problem

Client = AsyncTestClient[Litestar]
WHO = {"full_name": "Trần Thị Bích", "date_of_birth": "1990-05-17"}


async def test_facilities_by_name_province_and_level_without_signing_in(
    client: Client, db_session: AsyncSession
) -> None:
    await make_facility(db_session, code="01001", name="Bệnh viện Bạch Mai", level="central", province_code="01")
    await make_facility(db_session, code="01002", name="Bệnh viện Việt Đức", level="central", province_code="01")
    await make_facility(db_session, code="79024", name="Bệnh viện Nhân dân 115", level="provincial", province_code="79")
    everything = (await client.get("/api/v1/facilities")).json()
    assert [f["code"] for f in everything["items"]] == ["01001", "01002", "79024"]
    by_name = (await client.get("/api/v1/facilities", params={"q": "bạch mai"})).json()
    assert [f["name"] for f in by_name["items"]] == ["Bệnh viện Bạch Mai"]
    by_code = (await client.get("/api/v1/facilities", params={"q": "790"})).json()
    assert by_code["total"] == 1
    filtered = (
        await client.get("/api/v1/facilities", params={"province": "01", "level": "central", "limit": 1})
    ).json()
    assert (filtered["total"], len(filtered["items"]), filtered["items"][0]["code"]) == (2, 1, "01001")
    assert set(filtered["items"][0]) == {"code", "name", "level", "province_code", "address"}


@pytest.mark.parametrize("params", [{"province": "1a"}, {"level": "palace"}, {"limit": 1000}])
async def test_bad_facility_filters_are_400(client: Client, params: dict) -> None:
    assert_problem(await client.get("/api/v1/facilities", params=params), 400, "invalid-request")


async def test_card_validity_answers_only_valid_and_valid_to(client: Client, holder: CardHolder) -> None:
    response = await client.post("/api/v1/lookups/card", json={"card_number": holder.card.number, **WHO})
    assert response.status_code == 200
    assert response.json() == {"found": True, "valid": True, "valid_to": "2099-12-31"}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "who",
    [
        {"full_name": "Trần Thị Bich", "date_of_birth": "1990-05-17"},
        {"full_name": "Trần Thị Bích", "date_of_birth": "1990-05-18"},
    ],
    ids=["wrong-name", "wrong-birth-date"],
)
async def test_a_mismatch_looks_exactly_like_no_such_card(client: Client, holder: CardHolder, who: dict) -> None:
    mismatch = await client.post("/api/v1/lookups/card", json={"card_number": holder.card.number, **who})
    unknown = await client.post("/api/v1/lookups/card", json={"card_number": "9999999999", **WHO})
    assert mismatch.json() == unknown.json() == {"found": False, "valid": None, "valid_to": None}


async def test_an_expired_card_is_found_but_not_valid(
    client: Client, db_session: AsyncSession, holder: CardHolder
) -> None:
    holder.card.valid_to = date(2021, 12, 31)
    db_session.add(holder.card)
    await db_session.commit()
    response = await client.post("/api/v1/lookups/card", json={"card_number": holder.card.number, **WHO})
    assert response.json() == {"found": True, "valid": False, "valid_to": "2021-12-31"}


async def test_guessing_is_rate_limited_per_card(client: Client, holder: CardHolder) -> None:
    statuses = [
        (
            await client.post(
                "/api/v1/lookups/card",
                json={"card_number": holder.card.number, "full_name": f"Tên {i}", "date_of_birth": "1990"},
            )
        ).status_code
        for i in range(6)
    ]
    assert statuses == [200] * 5 + [429]


@pytest.mark.parametrize(
    "body",
    [{"card_number": "123", **WHO}, {"card_number": "0100000001", "full_name": "A", "date_of_birth": "17/05/1990"}, {}],
)
async def test_bad_card_lookups_are_400(client: Client, body: dict) -> None:
    assert_problem(await client.post("/api/v1/lookups/card", json=body), 400, "invalid-request")


async def test_the_reference_tables_mark_what_is_in_force_today(client: Client) -> None:
    salaries = (await client.get("/api/v1/reference/base-salary")).json()
    in_force = [row for row in salaries if row["in_force"]]
    assert len(in_force) == 1
    expected = 2_530_000 if today_vn() >= date(2026, 7, 1) else 2_340_000
    assert in_force[0]["amount"] == expected
    row_2024 = next(r for r in salaries if r["effective_from"] == "2024-07-01")
    assert (row_2024["amount"], row_2024["legal_basis"]) == (2_340_000, "Nghị định 73/2024/NĐ-CP")
    rates = (await client.get("/api/v1/reference/contribution-rates")).json()
    current = {r["fund"]: (r["employer_percent"], r["employee_percent"]) for r in rates if r["in_force"]}
    assert current["HI"] == ("3", "1.5")
    assert current["RS"] == ("14", "8")
