"""Household HI payments: priced once, idempotent under retries and races, settled once by a signed callback."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus, HealthInsuranceCard
from ansinh.core.settings import Settings
from ansinh.core.time import today_vn, utcnow
from ansinh.households import billing
from ansinh.households.models import (
    ConsentState,
    Household,
    HouseholdMember,
    HouseholdPayment,
    HouseholdPaymentLine,
    PaymentEvent,
    Relation,
)
from ansinh.households.provider import SimulatedProvider, callback_body, sign
from tests.factories import bearer_for, make_citizen
from tests.households.conftest import Family, FamilyBuilder, Member
from tests.support.problems import assert_problem

Client = AsyncTestClient[Litestar]
QUOTE = "/api/v1/households/mine/quote"
PAYMENTS = "/api/v1/households/mine/payments"
EVENTS = "/api/v1/households/mine/events"
CALLBACK = "/api/v1/payments/callback"
T = TypeVar("T")
PAID_UNTIL = date(2030, 6, 30)  # An's household card runs until then: a payment continues it on 1 July 2030
ADULT = date(1982, 8, 8)


# --- helpers ------------------------------------------------------------------------------------------------------


async def pay(
    client: Client | httpx.AsyncClient,
    member: Member,
    key: str | None,
    *,
    months: int = 3,
    member_ids: list[int] | None = None,
) -> httpx.Response:
    headers = dict(member.headers) | ({"Idempotency-Key": key} if key is not None else {})
    body: dict = {"months": months} | ({"member_ids": member_ids} if member_ids is not None else {})
    return await client.post(PAYMENTS, json=body, headers=headers)


async def fresh(db: AsyncSession, model: type[T], row_id: int | None) -> T:
    """The row as committed now (the test session keeps objects across commits: reload them)."""
    await db.commit()
    row = await db.get(model, row_id, populate_existing=True)
    assert row is not None
    return row


async def provider_ref(db: AsyncSession, payment_id: int) -> str:
    return (await fresh(db, HouseholdPayment, payment_id)).provider_ref


def signed(body: bytes, secret: str, *, at: datetime | None = None) -> dict[str, str]:
    timestamp = int((at or utcnow()).timestamp())
    return {"X-AnSinh-Signature": sign(body, secret=secret, timestamp=timestamp), "Content-Type": "application/json"}


async def post_callback(
    client: Client, settings: Settings, body: bytes, *, secret: str | None = None, at: datetime | None = None
) -> httpx.Response:
    return await client.post(
        CALLBACK, content=body, headers=signed(body, secret or settings.payment_hmac_secret, at=at)
    )


def event(
    payment: dict, ref: str, status: str = "confirmed", *, event_id: str = "evt-0001", amount: int | None = None
) -> bytes:
    """The provider's callback body for ``payment``."""
    return callback_body(
        event_id=event_id, provider_ref=ref, status=status, amount=payment["amount"] if amount is None else amount
    )


async def card_of(db: AsyncSession, person_id: int | None) -> HealthInsuranceCard | None:
    await db.commit()
    return (
        await db.exec(
            select(HealthInsuranceCard)
            .where(HealthInsuranceCard.person_id == person_id, HealthInsuranceCard.status != CardStatus.REPLACED)
            .execution_options(populate_existing=True)
        )
    ).first()


async def count(db: AsyncSession, model: type, *where: object) -> int:
    await db.commit()
    return (await db.exec(select(func.count()).select_from(model).where(*where))).one()  # type: ignore[arg-type]


async def other_households_payment(db: AsyncSession) -> int:
    """The id of a pending payment of another household (for its head, who has no card)."""
    account, head = await make_citizen(db, full_name="Trần Văn Hàng Xóm", date_of_birth=date(1975, 1, 1))
    household = Household(code="HGD79OTHER001", address="1 Nguyễn Huệ", province_code="79", head_person_id=head.id)
    db.add(household)
    await db.commit()
    db.add(HouseholdMember(household_id=household.id, person_id=head.id, relation=Relation.HEAD, enrolment_order=1))
    await db.commit()
    payment, _ = await billing.create_payment(
        db,
        account_id=account.id,  # type: ignore[arg-type]
        idempotency_key="neighbour",
        months=3,
        member_ids=None,
        provider=SimulatedProvider(),
    )
    return payment.id


