"""Contribution history, summary, filters, CSV export and the monthly ledger of the signed-in citizen."""

import csv
import io

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.time import add_months
from ansinh.records.schemas import ContributionsPublic
from tests.identity.conftest import Citizen
from tests.records.conftest import make_employer, make_period, token_for

URL = "/api/v1/me/contributions"
MONTHS_URL = "/api/v1/me/contributions/months"


async def test_summary_of_a_known_history(client: AsyncTestClient, history: Citizen, auth: dict[str, str]) -> None:
    response = await client.get(URL, headers=auth)
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["cache-control"]
    body = response.json()
    summary = body["summary"]
    assert summary["paid_months_by_scheme"] == {"compulsory": 15, "voluntary": 6}
    assert summary["paid_months_by_fund"] == {"SI": 21, "UI": 15, "HI": 15}
    assert summary["si_time"] == {"years": 1, "months": 9}
    assert summary["arrears_months"] == 3
    assert summary["employers_owing"] == [
        {"code": "TB00002", "name": "Công ty CP Bến Thành", "months": ["2025-01", "2025-02", "2025-03"]}
    ]
    assert summary["first_paid_month"] == "2023-01"
    assert summary["last_paid_month"] == "2025-06"
    # Last six paid months: 2024-10..12 at 10,000,000 and 2025-04..06 at 12,000,000 → 11,000,000.
    assert summary["salary_average"] == {
        "months": 6,
        "first_month": "2024-10",
        "last_month": "2025-06",
        "average": 11_000_000,
        "revaluation_note": "salaries as paid: short-term benefits are not revalued",
    }
    periods = body["periods"]
    assert [(p["from_month"], p["status"]) for p in periods] == [
        ("2025-04", "paid"),
        ("2025-01", "arrears"),
        ("2024-01", "paid"),
        ("2023-01", "paid"),
    ]
    assert periods[1] == {
        "from_month": "2025-01",
        "to_month": "2025-03",
        "employer": {"code": "TB00002", "name": "Công ty CP Bến Thành"},
        "scheme": "compulsory",
        "salary_base": 12_000_000,
        "funds": ["RS", "SM", "OA", "UI", "HI"],
        "employer_amount": 2_580_000,
        "employee_amount": 1_260_000,
        "status": "arrears",
        "months": 3,
        "arrears_months": 3,
    }
    assert periods[3]["employer"] is None
    assert periods[3]["scheme"] == "voluntary"
    assert periods[2]["employer_amount"] == 2_150_000
    assert periods[2]["arrears_months"] == 0


async def test_the_answer_is_the_documented_model_and_gzipped_for_clients_that_accept_it(
    client: AsyncTestClient, history: Citizen, auth: dict[str, str]
) -> None:
    plain = await client.get(URL, headers={**auth, "Accept-Encoding": "identity"})
    gzipped = await client.get(URL, headers={**auth, "Accept-Encoding": "gzip"})
    assert plain.headers["content-type"] == "application/json"
    assert int(plain.headers["content-length"]) == len(plain.content) > 1024  # over the compression threshold
    assert "content-encoding" not in plain.headers
    assert gzipped.headers["content-encoding"] == "gzip"
    assert int(gzipped.headers["content-length"]) < len(plain.content)
    assert gzipped.json() == plain.json()  # httpx undid the gzip
    assert ContributionsPublic.model_validate(plain.json()).model_dump(mode="json") == plain.json()


async def test_another_citizen_sees_only_their_own(
    client: AsyncTestClient,
    db_session: AsyncSession,
    settings: Settings,
    history: Citizen,
    other_citizen: Citizen,
) -> None:
    employer = await make_employer(db_session)
    await make_period(db_session, other_citizen.person.id, employer_id=employer.id, from_month="2010-01")
    headers = await token_for(db_session, settings, other_citizen.account)
    body = (await client.get(URL, headers=headers, params={"person_id": history.person.id})).json()
    assert [p["from_month"] for p in body["periods"]] == ["2010-01"]
    assert body["summary"]["arrears_months"] == 0
    assert body["summary"]["employers_owing"] == []
    ledger = (await client.get(MONTHS_URL, headers=headers, params={"limit": 100})).json()
    assert {row["employer_code"] for row in ledger["items"]} == {employer.code}


async def test_empty_history(client: AsyncTestClient, citizen: Citizen, auth: dict[str, str]) -> None:
    body = (await client.get(URL, headers=auth)).json()
    assert body["periods"] == []
    assert body["summary"]["si_time"] == {"years": 0, "months": 0}
    assert body["summary"]["first_paid_month"] is None
    assert body["summary"]["salary_average"] is None


