"""Household HI quotes and payments: priced once, idempotent, one pending payment per member, signed callbacks."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards import service as cards
from ansinh.cards.models import CardStatus
from ansinh.core.errors import Conflict, DomainError, InvalidInput, NotFound, Unauthenticated
from ansinh.core.time import today_vn, utcnow
from ansinh.facilities.service import first_facility_in
from ansinh.households import service
from ansinh.households.models import (
    Household,
    HouseholdPayment,
    HouseholdPaymentLine,
    PaymentEvent,
    PaymentStatus,
)
from ansinh.households.provider import PaymentProvider, signature_valid
from ansinh.households.schemas import PaymentCallback, PaymentPublic, QuoteLine, QuotePublic
from ansinh.identity.models import Person
from ansinh.records import rules
from ansinh.records.tables import BASE_SALARY, in_force

PAYMENT_TTL = timedelta(minutes=30)  # an unconfirmed payment stops blocking its members after this
IDEMPOTENCY_KEY_MAX = 64


class PaymentsUnavailable(DomainError):
    status_code = 503
    slug = "payments-unavailable"
    title = "Payments unavailable"
    default_en = "Online payment is not available right now."
    default_vi = "Hiện chưa thể thanh toán trực tuyến."


class IdempotencyKeyReused(DomainError):
    status_code = 422
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused"
    default_en = "This Idempotency-Key was already used for a different payment request."
    default_vi = "Khóa Idempotency-Key đã được dùng cho một yêu cầu thanh toán khác."


class MemberPaymentPending(Conflict):
    slug = "member-payment-pending"
    title = "Payment already pending"
    default_en = "A payment for one of these members is already pending; finish or wait for it first."
    default_vi = "Đã có giao dịch đang chờ cho một thành viên; vui lòng hoàn tất hoặc đợi giao dịch đó."


class InvalidSignature(Unauthenticated):
    slug = "invalid-signature"
    title = "Invalid signature"
    default_en = "The callback signature is missing, wrong or too old."
    default_vi = "Chữ ký của thông báo thanh toán không hợp lệ."


# --- pricing (pure) -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payable:
    """A member to price: who, in which enrolment order, and until when their household card already runs."""

    member_id: int
    person_id: int
    name: str
    enrolment_order: int
    paid_until: date | None  # valid-to of their current household (GD) card, if any


def coverage(paid_until: date | None, months: int, on: date) -> tuple[date, date]:
    """Coverage continues the household card without a gap, or starts on the payment date; ``months`` long."""
    start = paid_until + timedelta(days=1) if paid_until is not None and paid_until >= on else on
    return start, add_months_to_date(start, months) - timedelta(days=1)


def add_months_to_date(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's length (31 Jan + 1 month = 28/29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    target_year, target_month = day.year + year, month + 1
    last_day = (date(target_year + target_month // 12, target_month % 12 + 1, 1) - timedelta(days=1)).day
    return date(target_year, target_month, min(day.day, last_day))


def price(payables: list[Payable], *, months: int, on: date) -> QuotePublic:
    """Household HI for the members paid together: factor by their enrolment order among them (Decree 146/2018)."""
    lines = []
    base: rules.HouseholdContribution | None = None
    for k, payable in enumerate(sorted(payables, key=lambda p: p.enrolment_order), start=1):
        share = rules.household_contribution(k, months, on)
        base = share
        start, end = coverage(payable.paid_until, months, on)
        lines.append(
            QuoteLine(
                member_id=payable.member_id,
                name=payable.name,
                order=k,
                factor=float(share.factor),
                monthly_amount=share.monthly,
                amount=share.total,
                covered_from=start,
                covered_until=end,
            )
        )
    if base is None:
        raise Conflict(
            "No member needs household health insurance.", "Không có thành viên nào cần đóng BHYT hộ gia đình."
        )
    return QuotePublic(
        base_salary=base.base_salary,
        base_salary_effective_from=in_force(BASE_SALARY, on).effective_from,
        rate_percent=f"{base.rate_bp / 100:g}",
        priced_on=on,
        months=months,
        lines=lines,
        total=sum(line.amount for line in lines),
    )


# --- who can be paid for ------------------------------------------------------------------------------------------


async def payables(db: AsyncSession, *, household_id: int, member_ids: list[int] | None, today: date) -> list[Payable]:
    """Members who consented (or need not) and have no other scheme; the requested ones must all qualify."""
    rows = await service.member_rows(db, household_id=household_id)
    eligible = {
        r.member.id: r
        for r in rows
        if r.member.consent in service.VISIBLE_CONSENT and not service.covered_elsewhere(r.card, today)
    }
    if member_ids is not None:
        wrong = sorted(set(member_ids) - set(eligible))
        if wrong:
            raise InvalidInput(
                "Some members cannot be paid for: not in the household, not consenting, or covered by another scheme.",
                "Một số thành viên không thể đóng: không thuộc hộ, chưa đồng ý hoặc đã có BHYT theo đối tượng khác.",
                extra={"member_ids": wrong},
            )
        chosen = [eligible[i] for i in dict.fromkeys(member_ids)]
    else:
        chosen = list(eligible.values())
    return [
        Payable(
            member_id=r.member.id,  # type: ignore[arg-type]
            person_id=r.person.id,  # type: ignore[arg-type]
            name=r.person.full_name,
            enrolment_order=r.member.enrolment_order,
            paid_until=r.card.valid_to if r.card and r.card.beneficiary_group == service.HOUSEHOLD_GROUP else None,
        )
        for r in chosen
    ]


async def quote(
    db: AsyncSession, *, account_id: int, months: int, member_ids: list[int] | None, now: datetime | None = None
) -> QuotePublic:
    """What the head would pay today for ``months`` (3, 6 or 12)."""
    household, _ = await service.headed_household(db, account_id=account_id)
    on = today_vn(now)
    chosen = await payables(db, household_id=household.id, member_ids=member_ids, today=on)  # type: ignore[arg-type]
    return price(chosen, months=months, on=on)


# --- payments -----------------------------------------------------------------------------------------------------


def _request_hash(months: int, member_ids: list[int] | None) -> str:
    canonical = json.dumps({"months": months, "member_ids": sorted(set(member_ids)) if member_ids else None})
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_idempotency_key(key: str | None) -> str:
    """The Idempotency-Key header: required, 1–64 visible ASCII characters."""
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not all(33 <= ord(c) <= 126 for c in key):
        raise InvalidInput(
            "Send an Idempotency-Key header (1–64 visible ASCII characters) with every payment request.",
            "Cần gửi tiêu đề Idempotency-Key (1–64 ký tự ASCII) với mỗi yêu cầu thanh toán.",
        )
    return key


async def _lines_of(db: AsyncSession, payment_ids: list[int]) -> dict[int, list[tuple[HouseholdPaymentLine, str]]]:
    rows = (
        await db.exec(
            select(HouseholdPaymentLine, Person.full_name)
            .join(Person, col(Person.id) == col(HouseholdPaymentLine.person_id))
            .where(col(HouseholdPaymentLine.payment_id).in_(payment_ids))
            .order_by(col(HouseholdPaymentLine.order_k))
        )
    ).all()
    grouped: dict[int, list[tuple[HouseholdPaymentLine, str]]] = {i: [] for i in payment_ids}
    for line, name in rows:
        grouped[line.payment_id].append((line, name))
    return grouped


def payment_public(payment: HouseholdPayment, lines: list[tuple[HouseholdPaymentLine, str]]) -> PaymentPublic:
    """A payment with its lines."""
    return PaymentPublic(
        id=payment.id,  # type: ignore[arg-type]
        status=payment.status,  # type: ignore[arg-type]
        amount=payment.amount,
        months=payment.months,
        base_salary=payment.base_salary,
        base_salary_effective_from=payment.base_salary_effective_from,
        priced_on=payment.priced_on,
        lines=[
            QuoteLine(
                member_id=line.member_id or 0,
                name=name,
                order=line.order_k,
                factor=line.factor_permille / 1000,
                monthly_amount=line.monthly_amount,
                amount=line.amount,
                covered_from=line.covered_from,
                covered_until=line.covered_until,
            )
            for line, name in lines
        ],
        provider=payment.provider,
        checkout_url=payment.checkout_url,
        receipt_no=payment.receipt_no,
        created_at=payment.created_at,
        expires_at=payment.expires_at,
        settled_at=payment.settled_at,
    )


async def _by_key(db: AsyncSession, household_id: int, key: str) -> HouseholdPayment | None:
    return (
        await db.exec(
            select(HouseholdPayment).where(
                HouseholdPayment.household_id == household_id, HouseholdPayment.idempotency_key == key
            )
        )
    ).first()


async def _replay(db: AsyncSession, existing: HouseholdPayment, request_hash: str) -> PaymentPublic:
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    lines = await _lines_of(db, [existing.id])  # type: ignore[list-item]
    return payment_public(existing, lines[existing.id])  # type: ignore[index]


async def _expire_stale(db: AsyncSession, *, household_id: int, now: datetime) -> None:
    """Pending payments past their expiry stop blocking their members."""
    stale = (
        await db.exec(
            select(HouseholdPayment.id).where(
                HouseholdPayment.household_id == household_id,
                HouseholdPayment.status == PaymentStatus.PENDING,
                col(HouseholdPayment.expires_at) < now,
            )
        )
    ).all()
    if not stale:
        return
    await db.exec(
        update(HouseholdPayment).where(col(HouseholdPayment.id).in_(stale)).values(status=PaymentStatus.EXPIRED)
    )
    await db.exec(
        update(HouseholdPaymentLine)
        .where(col(HouseholdPaymentLine.payment_id).in_(stale))
        .values(status=PaymentStatus.EXPIRED)
    )
    await db.commit()


async def create_payment(
    db: AsyncSession,
    *,
    account_id: int,
    idempotency_key: str | None,
    months: int,
    member_ids: list[int] | None,
    provider: PaymentProvider | None,
    now: datetime | None = None,
) -> tuple[PaymentPublic, bool]:
    """Create (or find again, for a retried key) a pending payment; returns it and whether it was created now."""
    key = check_idempotency_key(idempotency_key)
    household, payer_id = await service.headed_household(db, account_id=account_id)
    household_id: int = household.id  # type: ignore[assignment]
    request_hash = _request_hash(months, member_ids)
    existing = await _by_key(db, household_id, key)
    if existing is not None:
        return await _replay(db, existing, request_hash), False
    if provider is None:
        raise PaymentsUnavailable()
    now = now or utcnow()
    await _expire_stale(db, household_id=household_id, now=now)
    on = today_vn(now)
    chosen = await payables(db, household_id=household_id, member_ids=member_ids, today=on)
    priced = price(chosen, months=months, on=on)
    checkout = provider.open_checkout(amount=priced.total, description=f"BHYT hộ gia đình {household.code}")
    payment = HouseholdPayment(
        household_id=household_id,
        payer_person_id=payer_id,
        idempotency_key=key,
        request_hash=request_hash,
        months=months,
        amount=priced.total,
        base_salary=priced.base_salary,
        base_salary_effective_from=priced.base_salary_effective_from,
        priced_on=on,
        provider=provider.name,
        provider_ref=checkout.provider_ref,
        checkout_url=checkout.checkout_url,
        created_at=now,
        expires_at=now + PAYMENT_TTL,
    )
    db.add(payment)
    try:
        await db.flush()
        person_of = {p.member_id: p.person_id for p in chosen}
        for line in priced.lines:
            db.add(
                HouseholdPaymentLine(
                    payment_id=payment.id,  # type: ignore[arg-type]
                    member_id=line.member_id,
                    person_id=person_of[line.member_id],
                    order_k=line.order,
                    factor_permille=round(line.factor * 1000),
                    monthly_amount=line.monthly_amount,
                    amount=line.amount,
                    covered_from=line.covered_from,
                    covered_until=line.covered_until,
                )
            )
        service.record(
            db,
            household_id=household_id,
            actor_person_id=payer_id,
            kind="payment_created",
            payment_id=payment.id,
            amount=priced.total,
            months=months,
        )
        await db.commit()
    except IntegrityError:
        # Either the same key won a race (answer with its payment) or a member is in another pending payment.
        await db.rollback()
        existing = await _by_key(db, household_id, key)
        if existing is not None:
            return await _replay(db, existing, request_hash), False
        raise MemberPaymentPending() from None
    lines = await _lines_of(db, [payment.id])  # type: ignore[list-item]
    return payment_public(payment, lines[payment.id]), True  # type: ignore[index]


async def list_payments(db: AsyncSession, *, account_id: int) -> list[PaymentPublic]:
    """The household's payments, newest first (head only)."""
    household, _ = await service.headed_household(db, account_id=account_id)
    payments = (
        await db.exec(
            select(HouseholdPayment)
            .where(HouseholdPayment.household_id == household.id)
            .order_by(col(HouseholdPayment.created_at).desc(), col(HouseholdPayment.id).desc())
            .limit(100)
        )
    ).all()
    lines = await _lines_of(db, [p.id for p in payments])  # type: ignore[misc]
    return [payment_public(p, lines[p.id]) for p in payments]  # type: ignore[index]


