"""The citizen's co-payments of a year against the cap: the visits' side from records, the card's from cards.

It lives with the public services because it is the ground of one (the certificate of no co-payment for the year,
giấy chứng nhận không cùng chi trả trong năm) and because only a domain above both cards and records may join them.
"""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.service import co_payment_dates
from ansinh.identity.citizens import citizen_person_id
from ansinh.records.copayment import co_payment_summary
from ansinh.records.schemas import CoPaymentYearPublic


async def my_co_payment_year(
    db: AsyncSession, *, account_id: int, year: int | None, today: date
) -> CoPaymentYearPublic:
    """The citizen's co-payments of ``year`` (default: this year) against the cap, and the exemption."""
    person_id = await citizen_person_id(db, account_id=account_id)
    five_year_date, exempt_from = (await co_payment_dates(db, person_ids=[person_id])).get(person_id, (None, None))
    return await co_payment_summary(
        db,
        person_id=person_id,
        year=today.year if year is None else year,
        today=today,
        five_year_date=five_year_date,
        exempt_from=exempt_from,
    )
