"""A person's co-payments of a calendar year against the cap (rules.co_payment_year), read from their visits.

The card's side (its date of 5 continuous years, a recorded exemption) comes from the caller: records sits beside
cards, not above it (cards.service.co_payment_dates).
"""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.errors import InvalidInput
from ansinh.records.models import MedicalVisit, VisitDisputeStatus, VisitStatus
from ansinh.records.rules import FIRST_CAP_YEAR, CoPayment, co_payment_year
from ansinh.records.schemas import CoPaymentYearPublic


async def year_payments(
    db: AsyncSession, *, person_years: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], list[CoPayment]]:
    """The co-payments (T_BNCCT) of each (person, year)'s claimed visits discharged in that year, in one query.

    A visit the person showed was not theirs (an upheld "this wasn't me" dispute) is left out: they paid nothing.
    """
    wanted = set(person_years)
    found: dict[tuple[int, int], list[CoPayment]] = {pair: [] for pair in wanted}
    if not wanted:
        return found
    years = [year for _, year in wanted]
    # IS DISTINCT FROM, not <>: a visit never disputed has NULLs there, and it counts.
    mine = or_(
        col(MedicalVisit.dispute_status).is_distinct_from(VisitDisputeStatus.UPHELD.value),
        col(MedicalVisit.dispute_ground).is_distinct_from("not_me"),
    )
    rows = await db.exec(
        select(MedicalVisit.person_id, MedicalVisit.discharge_date, MedicalVisit.co_payment).where(
            col(MedicalVisit.person_id).in_({person_id for person_id, _ in wanted}),
            MedicalVisit.status == VisitStatus.CLAIMED.value,
            col(MedicalVisit.discharge_date).between(date(min(years), 1, 1), date(max(years), 12, 31)),
            col(MedicalVisit.co_payment) > 0,
            mine,
        )
    )
    for person_id, paid_on, amount in rows.all():
        if paid_on is not None and (person_id, paid_on.year) in found:
            found[(person_id, paid_on.year)].append(CoPayment(paid_on=paid_on, amount=amount))
    return found


async def co_payment_summary(
    db: AsyncSession,
    *,
    person_id: int,
    year: int,
    today: date,
    five_year_date: date | None,
    exempt_from: date | None,
) -> CoPaymentYearPublic:
    """The year's total, cap, gap, the 5-year condition (the card's ``five_year_date``) and the exemption, earned and
    recorded (``exempt_from``, NGAY_MIEN_CCT); 400 for a year outside the rule's years."""
    if not FIRST_CAP_YEAR <= year <= today.year:
        raise InvalidInput(
            f"The year must be from {FIRST_CAP_YEAR} to {today.year}.",
            f"Năm phải từ {FIRST_CAP_YEAR} đến {today.year}.",
            extra={"year": year},
        )
    payments = (await year_payments(db, person_years=[(person_id, year)]))[(person_id, year)]
    result = co_payment_year(payments, year=year, five_year_date=five_year_date, today=today)
    return CoPaymentYearPublic(
        year=result.year,
        as_of=result.on,
        total=result.total,
        visits=result.payments,
        cap=result.cap,
        cap_on=result.cap_on,
        base_salary=result.base_salary,
        base_salary_effective_from=result.base_salary_from,
        gap=result.gap,
        cap_reached=result.reached_on is not None,
        reached_on=result.reached_on,
        five_year_date=result.five_year_date,
        five_years=result.five_years,
        continuous_years=result.continuous_years,
        eligible_from=result.eligible_from,
        exempt_from=exempt_from if exempt_from is not None and exempt_from.year == year else None,
        rule_version=result.rule_version,
        legal_basis=result.legal_basis,
    )