# --- fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture
async def kids(builder: FamilyBuilder) -> list[Member]:
    """An (household card until PAID_UNTIL) then Bình (no card yet): 3 months cost 341,550 + 239,085."""
    an = await builder.add("Lê Thị An", born=date(2012, 4, 1), valid_to=PAID_UNTIL)
    binh = await builder.add("Lê Văn Bình", born=date(2015, 9, 2), group=None)
    return [an, binh]


@asynccontextmanager
async def concurrent_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests really interleave: the app runs in the test's event loop.

    Litestar's AsyncTestClient hands each request to a blocking portal, so ``asyncio.gather`` over it runs the
    requests one after the other and never races.
    """
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield client


@pytest.fixture
async def pending(client: Client, family: Family, kids: list[Member]) -> dict:
    """A pending 3-month payment for both children."""
    response = await pay(client, family.head, "pay-kids-1")
    assert response.status_code == 201, response.text
    return response.json()


# --- creating a payment -------------------------------------------------------------------------------------------


async def test_a_payment_is_created_pending_with_the_amount_of_the_quote(
    client: Client, family: Family, kids: list[Member]
) -> None:
    an, binh = kids
    quote = (await client.get(QUOTE, params={"months": 3}, headers=family.head.headers)).json()
    response = await pay(client, family.head, "first-payment")
    assert response.status_code == 201, response.text
    assert "Idempotent-Replayed" not in response.headers
    body = response.json()
    assert body["status"] == "pending"
    assert (body["amount"], body["months"], body["base_salary"], body["base_salary_effective_from"]) == (
        580_635,
        3,
        2_530_000,
        "2026-07-01",
    )
    assert body["priced_on"] == today_vn().isoformat()
    assert [(line["member_id"], line["order"], line["factor"], line["amount"]) for line in body["lines"]] == [
        (an.member.id, 1, 1.0, 341_550),
        (binh.member.id, 2, 0.7, 239_085),
    ]
    assert body["lines"][0]["covered_from"] == "2030-07-01"
    assert body["lines"][0]["covered_until"] == "2030-09-30"
    assert body["lines"][1]["covered_from"] == today_vn().isoformat()
    assert body["lines"] == quote["lines"]
    assert body["amount"] == quote["total"]
    assert (body["provider"], body["receipt_no"], body["settled_at"]) == ("simulated", None, None)
    created, expires = datetime.fromisoformat(body["created_at"]), datetime.fromisoformat(body["expires_at"])
    assert expires - created == timedelta(minutes=30)


async def test_the_payment_is_priced_by_the_vietnam_date_and_keeps_its_amount(
    db_session: AsyncSession, family: Family, kids: list[Member]
) -> None:
    assert family.head.account is not None
    # 23:30 on 30 June in Hà Nội is 16:30 UTC: the 2024 base salary prices it, and that amount is kept.
    payment, created = await billing.create_payment(
        db_session,
        account_id=family.head.account.id,
        idempotency_key="late-june",
        months=3,
        member_ids=None,
        provider=SimulatedProvider(),
        now=datetime(2026, 6, 30, 16, 30, tzinfo=UTC),
    )
    assert created
    assert (payment.priced_on, payment.base_salary, payment.base_salary_effective_from) == (
        date(2026, 6, 30),
        2_340_000,
        date(2024, 7, 1),
    )
    assert [(line.monthly_amount, line.amount) for line in payment.lines] == [(105_300, 315_900), (73_710, 221_130)]
    assert payment.amount == 537_030
    # Bình had no card: covered from the payment's Vietnam date for three months.
    assert (payment.lines[1].covered_from, payment.lines[1].covered_until) == (date(2026, 6, 30), date(2026, 9, 29))
    row = await fresh(db_session, HouseholdPayment, payment.id)
    assert (row.amount, row.priced_on) == (537_030, date(2026, 6, 30))


async def test_a_repeated_request_with_the_same_key_returns_the_same_payment(
    client: Client, db_session: AsyncSession, family: Family, pending: dict
) -> None:
    again = await pay(client, family.head, "pay-kids-1")
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == pending
    assert await count(db_session, HouseholdPayment) == 1


async def test_the_same_member_ids_in_another_order_are_the_same_request(
    client: Client, db_session: AsyncSession, family: Family, kids: list[Member]
) -> None:
    an, binh = kids
    first = await pay(client, family.head, "ordered", member_ids=[an.member.id, binh.member.id])
    again = await pay(client, family.head, "ordered", member_ids=[binh.member.id, an.member.id])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert await count(db_session, HouseholdPayment) == 1


@pytest.mark.parametrize("change", ["months", "member_ids"])
async def test_the_same_key_with_another_body_is_a_422(
    client: Client, db_session: AsyncSession, family: Family, kids: list[Member], pending: dict, change: str
) -> None:
    if change == "months":
        response = await pay(client, family.head, "pay-kids-1", months=6)
    else:
        response = await pay(client, family.head, "pay-kids-1", member_ids=[kids[0].member.id])
    assert_problem(response, 422, "idempotency-key-reused")
    assert await count(db_session, HouseholdPayment) == 1


@pytest.mark.parametrize(
    ("key", "status"),
    [(None, 400), ("", 400), ("k" * 65, 400), ("with space", 400), ("khóa", 400), ("k" * 64, 201), ("a", 201)],
)
async def test_the_idempotency_key_is_required_and_1_to_64_visible_ascii_characters(
    client: Client, db_session: AsyncSession, family: Family, kids: list[Member], key: str | None, status: int
) -> None:
    headers = dict(family.head.headers) | ({"Idempotency-Key": key.encode()} if key is not None else {})
    response = await client.post(PAYMENTS, json={"months": 3}, headers=headers)  # type: ignore[arg-type]
    if status == 400:
        assert "Idempotency-Key" in assert_problem(response, 400, "invalid-request")["detail"]
        assert await count(db_session, HouseholdPayment) == 0
    else:
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "body",
    [
        {"months": 4},
        {"months": "three"},
        {},
        {"months": 3, "member_ids": []},
        {"months": 3, "member_ids": ["x"]},
        {"months": 3, "member_ids": list(range(1, 52))},
    ],
)
async def test_a_malformed_payment_request_is_a_400(
    client: Client, db_session: AsyncSession, family: Family, kids: list[Member], body: dict
) -> None:
    response = await client.post(PAYMENTS, json=body, headers=family.head.headers | {"Idempotency-Key": "bad-body"})
    assert_problem(response, 400, "invalid-request")
    assert await count(db_session, HouseholdPayment) == 0


async def test_paying_for_a_member_who_cannot_be_paid_for_is_a_400(
    client: Client, db_session: AsyncSession, family: Family, builder: FamilyBuilder, kids: list[Member]
) -> None:
    waiting = await builder.add("Phạm Thị Chờ", born=ADULT, relation=Relation.SPOUSE, consent=ConsentState.PENDING)
    response = await pay(client, family.head, "not-consented", member_ids=[kids[0].member.id, waiting.member.id])
    assert assert_problem(response, 400, "invalid-request")["member_ids"] == [waiting.member.id]
    assert await count(db_session, HouseholdPayment) == 0


async def test_twenty_concurrent_identical_requests_create_one_payment(
    app: Litestar, db_session: AsyncSession, family: Family, kids: list[Member]
) -> None:
    async with concurrent_client(app) as client:
        responses = await asyncio.gather(*(pay(client, family.head, "double-tap") for _ in range(20)))
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert all(r.headers.get("Idempotent-Replayed") == "true" for r in responses if r.status_code == 200)
    assert await count(db_session, HouseholdPayment) == 1
    assert await count(db_session, HouseholdPaymentLine) == 2


async def test_the_database_keeps_one_payment_per_key_even_when_every_request_misses_the_python_check(
    app: Litestar,
    db_session: AsyncSession,
    family: Family,
    kids: list[Member],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each request's first look-up of its key finds nothing, as when all twenty arrive before any commits:
    # only the unique constraint on (household, key) can then keep them to one payment.
    looked: ContextVar[bool] = ContextVar("looked", default=False)
    real_by_key = billing._by_key

    async def blind_first_lookup(db: AsyncSession, household_id: int, key: str) -> HouseholdPayment | None:
        if not looked.get():
            looked.set(True)
            return None
        return await real_by_key(db, household_id, key)

    monkeypatch.setattr(billing, "_by_key", blind_first_lookup)
    async with concurrent_client(app) as client:
        responses = await asyncio.gather(*(pay(client, family.head, "race") for _ in range(20)))
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count(db_session, HouseholdPayment) == 1


async def test_two_phones_paying_for_the_same_member_at_once_make_one_payment(
    app: Litestar, db_session: AsyncSession, family: Family, kids: list[Member]
) -> None:
    _, binh = kids
    async with concurrent_client(app) as client:
        first, second = await asyncio.gather(
            pay(client, family.head, "phone-a"),
            pay(client, family.head, "phone-b", member_ids=[binh.member.id]),
        )
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    assert_problem(first if first.status_code == 409 else second, 409, "member-payment-pending")
    assert await count(db_session, HouseholdPayment) == 1
    assert await count(db_session, HouseholdPaymentLine, HouseholdPaymentLine.person_id == binh.person.id) == 1


async def test_a_member_in_a_pending_payment_cannot_be_paid_for_again_with_another_key(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family, kids: list[Member], pending: dict
) -> None:
    response = await pay(client, family.head, "second-phone", member_ids=[kids[1].member.id])
    assert_problem(response, 409, "member-payment-pending")
    assert await count(db_session, HouseholdPayment) == 1
    # The refused request left nothing behind: once the first payment fails, the same key pays.
    failed = await post_callback(
        client, settings, event(pending, await provider_ref(db_session, pending["id"]), "failed")
    )
    assert failed.json()["status"] == "failed"
    retried = await pay(client, family.head, "second-phone", member_ids=[kids[1].member.id])
    assert retried.status_code == 201, retried.text


async def test_an_expired_pending_payment_no_longer_blocks_its_members(
    client: Client, db_session: AsyncSession, family: Family, kids: list[Member]
) -> None:
    assert family.head.account is not None
    stale, _ = await billing.create_payment(
        db_session,
        account_id=family.head.account.id,
        idempotency_key="abandoned",
        months=3,
        member_ids=None,
        provider=SimulatedProvider(),
        now=utcnow() - billing.PAYMENT_TTL - timedelta(minutes=1),
    )
    response = await pay(client, family.head, "new-try")
    assert response.status_code == 201, response.text
    listed = (await client.get(PAYMENTS, headers=family.head.headers)).json()
    assert [(p["id"], p["status"]) for p in listed] == [(response.json()["id"], "pending"), (stale.id, "expired")]
    assert await count(db_session, HouseholdPaymentLine, HouseholdPaymentLine.status == "pending") == 2
    assert await count(db_session, HouseholdPaymentLine, HouseholdPaymentLine.status == "expired") == 2


async def test_a_pending_payment_within_its_30_minutes_still_blocks(
    client: Client, db_session: AsyncSession, family: Family, kids: list[Member]
) -> None:
    assert family.head.account is not None
    await billing.create_payment(
        db_session,
        account_id=family.head.account.id,
        idempotency_key="in-progress",
        months=3,
        member_ids=None,
        provider=SimulatedProvider(),
        now=utcnow() - billing.PAYMENT_TTL + timedelta(minutes=1),
    )
    assert_problem(await pay(client, family.head, "new-try"), 409, "member-payment-pending")


async def test_payments_are_listed_newest_first(client: Client, family: Family, kids: list[Member]) -> None:
    an, binh = kids
    first = (await pay(client, family.head, "for-an", member_ids=[an.member.id])).json()
    second = (await pay(client, family.head, "for-binh", member_ids=[binh.member.id], months=12)).json()
    response = await client.get(PAYMENTS, headers=family.head.headers)
    assert response.status_code == 200
    assert response.json() == [second, first]
    assert second["amount"] == 1_366_200  # Bình alone is the first member of his payment: factor 1


# --- the provider's callback --------------------------------------------------------------------------------------


async def test_a_signed_confirmation_extends_the_cards_and_writes_a_receipt(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family, kids: list[Member], pending: dict
) -> None:
    an, binh = kids
    response = await post_callback(client, settings, event(pending, await provider_ref(db_session, pending["id"])))
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "confirmed", "event_id": "evt-0001"}

    payment = (await client.get(f"{PAYMENTS}/{pending['id']}", headers=family.head.headers)).json()
    assert payment["status"] == "confirmed"
    assert payment["receipt_no"] == f"BL{today_vn():%Y%m%d}-{pending['id']:08d}"
    assert payment["settled_at"] is not None
    assert payment["amount"] == 580_635

    an_card = await card_of(db_session, an.person.id)
    assert an_card is not None
    assert (an_card.id, an_card.valid_from, an_card.valid_to) == (an.card.id, date(2026, 1, 1), date(2030, 9, 30))
    binh_card = await card_of(db_session, binh.person.id)  # had none: a new household card from the payment day
    assert binh_card is not None
    assert (binh_card.beneficiary_group, binh_card.status, binh_card.number) == ("GD", "active", binh.person.si_code)
    assert binh_card.valid_from == today_vn()
    assert binh_card.valid_to.isoformat() == payment["lines"][1]["covered_until"]
    assert binh_card.primary_facility_id == family.facility.id
    assert await count(db_session, HouseholdPaymentLine, HouseholdPaymentLine.status == "confirmed") == 2

    trail = (await client.get(EVENTS, headers=family.head.headers)).json()["items"]
    assert [(e["kind"], e["detail"]["payment_id"], e["detail"]["amount"]) for e in trail[:2]] == [
        ("payment_confirmed", pending["id"], 580_635),
        ("payment_created", pending["id"], 580_635),
    ]
    assert trail[1]["actor"] == family.head.person.full_name


async def test_a_replayed_callback_changes_nothing(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family, kids: list[Member], pending: dict
) -> None:
    body = event(pending, await provider_ref(db_session, pending["id"]))
    headers = signed(body, settings.payment_hmac_secret)
    assert (await client.post(CALLBACK, content=body, headers=headers)).json()["status"] == "confirmed"
    settled = (await client.get(f"{PAYMENTS}/{pending['id']}", headers=family.head.headers)).json()
    card = await card_of(db_session, kids[0].person.id)
    assert card is not None
    valid_to = card.valid_to

    replay = await client.post(CALLBACK, content=body, headers=headers)
    assert replay.status_code == 200, replay.text
    assert replay.json() == {"status": "duplicate", "event_id": "evt-0001"}
    assert (await client.get(f"{PAYMENTS}/{pending['id']}", headers=family.head.headers)).json() == settled
    again = await card_of(db_session, kids[0].person.id)
    assert again is not None
    assert again.valid_to == valid_to == date(2030, 9, 30)
    assert await count(db_session, PaymentEvent) == 1
    kinds = [e["kind"] for e in (await client.get(EVENTS, headers=family.head.headers)).json()["items"]]
    assert kinds.count("payment_confirmed") == 1


async def test_the_same_callback_delivered_several_times_at_once_settles_once(
    app: Litestar, db_session: AsyncSession, settings: Settings, family: Family, kids: list[Member]
) -> None:
    async with concurrent_client(app) as client:
        payment = (await pay(client, family.head, "parallel-callbacks")).json()
        body = event(payment, await provider_ref(db_session, payment["id"]))
        headers = signed(body, settings.payment_hmac_secret)
        responses = await asyncio.gather(*(client.post(CALLBACK, content=body, headers=headers) for _ in range(5)))
    assert sorted((r.status_code, r.json()["status"]) for r in responses) == [
        (200, "confirmed"),
        *[(200, "duplicate")] * 4,
    ], [r.text for r in responses]
    assert await count(db_session, PaymentEvent) == 1
    card = await card_of(db_session, kids[0].person.id)
    assert card is not None
    assert card.valid_to == date(2030, 9, 30)


@pytest.mark.parametrize("status", ["confirmed", "failed"])
async def test_a_new_event_for_a_settled_payment_is_a_409_and_changes_nothing(
    client: Client,
    db_session: AsyncSession,
    settings: Settings,
    family: Family,
    kids: list[Member],
    pending: dict,
    status: str,
) -> None:
    ref = await provider_ref(db_session, pending["id"])
    assert (await post_callback(client, settings, event(pending, ref))).status_code == 200
    settled = (await client.get(f"{PAYMENTS}/{pending['id']}", headers=family.head.headers)).json()
    response = await post_callback(client, settings, event(pending, ref, status, event_id="evt-0002"))
    assert assert_problem(response, 409, "conflict")["payment_status"] == "confirmed"
    assert (await client.get(f"{PAYMENTS}/{pending['id']}", headers=family.head.headers)).json() == settled
    card = await card_of(db_session, kids[0].person.id)
    assert card is not None
    assert card.valid_to == date(2030, 9, 30)  # extended once, not twice
    assert await count(db_session, PaymentEvent) == 1


def _forgeries(settings: Settings, body: bytes) -> dict[str, tuple[bytes, dict[str, str]]]:
    now = utcnow()
    good = signed(body, settings.payment_hmac_secret)
    return {
        "wrong secret": (body, signed(body, "not-the-secret")),
        "edited body": (body.replace(b'"confirmed"', b'"confirmed" '), good),
        "stale timestamp": (body, signed(body, settings.payment_hmac_secret, at=now - timedelta(seconds=301))),
        "future timestamp": (body, signed(body, settings.payment_hmac_secret, at=now + timedelta(seconds=301))),
        "missing header": (body, {"Content-Type": "application/json"}),
        "no v1": (body, {"X-AnSinh-Signature": good["X-AnSinh-Signature"].split(",")[0]}),
        "garbage": (body, {"X-AnSinh-Signature": "garbage"}),
    }


@pytest.mark.parametrize(
    "forgery",
    ["wrong secret", "edited body", "stale timestamp", "future timestamp", "missing header", "no v1", "garbage"],
)
async def test_a_forged_or_stale_callback_is_a_401_and_the_payment_stays_pending(
    client: Client,
    db_session: AsyncSession,
    settings: Settings,
    family: Family,
    kids: list[Member],
    pending: dict,
    forgery: str,
) -> None:
    body, headers = _forgeries(settings, event(pending, await provider_ref(db_session, pending["id"])))[forgery]
    response = await client.post(CALLBACK, content=body, headers=headers)
    assert_problem(response, 401, "invalid-signature")
    assert (await client.get(f"{PAYMENTS}/{pending['id']}", headers=family.head.headers)).json() == pending
    assert await count(db_session, PaymentEvent) == 0
    card = await card_of(db_session, kids[0].person.id)
    assert card is not None
    assert card.valid_to == PAID_UNTIL


async def test_a_signature_within_five_minutes_is_accepted(
    client: Client, db_session: AsyncSession, settings: Settings, pending: dict
) -> None:
    body = event(pending, await provider_ref(db_session, pending["id"]))
    response = await post_callback(client, settings, body, at=utcnow() - timedelta(seconds=290))
    assert response.json() == {"status": "confirmed", "event_id": "evt-0001"}


async def test_an_amount_that_does_not_match_is_a_400(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family, pending: dict
) -> None:
    body = event(pending, await provider_ref(db_session, pending["id"]), amount=pending["amount"] - 1)
    response = await post_callback(client, settings, body)
    assert assert_problem(response, 400, "invalid-request")["expected"] == 580_635
    assert (await client.get(f"{PAYMENTS}/{pending['id']}", headers=family.head.headers)).json()["status"] == "pending"
    assert await count(db_session, PaymentEvent) == 0


async def test_an_unknown_provider_reference_is_a_404(client: Client, settings: Settings, pending: dict) -> None:
    response = await post_callback(client, settings, event(pending, "SIM-no-such-payment"))
    assert_problem(response, 404, "not-found")


async def test_a_signed_body_that_is_not_an_event_is_a_400(client: Client, settings: Settings, pending: dict) -> None:
    response = await post_callback(client, settings, b'{"event_id": "evt-0001"}')
    assert_problem(response, 400, "invalid-request")


async def test_a_failed_payment_leaves_the_cards_and_frees_the_members(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family, kids: list[Member], pending: dict
) -> None:
    an, binh = kids
    response = await post_callback(
        client, settings, event(pending, await provider_ref(db_session, pending["id"]), "failed")
    )
    assert response.json() == {"status": "failed", "event_id": "evt-0001"}
    payment = (await client.get(f"{PAYMENTS}/{pending['id']}", headers=family.head.headers)).json()
    assert (payment["status"], payment["receipt_no"]) == ("failed", None)
    an_card = await card_of(db_session, an.person.id)
    assert an_card is not None
    assert an_card.valid_to == PAID_UNTIL
    assert await card_of(db_session, binh.person.id) is None
    kinds = [e["kind"] for e in (await client.get(EVENTS, headers=family.head.headers)).json()["items"]]
    assert kinds[:2] == ["payment_failed", "payment_created"]
    retry = await pay(client, family.head, "after-failure")
    assert retry.status_code == 201, retry.text
    assert retry.json()["amount"] == 580_635


# --- who may pay --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", QUOTE + "?months=3"), ("POST", PAYMENTS), ("GET", PAYMENTS), ("GET", EVENTS)],
)
async def test_only_the_head_can_quote_pay_or_read_payments(
    client: Client, db_session: AsyncSession, family: Family, builder: FamilyBuilder, method: str, path: str
) -> None:
    adult = await builder.add(
        "Phạm Thị Vợ", born=ADULT, relation=Relation.SPOUSE, consent=ConsentState.GIVEN, with_account=True
    )
    headers = adult.headers | {"Idempotency-Key": "spouse-pays"}
    response = await client.request(method, path, json={"months": 3} if method == "POST" else None, headers=headers)
    assert_problem(response, 403, "not-household-head")
    anonymous = await client.request(method, path, json={"months": 3} if method == "POST" else None)
    assert_problem(anonymous, 401, "unauthenticated")
    assert await count(db_session, HouseholdPayment) == 0


async def test_someone_without_a_household_gets_a_404(
    client: Client, db_session: AsyncSession, settings: Settings
) -> None:
    account, _ = await make_citizen(db_session, full_name="Người Độc Thân")
    headers = bearer_for(settings, account) | {"Idempotency-Key": "alone"}
    assert_problem(await client.post(PAYMENTS, json={"months": 3}, headers=headers), 404, "not-in-household")
    assert_problem(await client.get(QUOTE, params={"months": 3}, headers=headers), 404, "not-in-household")


async def test_the_head_cannot_read_another_households_payment(
    client: Client, db_session: AsyncSession, family: Family, pending: dict
) -> None:
    theirs = await other_households_payment(db_session)
    response = await client.get(f"{PAYMENTS}/{theirs}", headers=family.head.headers)
    assert_problem(response, 404, "not-found")
    assert [p["id"] for p in (await client.get(PAYMENTS, headers=family.head.headers)).json()] == [pending["id"]]


# --- the dev simulator --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["confirmed", "failed"])
async def test_the_simulator_settles_ones_own_payment_through_the_signed_callback(
    client: Client, db_session: AsyncSession, family: Family, pending: dict, outcome: str
) -> None:
    response = await client.post(
        f"/api/v1/dev/payments/{pending['id']}/simulate", json={"outcome": outcome}, headers=family.head.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == outcome
    payment = (await client.get(f"{PAYMENTS}/{pending['id']}", headers=family.head.headers)).json()
    assert payment["status"] == outcome
    assert await count(db_session, PaymentEvent, PaymentEvent.payment_id == pending["id"]) == 1


async def test_the_simulator_refuses_another_households_payment_and_non_heads(
    client: Client, db_session: AsyncSession, family: Family, builder: FamilyBuilder, kids: list[Member]
) -> None:
    theirs = await other_households_payment(db_session)
    response = await client.post(
        f"/api/v1/dev/payments/{theirs}/simulate", json={"outcome": "confirmed"}, headers=family.head.headers
    )
    assert_problem(response, 404, "not-found")
    assert (await fresh(db_session, HouseholdPayment, theirs)).status == "pending"

    mine = (await pay(client, family.head, "mine")).json()
    adult = await builder.add(
        "Phạm Thị Vợ", born=ADULT, relation=Relation.SPOUSE, consent=ConsentState.GIVEN, with_account=True
    )
    response = await client.post(
        f"/api/v1/dev/payments/{mine['id']}/simulate", json={"outcome": "confirmed"}, headers=adult.headers
    )
    assert_problem(response, 403, "not-household-head")
    anonymous = await client.post(f"/api/v1/dev/payments/{mine['id']}/simulate", json={"outcome": "confirmed"})
    assert_problem(anonymous, 401, "unauthenticated")
    assert (await fresh(db_session, HouseholdPayment, mine["id"])).status == "pending"


async def test_a_member_whose_employer_card_has_ended_gets_a_household_card_when_paid_for(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family, builder: FamilyBuilder
) -> None:
    left_job = await builder.add(
        "Phạm Văn Nghỉ",
        born=ADULT,
        relation=Relation.SPOUSE,
        consent=ConsentState.GIVEN,
        group="DN",
        valid_to=date(2026, 1, 31),
    )
    created = await pay(client, family.head, "after-the-job")
    assert created.status_code == 201, created.text  # quoted and charged: the DN card no longer covers him
    payment = created.json()
    assert (
        await post_callback(client, settings, event(payment, await provider_ref(db_session, payment["id"])))
    ).json()["status"] == "confirmed"
    card = await card_of(db_session, left_job.person.id)
    assert card is not None
    assert (card.beneficiary_group, card.valid_to.isoformat()) == ("GD", payment["lines"][0]["covered_until"])


async def test_a_confirmation_after_expiry_still_gives_coverage_and_a_receipt(
    client: Client, db_session: AsyncSession, settings: Settings, family: Family, kids: list[Member]
) -> None:
    # The payer paid at the provider just before the 30 minutes ran out; the callback came late.
    assert family.head.account is not None
    late, _ = await billing.create_payment(
        db_session,
        account_id=family.head.account.id,
        idempotency_key="slow-bank",
        months=3,
        member_ids=[kids[0].member.id],
        provider=SimulatedProvider(),
        now=utcnow() - billing.PAYMENT_TTL - timedelta(minutes=1),
    )
    await pay(client, family.head, "expires-the-old-one", member_ids=[kids[1].member.id])
    assert (await fresh(db_session, HouseholdPayment, late.id)).status == "expired"
    body = event(late.model_dump(mode="json"), await provider_ref(db_session, late.id), event_id="evt-late-0001")
    settled = await post_callback(client, settings, body)
    assert settled.json()["status"] == "confirmed"
    stored = await fresh(db_session, HouseholdPayment, late.id)
    assert (stored.status, stored.receipt_no is not None) == ("confirmed", True)
    card = await card_of(db_session, kids[0].person.id)
    assert card is not None
    assert card.valid_to.isoformat() == late.lines[0].covered_until.isoformat()
    trail = (await client.get("/api/v1/households/mine/events", headers=family.head.headers)).json()["items"]
    assert trail[0]["kind"] == "payment_confirmed"
    assert trail[0]["detail"]["late"] is True