async def test_filter_clips_to_the_window(client: AsyncTestClient, history: Citizen, auth: dict[str, str]) -> None:
    response = await client.get(URL, headers=auth, params={"from": "2024-07", "to": "2025-02"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(p["from_month"], p["to_month"], p["months"]) for p in body["periods"]] == [
        ("2025-01", "2025-02", 2),
        ("2024-07", "2024-12", 6),
    ]
    assert body["summary"]["paid_months_by_fund"]["SI"] == 6
    assert body["summary"]["arrears_months"] == 2
    assert body["summary"]["employers_owing"][0]["months"] == ["2025-01", "2025-02"]


@pytest.mark.parametrize(
    "params",
    [{"from": "2024-13"}, {"to": "24-01"}, {"from": "2024-1"}, {"from": "2025-02", "to": "2024-01"}],
)
async def test_bad_filters_are_400_problems(
    client: AsyncTestClient, citizen: Citizen, auth: dict[str, str], params: dict[str, str]
) -> None:
    response = await client.get(URL, headers=auth, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 400


async def test_csv_export_parses_back(client: AsyncTestClient, history: Citizen, auth: dict[str, str]) -> None:
    response = await client.get(URL, headers=auth, params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Từ tháng (from)"
    assert len(rows) == 5
    assert rows[2] == [
        "2025-01",
        "2025-03",
        "TB00002",
        "Công ty CP Bến Thành",
        "compulsory",
        "12000000",
        "RS SM OA UI HI",
        "2580000",
        "1260000",
        "arrears",
        "3",
    ]


async def test_unknown_format_is_400(client: AsyncTestClient, citizen: Citizen, auth: dict[str, str]) -> None:
    response = await client.get(URL, headers=auth, params={"format": "xlsx"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_ledger_rows_per_month_and_fund(client: AsyncTestClient, history: Citizen, auth: dict[str, str]) -> None:
    response = await client.get(MONTHS_URL, headers=auth, params={"limit": 10})
    assert response.status_code == 200, response.text
    body = response.json()
    # 6 voluntary RS months + (12 + 3 + 3) compulsory months × 5 funds.
    assert body["total"] == 96
    assert body["limit"] == 10
    assert body["offset"] == 0
    first = body["items"][:5]
    assert [(r["month"], r["fund"]) for r in first] == [("2025-06", f) for f in ("RS", "SM", "OA", "UI", "HI")]
    # 12,000,000 in June 2025: RS 14% / 8%, SM 3%, OA 0.5%, UI 1% / 1% (region II cap 88,200,000), HI 3% / 1.5%.
    assert [(r["employer_share"], r["employee_share"]) for r in first] == [
        (1_680_000, 960_000),
        (360_000, 0),
        (60_000, 0),
        (120_000, 120_000),
        (360_000, 180_000),
    ]
    assert all(r["status"] == "paid" and r["employer_code"] == "TB00002" for r in first)
    owed = (await client.get(MONTHS_URL, headers=auth, params={"offset": 15, "limit": 5})).json()["items"]
    assert {(r["month"], r["status"]) for r in owed} == {("2025-03", "arrears")}
    last = (await client.get(MONTHS_URL, headers=auth, params={"offset": 90, "limit": 100})).json()["items"]
    assert [(r["month"], r["fund"], r["scheme"]) for r in last] == [
        (m, "RS", "voluntary") for m in ("2023-06", "2023-05", "2023-04", "2023-03", "2023-02", "2023-01")
    ]
    assert last[0]["employer_share"] == 0
    assert last[0]["employee_share"] == 1_100_000


async def test_ledger_uses_the_oa_rate_in_force(
    client: AsyncTestClient, db_session: AsyncSession, citizen: Citizen, auth: dict[str, str]
) -> None:
    employer = await make_employer(db_session)
    # OA was 0% from 2021-07 to 2022-06 (Resolution 68/NQ-CP) and 0.5% again from 2022-07.
    await make_period(db_session, citizen.person.id, employer_id=employer.id, from_month="2022-06", to_month="2022-07")
    rows = (await client.get(MONTHS_URL, headers=auth, params={"limit": 100})).json()["items"]
    oa = {r["month"]: r["employer_share"] for r in rows if r["fund"] == "OA"}
    assert oa == {"2022-07": 50_000, "2022-06": 0}


async def test_ledger_pagination_edges(client: AsyncTestClient, history: Citizen, auth: dict[str, str]) -> None:
    beyond = await client.get(MONTHS_URL, headers=auth, params={"offset": 500})
    assert beyond.status_code == 200
    assert beyond.json() == {"items": [], "total": 96, "limit": 24, "offset": 500}
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        response = await client.get(MONTHS_URL, headers=auth, params=bad)
        assert response.status_code == 400, bad
        assert response.headers["content-type"].startswith("application/problem+json")


async def _count_statements(app: Litestar, client: AsyncTestClient, headers: dict[str, str]) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = await client.get(URL, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


async def test_no_n_plus_one(
    app: Litestar,
    client: AsyncTestClient,
    db_session: AsyncSession,
    settings: Settings,
    citizen: Citizen,
    other_citizen: Citizen,
    auth: dict[str, str],
) -> None:
    employers = [await make_employer(db_session) for _ in range(4)]
    for i in range(40):
        month = add_months("1986-01", 12 * i)
        await make_period(
            db_session,
            citizen.person.id,
            employer_id=employers[i % 4].id,
            from_month=month,
            to_month=add_months(month, 11),
            status="arrears" if i % 7 == 0 else "paid",
        )
    for i in range(2):
        month = add_months("2020-01", 12 * i)
        await make_period(
            db_session,
            other_citizen.person.id,
            employer_id=employers[0].id,
            from_month=month,
            to_month=add_months(month, 11),
        )
    many = await _count_statements(app, client, auth)
    few = await _count_statements(app, client, await token_for(db_session, settings, other_citizen.account))
    assert many == few
    assert many <= 2
    body = (await client.get(URL, headers=auth)).json()
    assert len(body["periods"]) == 40
    # 480 months on record, 6 years (72 months) of them owed: 408 paid months = 34 years.
    assert body["summary"]["si_time"] == {"years": 34, "months": 0}
    assert body["summary"]["arrears_months"] == 72


async def test_staff_and_clinic_are_forbidden(
    client: AsyncTestClient, staff_auth: dict[str, str], clinic_auth: dict[str, str]
) -> None:
    for url in (URL, MONTHS_URL):
        for headers in (staff_auth, clinic_auth):
            response = await client.get(url, headers=headers)
            assert response.status_code == 403, (url, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
        anonymous = await client.get(url)
        assert anonymous.status_code == 401
