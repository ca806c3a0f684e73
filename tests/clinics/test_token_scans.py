"""The one-statement QR scan on PostgreSQL: a genuine token's card is read, judged and the scan logged (with the
holder's notice when they asked for one) in one statement, and answers exactly as the Python rules would."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus, DecreaseReason, HealthInsuranceCard
from ansinh.cards.results import CheckResult, card_standing
from ansinh.clinics.models import CardCheck
from ansinh.clinics.recorder import CARD_CHECK_NOTICE_LINK, CheckRecorder, TokenScan
from ansinh.core.db import session_factory
from ansinh.core.settings import Settings
from ansinh.core.statements import create_statements
from ansinh.core.time import today_vn
from ansinh.facilities.models import MedicalFacility
from ansinh.notifications.models import Notification, NotificationPreference
from tests.factories import make_card, make_clinic_client, make_facility, make_person

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
TODAY = today_vn(NOW)


@pytest.fixture
async def recorder(engine: AsyncEngine, settings: Settings) -> AsyncIterator[CheckRecorder]:
    statements = create_statements(settings)
    recorder = CheckRecorder(session_factory(engine), statements=statements)
    yield recorder
    await recorder.drain()
    await statements.close()


@pytest.fixture
async def facility(db_session: AsyncSession) -> MedicalFacility:
    _client, facility = await make_clinic_client(db_session)
    return facility


@pytest.fixture
def card_for(db_session: AsyncSession) -> Callable[..., Any]:
    async def make(**card: Any) -> HealthInsuranceCard:
        person = await make_person(db_session)
        return await make_card(db_session, person=person, facility=await make_facility(db_session), **card)

    return make


def token_scan(facility: MedicalFacility, card: HealthInsuranceCard | None, n: int = 1, **overrides: Any) -> TokenScan:
    values = {
        "facility_id": facility.id,
        "client_id": "clinic-test",
        "staff_name": "Nguyễn Thị Lan",
        "staff_citizen_id": "001090000001",
        "method": "qr",
        "token_id": f"jti-{n}",
        "checked_at": overrides.pop("checked_at", NOW),
    }
    fields: dict[str, Any] = {
        "values": values,
        "card_serial": card.serial if card else "NO-SUCH-SERIAL",
        "card_number": card.number if card else "0000000000",
        "token_result": CheckResult.VALID,
        "facility_name": facility.name,
    }
    return TokenScan(**{**fields, **overrides})


async def logged(db: AsyncSession, check_id: int) -> CardCheck:
    return (await db.exec(select(CardCheck).where(CardCheck.id == check_id))).one()


DAY = timedelta(days=1)
DATES = {  # the card's dates around today: (valid_from, valid_to)
    "in force": (TODAY - 30 * DAY, TODAY + 30 * DAY),
    "first day": (TODAY, TODAY + 30 * DAY),
    "last day": (TODAY - 30 * DAY, TODAY),
    "ended yesterday": (TODAY - 30 * DAY, TODAY - DAY),
    "starts tomorrow": (TODAY + DAY, TODAY + 30 * DAY),
}


# Every registry state a card can be in: (status, decrease reason, beneficiary group).
STATES = [
    *((status.value, None, "DN") for status in CardStatus if status is not CardStatus.DECREASED),
    *((CardStatus.DECREASED.value, reason.value, "DN") for reason in DecreaseReason),
    *((CardStatus.ACTIVE.value, None, group) for group in ("QN", "CY", "CA")),
    (CardStatus.SUSPENDED.value, None, "CA"),
]


@pytest.mark.parametrize(("status", "reason", "group"), STATES)
@pytest.mark.parametrize("dates", list(DATES))
async def test_the_standing_is_what_card_standing_says_and_the_scan_is_logged_with_it(
    recorder: CheckRecorder,
    db_session: AsyncSession,
    facility: MedicalFacility,
    card_for: Callable[..., Any],
    status: str,
    reason: str | None,
    group: str,
    dates: str,
) -> None:
    """The SQL CASE of the one-statement scan and ``card_standing`` give the same code for every state and date."""
    valid_from, valid_to = DATES[dates]
    card = await card_for(
        status=status, decrease_reason=reason, beneficiary_group=group, valid_from=valid_from, valid_to=valid_to
    )
    row = await recorder.record_token_scan(token_scan(facility, card))
    expected = card_standing(
        status=status,
        valid_from=valid_from,
        valid_to=valid_to,
        today=TODAY,
        beneficiary_group=group,
        decrease_reason=reason,
    )
    assert row["result"] == expected.value
    assert (row["c_id"], row["c_number"], row["p_id"], row["f_code"]) == (
        card.id,
        card.number,
        card.person_id,
        (await db_session.get(MedicalFacility, card.primary_facility_id)).code,  # type: ignore[union-attr]
    )
    check = await logged(db_session, row["check_id"])
    assert (check.result, check.card_id, check.person_id, check.token_id) == (
        expected.value,
        card.id,
        card.person_id,
        "jti-1",
    )


async def test_the_card_dates_are_compared_with_vietnams_date(
    recorder: CheckRecorder, facility: MedicalFacility, card_for: Callable[..., Any]
) -> None:
    card = await card_for(valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    last_evening = datetime(2026, 12, 31, 16, 59, tzinfo=UTC)  # 23:59 in Vietnam
    next_morning = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 00:00 on 1 January in Vietnam
    assert (await recorder.record_token_scan(token_scan(facility, card, checked_at=last_evening)))["result"] == "000"
    assert (await recorder.record_token_scan(token_scan(facility, card, checked_at=next_morning)))["result"] == "010"


async def test_an_unknown_serial_or_a_serial_with_another_number_is_050_and_logged_against_nobody(
    recorder: CheckRecorder, db_session: AsyncSession, facility: MedicalFacility, card_for: Callable[..., Any]
) -> None:
    card = await card_for()
    for scan in (token_scan(facility, None), token_scan(facility, card, card_number="9999999999")):
        row = await recorder.record_token_scan(scan)
        assert row["result"] == CheckResult.NO_SUCH_CARD.value
        assert row["c_id"] is None
        assert row["p_full_name"] is None
        check = await logged(db_session, row["check_id"])
        assert (check.result, check.card_id, check.person_id) == ("050", None, None)


async def test_an_expired_token_of_a_real_card_is_205_and_logged_against_its_holder(
    recorder: CheckRecorder, db_session: AsyncSession, facility: MedicalFacility, card_for: Callable[..., Any]
) -> None:
    card = await card_for(status=CardStatus.SUSPENDED.value)  # the token's own fault comes first
    row = await recorder.record_token_scan(token_scan(facility, card, token_result=CheckResult.TOKEN_EXPIRED))
    assert row["result"] == CheckResult.TOKEN_EXPIRED.value
    check = await logged(db_session, row["check_id"])
    assert (check.result, check.card_id, check.person_id) == ("905", card.id, card.person_id)


async def notices(db: AsyncSession, person_id: int) -> list[Notification]:
    return list((await db.exec(select(Notification).where(Notification.person_id == person_id))).all())


async def test_a_holder_who_opted_in_hears_of_valid_checks_only_and_in_the_same_statement(
    recorder: CheckRecorder, db_session: AsyncSession, facility: MedicalFacility, card_for: Callable[..., Any]
) -> None:
    card = await card_for()
    suspended = await card_for(status=CardStatus.SUSPENDED.value)
    for holder in (card.person_id, suspended.person_id):
        db_session.add(NotificationPreference(person_id=holder, card_checked=True))
    await db_session.commit()
    valid = await recorder.record_token_scan(token_scan(facility, card, 1))
    await recorder.record_token_scan(token_scan(facility, card, 2, token_result=CheckResult.TOKEN_EXPIRED))
    await recorder.record_token_scan(token_scan(facility, suspended, 3))
    assert valid["wants_notice"] is True
    [notice] = await notices(db_session, card.person_id)
    assert (notice.kind, notice.dedupe_key, notice.link, notice.push_state) == (
        "card_checked",
        f"card-check:{valid['check_id']}",
        CARD_CHECK_NOTICE_LINK,
        "pending",
    )
    assert notice.params == {"facility": facility.name, "checked_at": NOW.isoformat()}  # as notify() writes it
    assert notice.read_at is None
    assert notice.created_at.tzinfo is not None
    assert await notices(db_session, suspended.person_id) == []


async def test_a_holder_who_did_not_opt_in_hears_nothing(
    recorder: CheckRecorder, db_session: AsyncSession, facility: MedicalFacility, card_for: Callable[..., Any]
) -> None:
    card = await card_for()
    row = await recorder.record_token_scan(token_scan(facility, card))
    assert row["result"] == "000"
    assert not row["wants_notice"]
    assert await notices(db_session, card.person_id) == []


async def test_concurrent_scans_share_statements_and_each_gets_its_own_card_and_record(
    recorder: CheckRecorder, db_session: AsyncSession, facility: MedicalFacility, card_for: Callable[..., Any]
) -> None:
    cards = [await card_for() for _ in range(6)]
    scans = [token_scan(facility, cards[n % 6] if n % 7 else None, n) for n in range(30)]
    rows = await asyncio.gather(*(recorder.record_token_scan(scan) for scan in scans))
    assert recorder.records == 30
    assert recorder.batches < 30
    assert len({row["check_id"] for row in rows}) == 30
    for scan, row in zip(scans, rows, strict=True):
        expected_card = next((c for c in cards if c.serial == scan.card_serial), None)
        assert row["c_id"] == (expected_card.id if expected_card else None)
        check = await logged(db_session, row["check_id"])
        assert check.token_id == scan.values["token_id"]
        assert check.card_id == row["c_id"]