async def get_payment(db: AsyncSession, *, account_id: int, payment_id: int) -> PaymentPublic:
    """One of the household's payments (head only)."""
    household, _ = await service.headed_household(db, account_id=account_id)
    payment = await db.get(HouseholdPayment, payment_id)
    if payment is None or payment.household_id != household.id:
        raise NotFound("No such payment.", "Không có giao dịch này.")
    lines = await _lines_of(db, [payment_id])
    return payment_public(payment, lines[payment_id])


# --- settlement ---------------------------------------------------------------------------------------------------


async def _extend_cards(db: AsyncSession, payment: HouseholdPayment, household: Household) -> list[str]:
    """Each member's household card runs to the paid date (a new GD card for a member without one)."""
    now = utcnow()
    lines = (await db.exec(select(HouseholdPaymentLine).where(HouseholdPaymentLine.payment_id == payment.id))).all()
    head_facility = await cards.primary_facility_of(db, person_id=household.head_person_id)
    not_extended = []
    for line in lines:
        card = await cards.live_card_for_update(db, person_id=line.person_id)
        person = await db.get(Person, line.person_id)
        assert person is not None
        if card is not None and card.beneficiary_group != service.HOUSEHOLD_GROUP:
            if card.status == CardStatus.ACTIVE and card.valid_to >= line.covered_from:
                not_extended.append(person.si_code)  # covered by another scheme again since it was priced
                continue
            await cards.give_way(db, card, now=now)  # the other scheme's card has ended
            card = None
        if card is not None:
            cards.extend_card(db, card, covered_from=line.covered_from, covered_until=line.covered_until)
            continue
        facility_id = head_facility or await first_facility_in(db, province_code=household.province_code)
        if facility_id is None:
            not_extended.append(person.si_code)
            continue
        cards.issue_scheme_card(
            db,
            person=person,
            beneficiary_group=service.HOUSEHOLD_GROUP,
            benefit_level=4,
            valid_from=line.covered_from,
            valid_to=line.covered_until,
            facility_id=facility_id,
            now=now,
        )
    return not_extended


