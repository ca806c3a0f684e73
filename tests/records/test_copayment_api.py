"""GET /me/copayment: a year's co-payments against the cap, read from the citizen's visits; and the one notice a year
when a person with 5 continuous years passes it, as claims arrive from hospital software."""

from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import HealthInsuranceCard
from ansinh.notifications.messages import render
from ansinh.notifications.models import Notification
from ansinh.records.models import MedicalVisit
from tests.factories import make_card, make_citizen, make_facility
from tests.gateway.conftest import GatewayFacility, gateway_facility, signed_in
from tests.identity.conftest import Citizen
from tests.records.conftest import make_visit
from tests.support import his
from tests.support.problems import assert_problem

__all__ = ["gateway_facility"]

Client = AsyncTestClient[Litestar]
COPAYMENT = "/api/v1/me/copayment"
CLAIM_URL = "/api/qd130/guiHoSoXmlQD4750"
TODAY = date(2026, 12, 7)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """The endpoint's today pinned, so this year's figures do not drift."""
    monkeypatch.setattr("ansinh.applications.controller.today_vn", lambda: TODAY)
    return TODAY


async def stay(db: AsyncSession, person_id: int, facility_id: int, discharged: date, co_payment: int, **kw: Any) -> Any:
    """A claimed visit discharged on ``discharged`` whose patient co-paid ``co_payment``."""
    return await make_visit(
        db,
        person_id,
        facility_id,
        admission_date=discharged,
        discharge_date=discharged,
        total_cost=co_payment * 5,
        hi_paid=co_payment * 4,
        patient_paid=co_payment,
        **kw,
    )


