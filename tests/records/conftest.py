"""Records fixtures: employers, contribution periods, benefits and visits, and tokens minted without HTTP."""

import itertools
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.context import RequestContext
from ansinh.core.settings import Settings
from ansinh.core.tokens import issue_access_token
from ansinh.identity.models import Account
from ansinh.identity.sessions import start_session
from ansinh.records.models import Benefit, ContributionPeriod, Employer, MedicalVisit
from tests.factories import make_citizen, make_facility, make_staff
from tests.identity.conftest import Citizen

_counter = itertools.count(1)
ALL_FUNDS = "RS,SM,OA,UI,HI"


async def make_employer(db: AsyncSession, **overrides: Any) -> Employer:
    n = next(_counter)
    fields: dict[str, Any] = {
        "code": f"TA{n:05d}",
        "name": "Công ty TNHH Sông Hồng",
        "province_code": "01",
        "wage_region": "I",
    }
    fields.update(overrides)
    employer = Employer(**fields)
    db.add(employer)
    await db.commit()
    return employer


async def make_period(db: AsyncSession, person_id: int, **overrides: Any) -> ContributionPeriod:
    fields: dict[str, Any] = {
        "from_month": "2024-01",
        "to_month": "2024-12",
        "scheme": "compulsory",
        "salary_base": 10_000_000,
        "funds": ALL_FUNDS,
        "employer_amount": 2_150_000,
        "employee_amount": 1_050_000,
        "status": "paid",
    }
    fields.update(overrides)
    period = ContributionPeriod(person_id=person_id, **fields)
    db.add(period)
    await db.commit()
    return period


async def make_benefit(db: AsyncSession, person_id: int, **overrides: Any) -> Benefit:
    fields: dict[str, Any] = {
        "type": "sickness",
        "period_from": date(2025, 3, 10),
        "period_to": date(2025, 3, 14),
        "amount": 1_562_500,
        "status": "paid",
        "payment_channel": "bank",
        "decided_on": date(2025, 3, 20),
    }
    fields.update(overrides)
    benefit = Benefit(person_id=person_id, **fields)
    db.add(benefit)
    await db.commit()
    return benefit


async def make_visit(db: AsyncSession, person_id: int, facility_id: int, **overrides: Any) -> MedicalVisit:
    fields: dict[str, Any] = {
        "visit_type": "outpatient",
        "admission_date": date(2025, 9, 2),
        "discharge_date": date(2025, 9, 2),
        "icd10_code": "J06.9",
        "icd10_name": "Nhiễm trùng đường hô hấp trên cấp",
        "total_cost": 350_000,
        "hi_paid": 280_000,
        "patient_paid": 70_000,
    }
    fields.update(overrides)
    # Wholly in the insurance's scope unless told otherwise: the patient's part is the co-payment.
    fields.setdefault("hi_scope_total", fields["total_cost"])
    fields.setdefault("co_payment", fields["patient_paid"])
    visit = MedicalVisit(person_id=person_id, facility_id=facility_id, **fields)
    db.add(visit)
    await db.commit()
    return visit


async def token_for(db: AsyncSession, settings: Settings, account: Account) -> dict[str, str]:
    """An Authorization header for an account, from a session opened directly (no password, no OTP)."""
    pair = await start_session(
        db, settings=settings, account=account, amr="pwd", context=RequestContext(ip="127.0.0.1", user_agent="pytest")
    )
    return {"Authorization": f"Bearer {pair.access_token}"}


@pytest.fixture
async def citizen(db_session: AsyncSession) -> Citizen:
    account, person = await make_citizen(db_session)
    return Citizen(account, person)


@pytest.fixture
async def other_citizen(db_session: AsyncSession) -> Citizen:
    account, person = await make_citizen(db_session, full_name="Phạm Văn Đức", sex="M", date_of_birth=date(1970, 2, 1))
    return Citizen(account, person)


@pytest.fixture
async def auth(db_session: AsyncSession, settings: Settings, citizen: Citizen) -> dict[str, str]:
    """The citizen's bearer header."""
    return await token_for(db_session, settings, citizen.account)


@pytest.fixture
async def staff_auth(db_session: AsyncSession, settings: Settings) -> dict[str, str]:
    return await token_for(db_session, settings, await make_staff(db_session))


@pytest.fixture
def clinic_auth(settings: Settings, app: Litestar) -> dict[str, str]:
    token, _ = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject="clinic-test",
        role="clinic",
        extra={"fac": "01001"},
    )
    return {"Authorization": f"Bearer {token}"}


async def add_known_history(db: AsyncSession, person_id: int) -> None:
    """6 voluntary months (2023), 12 paid at A (2024), then at B 3 owed and 3 paid (2025)."""
    a = await make_employer(db, code="TA00001", name="Công ty TNHH Sông Hồng", wage_region="I")
    b = await make_employer(db, code="TB00002", name="Công ty CP Bến Thành", wage_region="II")
    await make_period(
        db,
        person_id,
        from_month="2023-01",
        to_month="2023-06",
        scheme="voluntary",
        salary_base=5_000_000,
        funds="RS",
        employer_amount=0,
        employee_amount=1_100_000,
    )
    await make_period(db, person_id, employer_id=a.id, from_month="2024-01", to_month="2024-12")
    # 12,000,000 in 2025 (OA 0.5%): employer 14+3+0.5+1+3 = 21.5% → 2,580,000; employee 8+1+1.5 = 10.5% → 1,260,000.
    for first, last, status in (("2025-01", "2025-03", "arrears"), ("2025-04", "2025-06", "paid")):
        await make_period(
            db,
            person_id,
            employer_id=b.id,
            from_month=first,
            to_month=last,
            salary_base=12_000_000,
            employer_amount=2_580_000,
            employee_amount=1_260_000,
            status=status,
        )


ESTIMATE_DATE = date(2026, 12, 7)  # the estimates' "today" in the API tests: the tables in force do not drift


@pytest.fixture
def estimate_date(monkeypatch: pytest.MonkeyPatch) -> date:
    """Estimates computed as of ESTIMATE_DATE instead of the real today."""
    monkeypatch.setattr("ansinh.records.controller.today_vn", lambda: ESTIMATE_DATE)
    return ESTIMATE_DATE


@pytest.fixture
async def history(db_session: AsyncSession, citizen: Citizen) -> Citizen:
    """A known history: 6 voluntary months, 12 paid at A (2024), 3 owed then 3 paid at B (2025)."""
    await add_known_history(db_session, citizen.person.id)  # type: ignore[arg-type]
    return citizen


__all__ = ["make_benefit", "make_employer", "make_facility", "make_period", "make_visit", "token_for"]