async def settle(
    db: AsyncSession, *, body: bytes, signature: str | None, secret: str, now: datetime | None = None
) -> dict[str, str]:
    """Apply a provider callback once: verify the signature, refuse replays and mismatches, then settle."""
    now = now or utcnow()
    if not signature or not signature_valid(body, signature, secret=secret, now=now):
        raise InvalidSignature()
    try:
        event = PaymentCallback.model_validate_json(body)
    except ValueError as exc:
        raise InvalidInput("The callback body is not a valid payment event.") from exc
    if (await db.exec(select(PaymentEvent.id).where(PaymentEvent.event_id == event.event_id))).first() is not None:
        return {"status": "duplicate", "event_id": event.event_id}
    payment = (
        await db.exec(select(HouseholdPayment).where(HouseholdPayment.provider_ref == event.provider_ref))
    ).first()
    if payment is None:
        raise NotFound("No payment with this provider reference.")
    if event.amount != payment.amount:
        raise InvalidInput("The amount does not match the payment.", extra={"expected": payment.amount})
    new_status = PaymentStatus.CONFIRMED if event.status == "confirmed" else PaymentStatus.FAILED
    was = payment.status
    # Only an unsettled payment moves, and only once: the conditional update is the lock. An expired one
    # still settles — the provider took the money, so the members get their coverage and a receipt.
    moved = await db.exec(
        update(HouseholdPayment)
        .where(
            col(HouseholdPayment.id) == payment.id,
            col(HouseholdPayment.status).in_([PaymentStatus.PENDING, PaymentStatus.EXPIRED]),
        )
        .values(
            status=new_status,
            settled_at=now,
            receipt_no=f"BL{today_vn(now):%Y%m%d}-{payment.id:08d}" if new_status == PaymentStatus.CONFIRMED else None,
        )
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        current = payment.status  # read before the rollback expires it (a lazy load would fail in async)
        await db.rollback()
        if (await db.exec(select(PaymentEvent.id).where(PaymentEvent.event_id == event.event_id))).first():
            return {"status": "duplicate", "event_id": event.event_id}  # this very event settled it meanwhile
        raise Conflict(f"The payment is already {current}; nothing changed.", extra={"payment_status": current})
    db.add(PaymentEvent(event_id=event.event_id, payment_id=payment.id, outcome=event.status, received_at=now))
    await db.exec(
        update(HouseholdPaymentLine).where(col(HouseholdPaymentLine.payment_id) == payment.id).values(status=new_status)
    )
    household = await db.get(Household, payment.household_id)
    assert household is not None
    detail: dict[str, object] = {"payment_id": payment.id, "amount": payment.amount}
    if was == PaymentStatus.EXPIRED:
        detail["late"] = True
    if new_status == PaymentStatus.CONFIRMED:
        skipped = await _extend_cards(db, payment, household)
        if skipped:
            detail["not_extended"] = skipped
    service.record(
        db,
        household_id=payment.household_id,
        actor_person_id=None,
        kind="payment_confirmed" if new_status == PaymentStatus.CONFIRMED else "payment_failed",
        **detail,
    )
    try:
        await db.commit()
    except IntegrityError:  # the same event id arrived twice at once: the other one settled it
        await db.rollback()
        return {"status": "duplicate", "event_id": event.event_id}
    return {"status": new_status.value, "event_id": event.event_id}


async def payment_ref_for_simulation(db: AsyncSession, *, account_id: int, payment_id: int) -> HouseholdPayment:
    """Dev only: the head's own simulated payment, to play the provider's callback for it."""
    household, _ = await service.headed_household(db, account_id=account_id)
    payment = await db.get(HouseholdPayment, payment_id)
    if payment is None or payment.household_id != household.id or payment.provider != "simulated":
        raise NotFound("No such simulated payment.")
    return payment


async def paid_cover_until(db: AsyncSession, *, person_id: int, on: date) -> date | None:
    """The last day of confirmed household coverage of a person that runs on ``on``; None when none does."""
    return (
        await db.exec(
            select(func.max(HouseholdPaymentLine.covered_until)).where(
                HouseholdPaymentLine.person_id == person_id,
                HouseholdPaymentLine.status == PaymentStatus.CONFIRMED,
                col(HouseholdPaymentLine.covered_from) <= on,
                col(HouseholdPaymentLine.covered_until) >= on,
            )
        )
    ).one()
