"""Staff record the certificate of no co-payment (NGAY_MIEN_CCT) with the card: shown on it, kept by a reissue, the
holder told, every record audited; and refused when the card does not show 5 continuous years."""

from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import HealthInsuranceCard
from ansinh.core.time import today_vn
from ansinh.identity.models import SecurityEvent
from ansinh.notifications.messages import render
from ansinh.notifications.models import Notification
from tests.cards.conftest import CardHolder, Clinic
from tests.support.problems import assert_problem

Client = AsyncTestClient[Litestar]
CARD = "/api/v1/me/card"


def url(holder: CardHolder) -> str:
    return f"/api/v1/staff/cards/{holder.card.number}/co-payment-exemption"


def grant(exempt_from: date, reason: str = "GCN số 123/2026/BHXH-HN") -> dict[str, Any]:
    return {"exempt_from": exempt_from.isoformat(), "reason": reason}


async def test_staff_record_the_exemption_and_the_card_shows_it_to_the_years_end(
    client: Client, db_session: AsyncSession, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    day = today_vn().replace(month=1, day=5)  # the card's five-year date is 2025-01-01
    response = await client.post(url(holder), json=grant(day), headers=staff_headers)
    assert response.status_code == 200, response.text
    end = date(day.year, 12, 31).isoformat()
    assert response.json() == {
        "number": holder.card.number,
        "serial": holder.card.serial,
        "co_payment_exempt_from": day.isoformat(),
        "co_payment_exempt_until": end,
    }
    card = (await client.get(CARD, headers=holder.headers)).json()
    assert (card["co_payment_exempt_from"], card["co_payment_exempt_until"]) == (day.isoformat(), end)

    [notice] = (
        await db_session.exec(
            select(Notification).where(
                Notification.person_id == holder.person.id, Notification.kind == "copayment_exempt"
            )
        )
    ).all()
    assert notice.params == {"exempt_from": day.isoformat(), "until": end}
    assert f"từ ngày {day:%d/%m/%Y} đến ngày 31/12/{day.year}" in render(notice.kind, notice.params, "vi")[1]
    events = (
        await db_session.exec(
            select(SecurityEvent.kind, SecurityEvent.detail).where(SecurityEvent.kind == "card_co_payment_exempt")
        )
    ).all()
    assert len(events) == 2  # on the staff account and on the holder's
    assert all(detail["reason"] == "GCN số 123/2026/BHXH-HN" for _, detail in events)


async def test_a_reissued_card_keeps_the_exemption(
    client: Client, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    day = today_vn().replace(month=1, day=5)
    await client.post(url(holder), json=grant(day), headers=staff_headers)
    reissued = await client.post(
        f"/api/v1/staff/cards/{holder.card.number}/reissue", json={"reason": "lost"}, headers=staff_headers
    )
    assert reissued.status_code == 201, reissued.text
    card = (await client.get(CARD, headers=holder.headers)).json()
    assert card["serial"] == reissued.json()["serial"]
    assert card["co_payment_exempt_from"] == day.isoformat()


async def test_not_before_the_cards_five_continuous_years(
    client: Client, db_session: AsyncSession, holder: CardHolder, staff_headers: dict[str, str]
) -> None:
    holder.card.five_year_date = today_vn()
    db_session.add(holder.card)
    await db_session.commit()
    day_before = today_vn() - timedelta(days=1)
    early = await client.post(url(holder), json=grant(day_before), headers=staff_headers)
    assert_problem(early, 409, "not-five-continuous-years")
    holder.card.five_year_date = None
    db_session.add(holder.card)
    await db_session.commit()
    refused = await client.post(url(holder), json=grant(today_vn()), headers=staff_headers)
    assert_problem(refused, 409, "not-five-continuous-years")
    stored = (
        await db_session.exec(
            select(HealthInsuranceCard.co_payment_exempt_from).where(col(HealthInsuranceCard.id) == holder.card.id)
        )
    ).one()
    assert stored is None


@pytest.mark.parametrize(
    "body",
    [
        {"exempt_from": "2099-01-01", "reason": "GCN số 1"},  # in the future
        {"exempt_from": "2020-01-01", "reason": "GCN số 1"},  # before last year
        {"exempt_from": "01/06/2026", "reason": "GCN số 1"},
        {"exempt_from": "2026-06-01", "reason": ""},
        {"exempt_from": "2026-06-01"},
    ],
    ids=["future", "too-old", "not-iso", "empty-reason", "no-reason"],
)
async def test_bad_dates_and_reasons_are_a_400(
    client: Client, holder: CardHolder, staff_headers: dict[str, str], body: dict[str, str]
) -> None:
    response = await client.post(url(holder), json=body, headers=staff_headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(CARD, headers=holder.headers)).json()["co_payment_exempt_from"] is None


async def test_only_staff_record_it(client: Client, holder: CardHolder, clinic: Clinic) -> None:
    body = grant(today_vn())
    assert_problem(await client.post(url(holder), json=body), 401, "unauthenticated")
    assert_problem(await client.post(url(holder), json=body, headers=holder.headers), 403, "forbidden")
    assert_problem(await client.post(url(holder), json=body, headers=clinic.headers), 403, "forbidden")
    assert (await client.get(CARD, headers=holder.headers)).json()["co_payment_exempt_from"] is None


async def test_an_unknown_card_is_404(client: Client, staff_headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/staff/cards/0999999999/co-payment-exemption", json=grant(today_vn()), headers=staff_headers
    )
    assert_problem(response, 404, "not-found")