async def test_the_year_shows_total_cap_and_gap_from_the_citizens_own_visits(
    client: Client,
    db_session: AsyncSession,
    citizen: Citizen,
    other_citizen: Citizen,
    auth: dict[str, str],
    today: date,
) -> None:
    facility = await make_facility(db_session)
    await make_card(db_session, person=citizen.person, facility=facility, five_year_date=date(2019, 1, 1))
    me, other = citizen.person.id, other_citizen.person.id
    await stay(db_session, me, facility.id, date(2026, 2, 3), 1_200_000)  # type: ignore[arg-type]
    await stay(db_session, me, facility.id, date(2026, 9, 14), 800_000)  # type: ignore[arg-type]
    await stay(db_session, me, facility.id, date(2025, 12, 31), 9_000_000)  # type: ignore[arg-type]  # another year
    await stay(db_session, other, facility.id, date(2026, 3, 3), 5_000_000)  # type: ignore[arg-type]  # someone else
    # A check-in has no claim yet: nothing paid to count.
    checked_in = {"status": "in_progress", "discharge_date": None, "icd10_code": None, "icd10_name": None}
    await make_visit(
        db_session,
        me,  # type: ignore[arg-type]
        facility.id,  # type: ignore[arg-type]
        admission_date=date(2026, 11, 30),
        total_cost=0,
        hi_paid=0,
        patient_paid=0,
        **checked_in,
    )

    response = await client.get(COPAYMENT, headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store, private"
    body = response.json()
    # 6 × 2,530,000 (Nghị định 161/2026, from 2026-07-01): the cap in force on 7 December 2026.
    assert body == {
        "year": 2026,
        "as_of": "2026-12-07",
        "total": 2_000_000,
        "visits": 2,
        "cap": 15_180_000,
        "cap_on": "2026-12-07",
        "base_salary": 2_530_000,
        "base_salary_effective_from": "2026-07-01",
        "gap": 13_180_000,
        "cap_reached": False,
        "reached_on": None,
        "five_year_date": "2019-01-01",
        "five_years": True,
        "continuous_years": 5,
        "eligible_from": None,
        "exempt_from": None,
        "rule_version": "HI-Decree-188/2025",
        "legal_basis": body["legal_basis"],
    }
    assert "Điều 22 khoản 1" in body["legal_basis"]
    assert "Nghị định 161/2026/NĐ-CP" in body["legal_basis"]


async def test_a_past_year_across_the_base_salary_change_shows_when_the_cap_was_passed(
    client: Client, db_session: AsyncSession, citizen: Citizen, auth: dict[str, str], today: date
) -> None:
    facility = await make_facility(db_session)
    card = await make_card(db_session, person=citizen.person, facility=facility, five_year_date=date(2019, 1, 1))
    me = citizen.person.id
    await stay(db_session, me, facility.id, date(2024, 3, 1), 6_000_000)  # type: ignore[arg-type]
    await stay(db_session, me, facility.id, date(2024, 6, 20), 5_000_000)  # type: ignore[arg-type]
    await stay(db_session, me, facility.id, date(2024, 10, 2), 1_000_000)  # type: ignore[arg-type]
    recorded = update(HealthInsuranceCard).where(col(HealthInsuranceCard.id) == card.id)
    await db_session.exec(recorded.values(co_payment_exempt_from=date(2024, 6, 20)))  # type: ignore[call-overload]
    await db_session.commit()

    body = (await client.get(COPAYMENT, params={"year": 2024}, headers=auth)).json()
    # 11,000,000 by 20 June 2024 > 6 × 1,800,000 = 10,800,000 (Nghị định 24/2023), the cap in force that day.
    assert {k: body[k] for k in ("total", "visits", "cap", "cap_on", "base_salary", "gap", "cap_reached")} == {
        "total": 12_000_000,
        "visits": 3,
        "cap": 10_800_000,
        "cap_on": "2024-06-20",
        "base_salary": 1_800_000,
        "gap": 0,
        "cap_reached": True,
    }
    assert (body["as_of"], body["reached_on"], body["eligible_from"]) == ("2024-12-31", "2024-06-20", "2024-06-20")
    assert body["exempt_from"] == "2024-06-20"  # the certificate recorded with the card (NGAY_MIEN_CCT)
    assert body["rule_version"] == "HI-Decree-146/2018"
    # The exemption is for its own calendar year only.
    assert (await client.get(COPAYMENT, params={"year": 2025}, headers=auth)).json()["exempt_from"] is None


@pytest.mark.parametrize("year", ["2014", "2027", "0", "10000", "abc", "2026.5"])
async def test_a_year_outside_the_rule_or_not_a_year_is_a_400(
    client: Client, citizen: Citizen, auth: dict[str, str], today: date, year: str
) -> None:
    response = await client.get(COPAYMENT, params={"year": year}, headers=auth)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_without_a_card_the_year_is_shown_without_five_years(
    client: Client, citizen: Citizen, auth: dict[str, str], today: date
) -> None:
    body = (await client.get(COPAYMENT, headers=auth)).json()
    assert (body["total"], body["five_year_date"], body["five_years"], body["eligible_from"]) == (0, None, False, None)


async def test_only_a_signed_in_citizen_reads_it(
    client: Client, clinic_auth: dict[str, str], staff_auth: dict[str, str]
) -> None:
    assert_problem(await client.get(COPAYMENT), 401, "unauthenticated")
    assert_problem(await client.get(COPAYMENT, headers=clinic_auth), 403, "forbidden")
    assert_problem(await client.get(COPAYMENT, headers=staff_auth), 403, "forbidden")


# --- the notice, as claims arrive ----------------------------------------------------------------------------------


def _stay(person: Any, key: str, day: str, co_payment: int) -> dict[str, str]:
    """A day's stay of one bed-day costing 5 × ``co_payment``, of which the patient co-pays ``co_payment``."""
    total = co_payment * 5
    bed_day = {
        "MA_LK": key, "STT": 1, "MA_DICH_VU": "K01.1904", "TEN_DICH_VU": "Ngày giường bệnh Nội khoa",
        "DON_VI_TINH": "Ngày", "SO_LUONG": "1", "DON_GIA_BV": total, "DON_GIA_BH": total, "THANH_TIEN_BV": total,
        "THANH_TIEN_BH": total, "MUC_HUONG": "80", "T_BNTT": "0", "T_BNCCT": co_payment, "T_BHTT": total - co_payment,
        "NGAY_YL": f"{day}0800",
    }  # fmt: skip
    return his.claim_tables(
        visit_key=key,
        name=person.full_name,
        birth=person.date_of_birth.strftime("%Y%m%d0000"),
        card=person.si_code,
        citizen_id=person.citizen_id,
        facility="01001",
        admitted=f"{day}0800",
        discharged=f"{day}1600",
        drugs=[],
        services=[bed_day],
    )


async def _send(client: Client, headers: dict[str, str], *stays: dict[str, str]) -> None:
    """One GIAMDINHHS envelope of ``stays``, every one accepted."""
    envelope = his.envelope("01001", [his.hoso(tables) for tables in stays])
    form = his.form_body(username="01001_BV", kind="130", facility="01001", file=envelope)
    sent = await client.post(
        CLAIM_URL, content=form, headers={**headers, "content-type": "application/x-www-form-urlencoded"}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["thongDiep"] == f"Đã tiếp nhận {len(stays)} hồ sơ.", sent.text


async def _claim(client: Client, headers: dict[str, str], person: Any, key: str, day: str, co_payment: int) -> None:
    await _send(client, headers, _stay(person, key, day, co_payment))


async def _cap_notices(db: AsyncSession, person_id: int) -> list[Notification]:
    rows = await db.exec(
        select(Notification)
        .where(Notification.person_id == person_id, Notification.kind == "copayment_cap_reached")
        .order_by(col(Notification.id))
    )
    return list(rows.all())


async def test_passing_the_cap_with_five_years_is_told_once_with_what_to_do(
    client: Client, db_session: AsyncSession, gateway_facility: GatewayFacility
) -> None:
    _, person = await make_citizen(db_session, full_name="Đặng Văn Năm", sex="M", date_of_birth=date(1965, 4, 4))
    await make_card(db_session, person=person, facility=gateway_facility.facility, five_year_date=date(2018, 1, 1))
    gateway = (await signed_in(client)).headers()

    await _claim(client, gateway, person, "LK-2024-A", "20240305", 6_000_000)
    assert await _cap_notices(db_session, person.id) == []  # type: ignore[arg-type]  # 6,000,000 < 10,800,000
    await _claim(client, gateway, person, "LK-2024-B", "20240612", 5_000_000)  # 11,000,000: passed on 12 June
    await _claim(client, gateway, person, "LK-2024-C", "20240901", 2_000_000)  # still passed: no second notice
    await _claim(client, gateway, person, "LK-2024-B", "20240612", 5_000_000)  # a resubmission: no second notice
    [notice] = await _cap_notices(db_session, person.id)  # type: ignore[arg-type]
    assert notice.params == {"year": 2024, "total": 11_000_000, "cap": 10_800_000, "eligible_from": "2024-06-12"}
    assert (notice.link, notice.push_state) == ("#/benefits", "pending")
    vi_title, vi_body = render(notice.kind, notice.params, "vi")
    assert vi_title == "Bạn không phải cùng chi trả đến hết năm"
    assert "từ ngày 12/06/2024" in vi_body
    assert "Giấy chứng nhận không cùng chi trả trong năm" in vi_body
    assert "11.000.000 đồng" in vi_body
    visits = (await db_session.exec(select(MedicalVisit).where(MedicalVisit.person_id == person.id))).all()
    assert sorted(v.co_payment for v in visits) == [2_000_000, 5_000_000, 6_000_000]


async def test_no_notice_without_five_years_or_once_the_exemption_is_recorded(
    client: Client, db_session: AsyncSession, gateway_facility: GatewayFacility
) -> None:
    _, newcomer = await make_citizen(db_session, full_name="Vũ Thị Mới", date_of_birth=date(1999, 9, 9))
    await make_card(db_session, person=newcomer, facility=gateway_facility.facility, five_year_date=date(2027, 1, 1))
    _, exempt = await make_citizen(db_session, full_name="Lý Văn Đã Miễn", sex="M", date_of_birth=date(1960, 1, 1))
    await make_card(
        db_session,
        person=exempt,
        facility=gateway_facility.facility,
        five_year_date=date(2015, 1, 1),
        co_payment_exempt_from=date(2024, 5, 2),
    )
    gateway = (await signed_in(client)).headers()
    await _claim(client, gateway, newcomer, "LK-NEW-1", "20240702", 15_000_000)
    await _claim(client, gateway, exempt, "LK-EX-1", "20240702", 15_000_000)
    assert await _cap_notices(db_session, newcomer.id) == []  # type: ignore[arg-type]
    assert await _cap_notices(db_session, exempt.id) == []  # type: ignore[arg-type]


async def test_claims_of_one_request_passing_the_cap_together_tell_once(
    client: Client, db_session: AsyncSession, gateway_facility: GatewayFacility
) -> None:
    _, person = await make_citizen(db_session, full_name="Phan Thị Sáu", date_of_birth=date(1958, 6, 6))
    await make_card(db_session, person=person, facility=gateway_facility.facility, five_year_date=date(2016, 6, 6))
    gateway = (await signed_in(client)).headers()
    # Three stays in one envelope (stored together): 4,000,000 + 4,000,000 + 4,000,000 passes 10,800,000 on 3 May.
    stays = [_stay(person, f"LK-SAU-{n}", f"2024050{n}", 4_000_000) for n in (1, 2, 3)]
    await _send(client, gateway, *stays)
    [notice] = await _cap_notices(db_session, person.id)  # type: ignore[arg-type]
    assert notice.params == {"year": 2024, "total": 12_000_000, "cap": 10_800_000, "eligible_from": "2024-05-03"}
