"""Benefits, estimates and medical visits of the signed-in citizen."""

from datetime import date

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from tests.identity.conftest import Citizen
from tests.records.conftest import make_benefit, make_employer, make_facility, make_period, make_visit, token_for

BENEFITS = "/api/v1/me/benefits"
ESTIMATES = "/api/v1/me/estimates"
VISITS = "/api/v1/me/medical-visits"


async def test_benefits_newest_first_with_pension(
    client: AsyncTestClient,
    db_session: AsyncSession,
    citizen: Citizen,
    other_citizen: Citizen,
    auth: dict[str, str],
) -> None:
    person_id = citizen.person.id
    await make_benefit(db_session, person_id)
    await make_benefit(
        db_session,
        person_id,
        type="pension",
        period_from=date(2025, 8, 1),
        period_to=None,
        amount=5_500_000,
        monthly=True,
        status="active",
        payment_channel="post",
        decided_on=date(2025, 7, 15),
    )
    await make_benefit(
        db_session,
        person_id,
        type="maternity",
        period_from=date(2025, 5, 1),
        period_to=None,
        status="pending",
        decided_on=None,
        amount=0,
    )
    await make_benefit(db_session, other_citizen.person.id, type="one_time", amount=99_000_000)
    response = await client.get(BENEFITS, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 3
    assert body["limit"] == 50
    assert body["offset"] == 0
    assert [(b["type"], b["status"]) for b in body["items"]] == [
        ("pension", "active"),
        ("maternity", "pending"),
        ("sickness", "paid"),
    ]
    assert body["items"][2] == {
        "type": "sickness",
        "period_from": "2025-03-10",
        "period_to": "2025-03-14",
        "amount": 1_562_500,
        "monthly": False,
        "status": "paid",
        "payment_channel": "bank",
        "decided_on": "2025-03-20",
    }
    assert body["pension"] == {"monthly_amount": 5_500_000, "start_date": "2025-08-01", "status": "active"}
    assert "no-store" in response.headers["cache-control"]


async def test_no_benefits(client: AsyncTestClient, citizen: Citizen, auth: dict[str, str]) -> None:
    body = (await client.get(BENEFITS, headers=auth)).json()
    assert body == {"items": [], "total": 0, "limit": 50, "offset": 0, "pension": None}


async def test_estimates_for_a_short_history(
    client: AsyncTestClient, history: Citizen, auth: dict[str, str], estimate_date: date
) -> None:
    """On 2026-12-07 the tables of Công văn 340/BHXH-CSXH (2026) revalue the average; the UI benefit is not revalued."""
    response = await client.get(ESTIMATES, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "estimate" in body["disclaimer"].lower()
    pension = body["pension"]
    # A woman born 1990-05-17 reaches 60 in 2050-05; 21 months are far from the 15 years the 2024 law requires.
    assert pension["eligible"] is False
    assert "15 years" in pension["reason"]
    assert pension["monthly_amount"] == 0
    assert pension["retirement_date"] == "2050-06-01"
    assert pension["rule_version"] == "SI-Law-2024"
    assert pension["effective_from"] == "2025-07-01"
    assert pension["inputs"]["paid_si_months"] == 21
    assert pension["inputs"]["retirement_age"] == {"years": 60, "months": 0}
    assert pension["inputs"]["average_salary"] == 9_128_571
    # Every paid month, revalued: voluntary 2023 income × 1.07 (income table), salaries 2024 × 1.03, 2025 × 1.00
    # (salary table): (6 × 5,000,000 × 1.07 + 12 × 10,000,000 × 1.03 + 3 × 12,000,000 × 1.00) / 21
    # = (32,100,000 + 123,600,000 + 36,000,000) / 21 = 191,700,000 / 21 = 9,128,571.43 → 9,128,571.
    one_time = body["one_time_allowance"]
    inputs = one_time["inputs"]
    assert inputs["average_salary"] == 9_128_571
    assert inputs["revaluation"] == "Công văn 340/BHXH-CSXH ngày 03/02/2026"
    assert [(t["table"], t["effective_from"]) for t in inputs["revaluation_tables"]] == [
        ("salary", "2026-01-01"),
        ("income", "2026-01-01"),
    ]
    assert all("Nghị định 15" in t["legal_basis"] and t["source"] for t in inputs["revaluation_tables"])
    assert inputs["revaluation_coefficients"] == [
        {"table": "salary", "year": 2024, "months": 12, "coefficient": "1.03", "published": True},
        {"table": "salary", "year": 2025, "months": 3, "coefficient": "1.00", "published": True},
        {"table": "income", "year": 2023, "months": 6, "coefficient": "1.07", "published": True},
    ]
    assert inputs["years_not_revalued"] == {}
    assert (inputs["market_salary_months"], inputs["state_scale_months"], inputs["voluntary_months"]) == (15, 0, 6)
    # 21 months from 2014 = 1 year 9 months → counted as 2 years × 2 months = 4 months of the average.
    assert inputs["months_before_2014"] == 0
    assert inputs["months_from_2014"] == 21
    assert one_time["eligible"] is True
    assert one_time["amount"] == 36_514_284
    # UI: 15 paid months (the 3 owed do not count); last six 3 × 10,000,000 + 3 × 12,000,000 → 60% of 11,000,000.
    unemployment = body["unemployment"]
    assert unemployment["eligible"] is True
    assert unemployment["inputs"]["paid_ui_months"] == 15
    assert unemployment["inputs"]["region"] == "II"
    assert unemployment["monthly_amount"] == 6_600_000
    assert unemployment["months"] == 3
    assert unemployment["total"] == 19_800_000
    assert unemployment["rule_version"].startswith("Employment-Law")


async def test_estimates_for_a_long_history(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, other_citizen: Citizen, estimate_date: date
) -> None:
    """25 years at 10,000,000, revalued by the 2026 salary table: the sum of its 2000–2024 coefficients is 52.81."""
    employer = await make_employer(db_session, wage_region="I")
    # A man born 1970-02-01: 2000-01..2024-12 paid at 10,000,000 = 300 months = 25 years.
    await make_period(
        db_session, other_citizen.person.id, employer_id=employer.id, from_month="2000-01", to_month="2024-12"
    )
    headers = await token_for(db_session, settings, other_citizen.account)
    body = (await client.get(ESTIMATES, headers=headers)).json()
    pension = body["pension"]
    # Men reach 62 from 2028 on (Decree 135/2020): born 1970-02 → 2032-02, pension from 2032-03-01.
    assert pension["retirement_date"] == "2032-03-01"
    # Average: 10,000,000 × 12 × (4.07 + 4.09 + … + 1.07 + 1.03 = 52.81) / 300 = 6,337,200,000 / 300 = 21,124,000.
    assert pension["inputs"]["average_salary"] == 21_124_000
    assert len(pension["inputs"]["revaluation_coefficients"]) == 25
    # Only the table the career was looked up in is named: no voluntary months, no income table.
    assert [t["table"] for t in pension["inputs"]["revaluation_tables"]] == ["salary"]
    # 45% for 20 years + 2% × 5 further years = 55% of 21,124,000 = 11,618,200.
    assert pension["eligible"] is True
    assert pension["reason"] is None
    assert pension["rate_bp"] == 5500
    assert pension["rate_percent"] == "55"
    assert pension["monthly_amount"] == 11_618_200
    # 14 years before 2014 × 1.5 + 11 years from 2014 × 2 = 43 months × 21,124,000.
    assert body["one_time_allowance"]["amount"] == 908_332_000
    assert body["one_time_allowance"]["inputs"]["months_before_2014"] == 168
    unemployment = body["unemployment"]
    # 300 UI months: 3 + (300 − 36) // 12 = 25 → at most 12 months of 6,000,000.
    assert unemployment["months"] == 12
    assert unemployment["monthly_amount"] == 6_000_000
    assert unemployment["total"] == 72_000_000


async def test_estimates_with_no_history_give_reasons(
    client: AsyncTestClient, citizen: Citizen, auth: dict[str, str]
) -> None:
    body = (await client.get(ESTIMATES, headers=auth)).json()
    assert body["pension"]["eligible"] is False
    assert body["pension"]["reason"]
    assert body["one_time_allowance"]["eligible"] is False
    assert body["one_time_allowance"]["reason"]
    assert body["unemployment"]["eligible"] is False
    assert "12 months" in body["unemployment"]["reason"]


async def test_medical_visits_page(
    client: AsyncTestClient, db_session: AsyncSession, citizen: Citizen, other_citizen: Citizen, auth: dict[str, str]
) -> None:
    facility = await make_facility(db_session)
    await make_visit(db_session, citizen.person.id, facility.id)
    stay = await make_visit(
        db_session,
        citizen.person.id,
        facility.id,
        visit_type="inpatient",
        admission_date=date(2025, 11, 3),
        discharge_date=date(2025, 11, 8),
        icd10_code="K35.8",
        icd10_name="Viêm ruột thừa cấp",
        total_cost=12_400_000,
        hi_paid=9_920_000,
        patient_paid=2_480_000,
    )
    await make_visit(db_session, other_citizen.person.id, facility.id, icd10_code="Z00.0")
    response = await client.get(VISITS, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    assert body["limit"] == 20
    assert body["offset"] == 0
    assert body["items"][0] == {
        "id": stay.id,
        "facility": {"code": facility.code, "name": "Bệnh viện Bạch Mai"},
        "status": "claimed",
        "admission_date": "2025-11-03",
        "discharge_date": "2025-11-08",
        "admitted_at": None,
        "discharged_at": None,
        "visit_type": "inpatient",
        "kcb_type": None,
        "icd10_code": "K35.8",
        "icd10_name": "Viêm ruột thừa cấp",
        "total_cost": 12_400_000,
        "hi_paid": 9_920_000,
        "patient_paid": 2_480_000,
        "co_payment": 2_480_000,
        "out_of_scope": 0,
        "other_sources": 0,
        "card_result": None,
        "sick_leave_days": None,
        "sick_leave_from": None,
        "sick_leave_to": None,
        "under_dispute": False,
        "dispute_status": None,
        "lines": [],
    }
    assert body["items"][1]["icd10_code"] == "J06.9"
    second = (await client.get(VISITS, headers=auth, params={"limit": 1, "offset": 1})).json()
    assert [v["admission_date"] for v in second["items"]] == ["2025-09-02"]
    assert second["total"] == 2
    beyond = (await client.get(VISITS, headers=auth, params={"offset": 2})).json()
    assert beyond == {"items": [], "total": 2, "limit": 20, "offset": 2}
    for bad in ({"limit": 0}, {"limit": 101}):
        response = await client.get(VISITS, headers=auth, params=bad)
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_staff_clinic_and_anonymous_are_refused(
    client: AsyncTestClient, staff_auth: dict[str, str], clinic_auth: dict[str, str]
) -> None:
    for url in (BENEFITS, ESTIMATES, VISITS):
        for headers in (staff_auth, clinic_auth):
            response = await client.get(url, headers=headers)
            assert response.status_code == 403, (url, response.text)
            assert response.json()["status"] == 403
        assert (await client.get(url)).status_code == 401


async def test_an_estimate_dated_before_any_table_names_every_year_not_revalued(
    client: AsyncTestClient, history: Citizen, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 2024-12-31 no loaded table is in force: the average is of amounts as paid, and every year is named."""
    monkeypatch.setattr("ansinh.records.controller.today_vn", lambda: date(2024, 12, 31))
    inputs = (await client.get(ESTIMATES, headers=auth)).json()["pension"]["inputs"]
    assert inputs["revaluation"] == "revaluation coefficients not loaded; 1.0 used"
    assert inputs["revaluation_tables"] == []
    assert inputs["years_not_revalued"] == {"salary": [2024, 2025], "income": [2023]}
    assert {(c["year"], c["coefficient"], c["published"]) for c in inputs["revaluation_coefficients"]} == {
        (2023, "1", False),
        (2024, "1", False),
        (2025, "1", False),
    }
    # (6 × 5,000,000 + 12 × 10,000,000 + 3 × 12,000,000) / 21 = 186,000,000 / 21 = 8,857,142.86 → 8,857,143.
    assert inputs["average_salary"] == 8_857_143


async def test_state_scale_months_are_carried_to_the_reference_level(
    client: AsyncTestClient, db_session: AsyncSession, citizen: Citizen, auth: dict[str, str], estimate_date: date
) -> None:
    """Pay coefficient 3.00 × 1,150,000 through 2015 on the State scale, joined before 2016: 3.00 × 2,530,000."""
    employer = await make_employer(db_session)
    await make_period(
        db_session,
        citizen.person.id,
        employer_id=employer.id,
        from_month="2015-01",
        to_month="2015-12",
        salary_base=3_450_000,
        salary_scale="state",
    )
    inputs = (await client.get(ESTIMATES, headers=auth)).json()["pension"]["inputs"]
    assert inputs["average_salary"] == 7_590_000
    assert (inputs["state_scale_months"], inputs["market_salary_months"]) == (12, 0)
    assert inputs["revaluation_coefficients"] == []
    assert inputs["state_scale"] == {
        "averaged_months": 12,
        "average": 7_590_000,
        "reference_level": 2_530_000,
        "base_salaries": [
            {
                "from_month": "2015-01",
                "to_month": "2015-12",
                "months": 12,
                "base_salary": 1_150_000,
                "factor": "2.2000",
            }
        ],
    }
