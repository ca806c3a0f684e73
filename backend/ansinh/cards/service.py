"""Health-insurance cards: the citizen's card, its signed tokens and QR images, and staff revoke/reissue."""

import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import anyio
import qrcode
import qrcode.constants
import qrcode.image.pure
import qrcode.image.svg
from sqlalchemy import bindparam, insert
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards import keys
from ansinh.cards.models import (
    BENEFIT_LEVEL_MEANING,
    BENEFIT_LEVEL_MEANING_VI,
    DEAD_STATUSES,
    CardStatus,
    DecreaseReason,
    HealthInsuranceCard,
    is_dead,
)
from ansinh.cards.results import CheckResult, card_standing
from ansinh.cards.schemas import CardActionResult, CardPublic, CardTokenPublic, CoPaymentExemptionResult
from ansinh.cards.tokens import OFFLINE_TTL, ONLINE_TTL, card_payload, check_card_token, sign_card_token
from ansinh.core.context import RequestContext
from ansinh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.settings import Settings
from ansinh.core.statements import Row, Statement, Statements
from ansinh.core.store import SharedStore
from ansinh.core.time import today_vn, utcnow
from ansinh.facilities.models import MedicalFacility
from ansinh.identity.audit import event_values, record_event
from ansinh.identity.citizens import citizen_person_id, read_citizen_person_id
from ansinh.identity.models import Account, AccountRole, AccountStatus, Person, SecurityEvent
from ansinh.identity.service import birth_date_text
from ansinh.notifications.models import NotificationKind
from ansinh.notifications.service import notify

# The app refreshes its online code every minute; a generous budget still stops token farming.
TOKEN_LIMIT = RateLimit(count=30, window=60)
QR_LIMIT = RateLimit(count=60, window=60)


class NoCard(NotFound):
    slug = "no-card"
    title = "No health-insurance card"
    default_en = "You have no health-insurance card in force on record."
    default_vi = "Bạn chưa có thẻ BHYT còn hiệu lực trong hệ thống."


class CardNotInForce(Conflict):
    slug = "card-not-in-force"
    title = "Card not in force"
    default_en = "This card is not in force, so no card code can be issued for it."
    default_vi = "Thẻ không còn hiệu lực nên không thể tạo mã thẻ."


class InvalidCardToken(InvalidInput):
    slug = "invalid-card-token"
    title = "Invalid card token"
    default_en = "This card code is invalid or has expired; refresh it in the app."
    default_vi = "Mã thẻ không hợp lệ hoặc đã hết hạn; hãy làm mới mã trong ứng dụng."


# --- hot reads ----------------------------------------------------------------------------------------------------
# The card screen, card tokens and clinic checks read a card with its holder and facility on every request: one
# prepared statement (core/statements.py), whose rows come back as plain attribute objects with the tables'
# column names.

_CARD, _PERSON, _FACILITY = HealthInsuranceCard.__table__, Person.__table__, MedicalFacility.__table__  # type: ignore[attr-defined]
_PARTS = (("c_", _CARD), ("p_", _PERSON), ("f_", _FACILITY))


def card_rows(
    *extra: Any,
    card: tuple[str, ...] | None = None,
    person: tuple[str, ...] | None = None,
    facility: tuple[str, ...] | None = None,
) -> Any:
    """A Core SELECT of card, holder and facility columns (prefixed c_, p_, f_; all of each table's unless named)
    and ``extra`` columns; add WHERE."""
    wanted = {"c_": card, "p_": person, "f_": facility}
    columns = [
        column.label(f"{prefix}{column.name}")
        for prefix, table in _PARTS
        for column in table.c
        if wanted[prefix] is None or column.name in wanted[prefix]  # type: ignore[operator]
    ]
    return select(*columns, *extra).select_from(  # type: ignore[call-overload]
        _CARD.join(_PERSON, _PERSON.c.id == _CARD.c.person_id).join(
            _FACILITY, _FACILITY.c.id == _CARD.c.primary_facility_id
        )
    )


def split_card_row(values: Row) -> tuple[Any, Any, Any]:
    """(card, person, facility) objects from a ``card_rows`` row; attribute names are the columns'."""
    parts: dict[str, dict[str, Any]] = {"c_": {}, "p_": {}, "f_": {}}
    for key, value in values.items():
        part = parts.get(key[:2])
        if part is not None:
            part[key[2:]] = value
    return SimpleNamespace(**parts["c_"]), SimpleNamespace(**parts["p_"]), SimpleNamespace(**parts["f_"])


_OWN_LIVE_CARD = Statement(
    card_rows()
    .join(_ACCOUNT := Account.__table__, _ACCOUNT.c.person_id == _PERSON.c.id)  # type: ignore[attr-defined]
    .where(
        _ACCOUNT.c.id == bindparam("account_id"),
        _ACCOUNT.c.role == AccountRole.CITIZEN.value,
        _ACCOUNT.c.status == AccountStatus.ACTIVE.value,
        ~is_dead(_CARD.c.status),
    )
    .order_by(_CARD.c.issued_at.desc())
    .limit(1)
)


# --- the citizen's card -------------------------------------------------------------------------------------------


def card_with_holder() -> Any:
    """SELECT a card with its holder and primary-care facility (add the WHERE)."""
    return (
        select(HealthInsuranceCard, Person, MedicalFacility)
        .join(Person, col(Person.id) == col(HealthInsuranceCard.person_id))
        .join(MedicalFacility, col(MedicalFacility.id) == col(HealthInsuranceCard.primary_facility_id))
    )


async def live_card(db: AsyncSession, *, person_id: int) -> tuple[HealthInsuranceCard, Person, MedicalFacility] | None:
    """The person's non-revoked card (at most one, by the partial unique index) with its facility."""
    row = (
        await db.exec(
            card_with_holder()
            .where(HealthInsuranceCard.person_id == person_id, col(HealthInsuranceCard.status).not_in(DEAD_STATUSES))
            .order_by(col(HealthInsuranceCard.issued_at).desc())
        )
    ).first()
    return tuple(row) if row else None  # type: ignore[return-value]


def token_payload(
    card: HealthInsuranceCard, person: Person, facility: MedicalFacility, *, issuer: str, now: datetime, kind: str
) -> dict[str, Any]:
    """The claims of a token of this card: an online code or an offline pass."""
    return card_payload(
        issuer=issuer,
        card_number=card.number,
        card_serial=card.serial,
        name=person.full_name,
        birth_date=birth_date_text(person),
        sex=person.sex,
        benefit_level=card.benefit_level,
        facility_code=facility.code,
        valid_from=card.valid_from,
        valid_to=card.valid_to,
        now=now,
        ttl=OFFLINE_TTL if kind == "offline" else ONLINE_TTL,
    )


def standing_of(card: Any, *, today: date) -> CheckResult:
    """``card_standing`` of a card row (a table object or a ``split_card_row`` part)."""
    return card_standing(
        status=card.status,
        valid_from=card.valid_from,
        valid_to=card.valid_to,
        today=today,
        beneficiary_group=card.beneficiary_group,
        decrease_reason=card.decrease_reason,
    )


def exemption_end(exempt_from: date | None) -> date | None:
    """The last day of a co-payment exemption: 31 December of its year (the certificate is for one calendar year)."""
    return None if exempt_from is None else date(exempt_from.year, 12, 31)


def card_public(card: HealthInsuranceCard, person: Person, facility: MedicalFacility, *, today: date) -> CardPublic:
    """The card as the citizen sees it."""
    standing = standing_of(card, today=today)
    return CardPublic(
        serial=card.serial,
        number=card.number,
        legacy_code=card.legacy_code,
        name=person.full_name,
        birth_date=birth_date_text(person),
        sex=person.sex,  # type: ignore[arg-type]
        beneficiary_group=card.beneficiary_group,
        benefit_level=card.benefit_level,
        benefit_level_meaning=BENEFIT_LEVEL_MEANING[card.benefit_level],
        benefit_level_meaning_vi=BENEFIT_LEVEL_MEANING_VI[card.benefit_level],
        primary_facility_code=facility.code,
        primary_facility_name=facility.name,
        valid_from=card.valid_from,
        valid_to=card.valid_to,
        five_year_date=card.five_year_date,
        co_payment_exempt_from=card.co_payment_exempt_from,
        co_payment_exempt_until=exemption_end(card.co_payment_exempt_from),
        status=card.status,  # type: ignore[arg-type]
        decrease_reason=card.decrease_reason,  # type: ignore[arg-type]
        in_force=standing.valid,
        living_area=card.living_area,  # type: ignore[arg-type]
    )


async def card_of_person(db: AsyncSession, *, person_id: int, now: datetime | None = None) -> CardPublic:
    """A person's current card (callers have already decided the caller may see it)."""
    found = await live_card(db, person_id=person_id)
    if found is None:
        raise NoCard("No health-insurance card on record.", "Chưa có thẻ BHYT trong hệ thống.")
    return card_public(*found, today=today_vn(now))


async def _own_live_card(
    statements: Statements, *, account_id: int
) -> tuple[HealthInsuranceCard, Person, MedicalFacility]:
    """The signed-in citizen's live card with holder and facility, in one query (the hottest citizen path)."""
    row = await statements.one(_OWN_LIVE_CARD, account_id=account_id)
    if row is None:
        await read_citizen_person_id(statements, account_id=account_id)  # 401 when the account is gone or disabled
        raise NoCard()
    return split_card_row(row)


async def own_card(statements: Statements, *, account_id: int, now: datetime | None = None) -> CardPublic:
    """The signed-in citizen's current card."""
    return card_public(*await _own_live_card(statements, account_id=account_id), today=today_vn(now))


async def issue_card_token(
    db: AsyncSession,
    statements: Statements,
    store: SharedStore,
    *,
    settings: Settings,
    account_id: int,
    kind: str,
    now: datetime | None = None,
    rings: keys.KeyRingCache | None = None,
) -> CardTokenPublic:
    """Sign a fresh online code (3 minutes) or offline pass (7 days, never past the card's valid-to day)."""
    asked_at, now = now, now or utcnow()
    await hit(store, f"card-token:{account_id}", TOKEN_LIMIT)
    card, person, facility = await _own_live_card(statements, account_id=account_id)
    standing = standing_of(card, today=today_vn(now))
    if not standing.valid:
        raise CardNotInForce(extra={"result": standing.value, "status": card.status})
    kek_secret = settings.signing_kek_secret
    ring = await (
        rings.get(db, kek_secret=kek_secret, now=asked_at)
        if rings
        else keys.load_key_ring(db, kek_secret=kek_secret, now=now)
    )
    payload = token_payload(card, person, facility, issuer=settings.public_url, now=now, kind=kind)
    token = sign_card_token(payload, private_key=ring.signing_key, kid=ring.signing_kid)
    return CardTokenPublic(
        token=token,
        kind=kind,  # type: ignore[arg-type]
        kid=ring.signing_kid,
        issued_at=datetime.fromtimestamp(payload["iat"], UTC),
        expires_at=datetime.fromtimestamp(payload["exp"], UTC),
    )


# --- QR images ----------------------------------------------------------------------------------------------------


def render_qr(text: str, *, image_format: str) -> bytes:
    """The QR code of ``text`` (error correction M, 4-module quiet zone) as SVG or PNG bytes."""
    factory = qrcode.image.svg.SvgPathFillImage if image_format == "svg" else qrcode.image.pure.PyPNGImage
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        box_size=10 if image_format == "svg" else 8,
        image_factory=factory,
    )
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image()
    if image_format == "svg":
        return image.to_string(encoding="utf-8")  # type: ignore[no-any-return]
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


async def own_token_qr(
    db: AsyncSession,
    store: SharedStore,
    *,
    settings: Settings,
    account_id: int,
    token: str,
    image_format: str,
    now: datetime | None = None,
) -> bytes:
    """The QR image of a valid token of the caller's own card; nobody else's tokens are drawn."""
    now = now or utcnow()
    await hit(store, f"card-qr:{account_id}", QR_LIMIT)
    ring = await keys.load_key_ring(db, kek_secret=settings.signing_kek_secret, now=now)
    check = check_card_token(token, ring.public_keys, now=now)
    if check.claims is None or check.result is not CheckResult.VALID:
        raise InvalidCardToken(extra={"result": check.result.value})
    person_id = await citizen_person_id(db, account_id=account_id)
    owner = (
        await db.exec(
            select(HealthInsuranceCard.person_id).where(HealthInsuranceCard.serial == check.claims.card_serial)
        )
    ).first()
    if owner != person_id:
        raise Forbidden("This card code belongs to another card.", "Mã thẻ này thuộc về thẻ khác.")
    return await anyio.to_thread.run_sync(lambda: render_qr(token, image_format=image_format))


# --- staff: revoke, suspend, reinstate, reissue -------------------------------------------------------------------


async def _card_for_update(db: AsyncSession, *, number: str) -> HealthInsuranceCard:
    if not (len(number) == 10 and number.isdigit()):
        raise InvalidInput("The card number is the 10-digit SI code.", "Mã thẻ là mã số BHXH gồm 10 chữ số.")
    card = (
        await db.exec(
            select(HealthInsuranceCard)
            .where(HealthInsuranceCard.number == number, col(HealthInsuranceCard.status).not_in(DEAD_STATUSES))
            .with_for_update()
        )
    ).first()
    if card is None:
        raise NotFound("No card in force with this number.", "Không có thẻ còn hiệu lực với mã này.")
    return card


async def _audit(
    db: AsyncSession,
    *,
    staff_account_id: int | None,
    card: HealthInsuranceCard,
    kind: str,
    reason: str,
    context: RequestContext | None,
    **detail: str,
) -> None:
    """Write the staff member's audit event and a notice on the card holder's own account."""
    facts = {"card_number": card.number, "serial": card.serial, "reason": reason, **detail}
    if staff_account_id is not None:
        record_event(db, account_id=staff_account_id, kind=kind, context=context, **facts)
    holder = (await db.exec(select(Account.id).where(Account.person_id == card.person_id))).first()
    if holder is not None:
        record_event(db, account_id=holder, kind=kind, **facts)


_STATUS_EVENTS = {
    CardStatus.WITHDRAWN: "card_revoked",
    CardStatus.SUSPENDED: "card_suspended",
    CardStatus.DECREASED: "card_decreased",
}


async def set_card_status(
    db: AsyncSession,
    *,
    number: str,
    status: CardStatus,
    reason: str,
    staff_account_id: int | None,
    context: RequestContext | None = None,
    decrease_reason: DecreaseReason | None = None,
) -> CardActionResult:
    """Withdraw, suspend, report reduced (with ``decrease_reason``) or reinstate the card in force with ``number``;
    every token of it answers accordingly. A replacement is ``reissue_card``'s."""
    result = await set_card_status_in_transaction(
        db,
        number=number,
        status=status,
        reason=reason,
        staff_account_id=staff_account_id,
        context=context,
        decrease_reason=decrease_reason,
    )
    await db.commit()
    return result


async def set_card_status_in_transaction(
    db: AsyncSession,
    *,
    number: str,
    status: CardStatus,
    reason: str,
    staff_account_id: int | None,
    context: RequestContext | None = None,
    decrease_reason: DecreaseReason | None = None,
) -> CardActionResult:
    """Like `set_card_status`, inside the caller's transaction (a leave's due change commits it with its own row)."""
    if status == CardStatus.REPLACED:
        raise InvalidInput("A card is replaced by reissuing it.", "Thẻ được thay bằng cách cấp lại thẻ.")
    if (status == CardStatus.DECREASED) != (decrease_reason is not None):
        raise InvalidInput("A reported decrease, and only it, needs its reason.", "Báo giảm thẻ cần có lý do báo giảm.")
    card = await _card_for_update(db, number=number)
    if card.status == status and card.decrease_reason == (decrease_reason.value if decrease_reason else None):
        raise Conflict(f"The card is already {status.value}.", "Thẻ đã ở trạng thái này.")
    card.status = status
    card.decrease_reason = decrease_reason.value if decrease_reason else None
    if status == CardStatus.WITHDRAWN:
        card.revoked_at = utcnow()
    db.add(card)
    kind = _STATUS_EVENTS.get(status, "card_reinstated")
    detail = {"decrease_reason": decrease_reason.value} if decrease_reason else {}
    await _audit(db, staff_account_id=staff_account_id, card=card, kind=kind, reason=reason, context=context, **detail)
    return CardActionResult(number=card.number, status=card.status, serial=card.serial)


def new_serial(now: datetime) -> str:
    """A fresh card serial ``CYY-nnnnnnn`` (random, so serials reveal nothing about issue counts)."""
    return f"C{today_vn(now).year % 100:02d}-{secrets.randbelow(10_000_000):07d}"


async def reissue_card(
    db: AsyncSession,
    *,
    number: str,
    reason: str,
    staff_account_id: int | None,
    context: RequestContext | None = None,
    now: datetime | None = None,
) -> CardActionResult:
    """Mark the card in force replaced and issue the same card under a new serial, in one transaction."""
    result = await reissue_card_in_transaction(
        db, number=number, reason=reason, staff_account_id=staff_account_id, context=context, now=now
    )
    await db.commit()
    return result


async def reissue_card_in_transaction(
    db: AsyncSession,
    *,
    number: str,
    reason: str,
    staff_account_id: int | None,
    context: RequestContext | None = None,
    now: datetime | None = None,
) -> CardActionResult:
    """Like `reissue_card`, inside the caller's transaction (an approved application commits it with its own step)."""
    now = now or utcnow()
    card = await _card_for_update(db, number=number)
    old_serial, old_status, old_reason = card.serial, card.status, card.decrease_reason
    kept = old_status in (CardStatus.SUSPENDED, CardStatus.DECREASED)  # a reissue lifts no suspension or decrease
    card.status, card.revoked_at = CardStatus.REPLACED, now
    db.add(card)
    await db.flush()  # frees the "one live card per number" slot before the new row takes it
    for _attempt in range(5):
        fresh = HealthInsuranceCard(
            serial=new_serial(now),
            number=card.number,
            legacy_code=card.legacy_code,
            beneficiary_group=card.beneficiary_group,
            benefit_level=card.benefit_level,
            valid_from=card.valid_from,
            valid_to=card.valid_to,
            five_year_date=card.five_year_date,
            co_payment_exempt_from=card.co_payment_exempt_from,  # the certificate follows the person, not the serial
            living_area=card.living_area,
            status=old_status if kept else CardStatus.ACTIVE,
            decrease_reason=old_reason if kept else None,
            person_id=card.person_id,
            primary_facility_id=card.primary_facility_id,
            issued_at=now,
        )
        try:
            async with db.begin_nested():  # a serial collision (1 in 10^7) undoes only this insert: draw again
                db.add(fresh)
                await db.flush()
        except IntegrityError:
            continue
        await _audit(
            db,
            staff_account_id=staff_account_id,
            card=fresh,
            kind="card_reissued",
            reason=reason,
            context=context,
            previous_serial=old_serial,
        )
        return CardActionResult(
            number=fresh.number, status=fresh.status, serial=fresh.serial, previous_serial=old_serial
        )
    raise Conflict("Could not allocate a new card serial; try again.", "Không cấp được số sê-ri mới; thử lại.")


async def change_primary_facility(db: AsyncSession, *, card_id: int, facility_id: int) -> None:
    """The card registers its holder at another facility from now on (in the caller's transaction)."""
    card = await db.get(HealthInsuranceCard, card_id, with_for_update=True)
    if card is None:
        raise NotFound()
    card.primary_facility_id = facility_id
    db.add(card)


# --- cards of a coverage scheme (household, voluntary, employer): other domains change cards only through these ---


async def live_card_for_update(db: AsyncSession, *, person_id: int) -> HealthInsuranceCard | None:
    """The person's live card (not replaced or withdrawn), to change in the caller's transaction."""
    return (
        await db.exec(
            select(HealthInsuranceCard)
            .where(HealthInsuranceCard.person_id == person_id, col(HealthInsuranceCard.status).not_in(DEAD_STATUSES))
            .with_for_update()
        )
    ).first()


async def primary_facility_of(db: AsyncSession, *, person_id: int) -> int | None:
    """The facility id the person's live card registers them at, if they have one."""
    card = await live_card_for_update(db, person_id=person_id)
    return card.primary_facility_id if card is not None else None


async def give_way(db: AsyncSession, card: HealthInsuranceCard, *, now: datetime) -> None:
    """An ended scheme's card gives way to another scheme's card: marked replaced (flushed, freeing its number)."""
    card.status, card.revoked_at = CardStatus.REPLACED, now
    db.add(card)
    await db.flush()


def issue_scheme_card(
    db: AsyncSession,
    *,
    person: Person,
    beneficiary_group: str,
    benefit_level: int,
    valid_from: date,
    valid_to: date,
    facility_id: int,
    now: datetime,
) -> HealthInsuranceCard:
    """A new card of a scheme for a person without a live one, added to the caller's transaction."""
    card = HealthInsuranceCard(
        serial=new_serial(now),
        number=person.si_code,
        legacy_code=f"{beneficiary_group}{benefit_level}{person.province_code}{person.si_code}",
        beneficiary_group=beneficiary_group,
        benefit_level=benefit_level,
        valid_from=valid_from,
        valid_to=valid_to,
        person_id=person.id,  # type: ignore[arg-type]
        primary_facility_id=facility_id,
    )
    db.add(card)
    return card


def extend_card(db: AsyncSession, card: HealthInsuranceCard, *, covered_from: date, covered_until: date) -> None:
    """The card runs to ``covered_until``; after a gap in coverage it restarts on ``covered_from``."""
    if card.valid_to < covered_from - timedelta(days=1):
        card.valid_from = covered_from
    card.valid_to = max(card.valid_to, covered_until)
    db.add(card)


# --- coverage that follows an employer's declarations: many people at once ---------------------------------------


@dataclass(frozen=True, slots=True)
class Coverage:
    """A person to cover: by which scheme (beneficiary group), from when, to at least when, and why."""

    person_id: int
    beneficiary_group: str
    valid_from: date
    valid_to: date
    reason: str
    benefit_level: int = 4


async def cover_person(
    db: AsyncSession,
    *,
    person_id: int,
    beneficiary_group: str,
    valid_from: date,
    valid_to: date,
    reason: str,
    benefit_level: int = 4,
    now: datetime | None = None,
) -> CardActionResult | None:
    """`cover_people` for one person."""
    wanted = Coverage(person_id, beneficiary_group, valid_from, valid_to, reason, benefit_level)
    return (await cover_people(db, [wanted], now=now))[person_id]


async def _new_card_facilities(db: AsyncSession, persons: list[Person]) -> dict[int, int]:
    """Where each person's new card registers them: their last card's facility, else their province's first."""
    ids = [p.id for p in persons]
    last = await db.exec(
        select(HealthInsuranceCard.person_id, HealthInsuranceCard.primary_facility_id)
        .where(col(HealthInsuranceCard.person_id).in_(ids))
        .order_by(col(HealthInsuranceCard.person_id), col(HealthInsuranceCard.issued_at).desc())
        .ext(distinct_on(col(HealthInsuranceCard.person_id)))
    )
    found: dict[int, int] = dict(last.all())  # type: ignore[arg-type]
    provinces = sorted({p.province_code for p in persons if p.id not in found})
    first: dict[str, int] = {}
    if provinces:
        rows = await db.exec(
            select(MedicalFacility.province_code, MedicalFacility.id)
            .where(col(MedicalFacility.province_code).in_(provinces))
            .order_by(col(MedicalFacility.province_code), col(MedicalFacility.code))
            .ext(distinct_on(col(MedicalFacility.province_code)))
        )
        first = dict(rows.all())  # type: ignore[arg-type]
    for person in persons:
        if person.id not in found and person.province_code in first:
            found[person.id] = first[person.province_code]  # type: ignore[index]
    return found


async def cover_people(
    db: AsyncSession, coverages: list[Coverage], *, now: datetime | None = None
) -> dict[int, CardActionResult | None]:
    """Make each person's card one of the wanted group in force from ``valid_from`` to at least ``valid_to``, in the
    caller's transaction, in a few statements whatever the count (an employer's list hires thousands): the live card
    of that group is extended; otherwise a card is issued under a new serial and the live one (another scheme's, or
    a reported-reduced one) is marked replaced. A suspended card is staff's to lift: left alone (None), as when no
    facility can be registered. Every change is noticed on the holder's account."""
    now = now or utcnow()
    wanted = {c.person_id: c for c in coverages}  # one coverage per person: the last asked
    live = {
        card.person_id: card
        for card in (
            await db.exec(
                select(HealthInsuranceCard)
                .where(
                    col(HealthInsuranceCard.person_id).in_(sorted(wanted)),
                    col(HealthInsuranceCard.status).not_in(DEAD_STATUSES),
                )
                .with_for_update()
            )
        ).all()
    }
    results: dict[int, CardActionResult | None] = {}
    events: list[tuple[int, str, HealthInsuranceCard, str, dict[str, str]]] = []
    to_issue: list[Coverage] = []
    for person_id, c in wanted.items():
        card = live.get(person_id)
        if card is not None and card.status == CardStatus.SUSPENDED:
            results[person_id] = None
        elif card is not None and card.status == CardStatus.ACTIVE and card.beneficiary_group == c.beneficiary_group:
            if c.valid_to > card.valid_to:
                extend_card(db, card, covered_from=c.valid_from, covered_until=c.valid_to)
                events.append((person_id, "card_extended", card, c.reason, {"valid_to": c.valid_to.isoformat()}))
            results[person_id] = CardActionResult(number=card.number, status=card.status, serial=card.serial)
        else:
            to_issue.append(c)
    if to_issue:
        persons = {
            p.id: p
            for p in (await db.exec(select(Person).where(col(Person.id).in_([c.person_id for c in to_issue])))).all()
        }
        facilities = await _new_card_facilities(db, list(persons.values()))
        issuing = [c for c in to_issue if c.person_id in facilities]
        results |= {c.person_id: None for c in to_issue if c.person_id not in facilities}
        for c in issuing:
            if (card := live.get(c.person_id)) is not None:
                card.status, card.revoked_at = CardStatus.REPLACED, now
                db.add(card)
        await db.flush()  # frees the "one live card per number" slots before the new rows take them
        rows = {
            c.person_id: {
                "number": persons[c.person_id].si_code,
                "legacy_code": f"{c.beneficiary_group}{c.benefit_level}{persons[c.person_id].province_code}"
                f"{persons[c.person_id].si_code}",
                "beneficiary_group": c.beneficiary_group,
                "benefit_level": c.benefit_level,
                "valid_from": c.valid_from,
                "valid_to": c.valid_to,
                "five_year_date": live[c.person_id].five_year_date if c.person_id in live else None,
                "status": CardStatus.ACTIVE.value,
                "decrease_reason": None,
                "person_id": c.person_id,
                "primary_facility_id": facilities[c.person_id],
                "issued_at": now,
            }
            for c in issuing
        }
        serials = await _insert_with_fresh_serials(db, rows, now=now)
        for c in issuing:
            previous = live[c.person_id].serial if c.person_id in live else None
            fresh = SimpleNamespace(number=rows[c.person_id]["number"], serial=serials[c.person_id])
            detail = {"previous_serial": previous} if previous else {}
            events.append((c.person_id, "card_reissued" if previous else "card_issued", fresh, c.reason, detail))  # type: ignore[arg-type]
            results[c.person_id] = CardActionResult(
                number=fresh.number, status=CardStatus.ACTIVE, serial=fresh.serial, previous_serial=previous
            )
    await _notice_holders(db, events)
    return results


async def _insert_with_fresh_serials(
    db: AsyncSession, rows: dict[int, dict[str, Any]], *, now: datetime
) -> dict[int, str]:
    """Insert new cards (person id → columns), drawing serials again for the few that collide with existing ones."""
    table = HealthInsuranceCard.__table__  # type: ignore[attr-defined]
    connection = await db.connection()
    serials: dict[int, str] = {}
    pending = dict(rows)
    for _attempt in range(5):
        if not pending:
            return serials
        batch = {pid: {**columns, "serial": new_serial(now)} for pid, columns in pending.items()}
        inserted = await connection.execute(
            pg_insert(table).on_conflict_do_nothing().returning(table.c.person_id), list(batch.values())
        )
        for (pid,) in inserted.all():
            serials[pid] = batch[pid]["serial"]
            pending.pop(pid)
    if pending:
        raise Conflict("Could not allocate a new card serial; try again.", "Không cấp được số sê-ri mới; thử lại.")
    return serials


async def _notice_holders(
    db: AsyncSession, events: list[tuple[int, str, HealthInsuranceCard, str, dict[str, str]]]
) -> None:
    """The card events on their holders' own accounts (a person without an account has no event log)."""
    if not events:
        return
    accounts = dict(
        (
            await db.exec(
                select(Account.person_id, Account.id).where(col(Account.person_id).in_({e[0] for e in events}))
            )
        ).all()
    )
    values = [
        event_values(
            account_id=accounts[person_id],
            kind=kind,
            card_number=card.number,
            serial=card.serial,
            reason=reason,
            **detail,
        )
        for person_id, kind, card, reason, detail in events
        if person_id in accounts
    ]
    if values:
        await (await db.connection()).execute(insert(SecurityEvent.__table__), values)  # type: ignore[attr-defined]


async def end_validity(
    db: AsyncSession, *, person_id: int, beneficiary_groups: tuple[str, ...], valid_to: date, reason: str
) -> CardActionResult | None:
    """The person's active card of one of these groups ends on ``valid_to`` if it ran later (caller's transaction);
    None when there is no such card."""
    live = await live_card_for_update(db, person_id=person_id)
    if live is None or live.status != CardStatus.ACTIVE or live.beneficiary_group not in beneficiary_groups:
        return None
    if live.valid_to > valid_to:
        live.valid_to = max(valid_to, live.valid_from)
        db.add(live)
        await _audit(
            db,
            staff_account_id=None,
            card=live,
            kind="card_shortened",
            reason=reason,
            context=None,
            valid_to=live.valid_to.isoformat(),
        )
    return CardActionResult(number=live.number, status=live.status, serial=live.serial)


# --- the co-payment exemption (miễn cùng chi trả) -----------------------------------------------------------------


class NotFiveYears(Conflict):
    slug = "not-five-continuous-years"
    title = "Not 5 continuous years of cover"
    default_en = "The card does not show 5 continuous years of cover on that date: no exemption can be recorded."
    default_vi = "Thẻ chưa đủ 5 năm tham gia BHYT liên tục vào ngày này nên không ghi nhận miễn cùng chi trả được."


async def grant_co_payment_exemption(
    db: AsyncSession,
    *,
    number: str,
    exempt_from: date,
    reason: str,
    staff_account_id: int,
    context: RequestContext | None = None,
    today: date | None = None,
) -> CoPaymentExemptionResult:
    """Record the certificate of no co-payment (NGAY_MIEN_CCT) with the card in force, audited, the holder told.

    The date must fall in this year or the last (a certificate covers one calendar year) and not in the future, on
    or after the card's date of 5 continuous years. The year's co-payments are not re-checked here: the certificate
    may rest on receipts of facilities that send AnSinh nothing.
    """
    today = today or today_vn()
    if not (date(today.year - 1, 1, 1) <= exempt_from <= today):
        raise InvalidInput(
            "The exemption date must be in this year or the last, and not in the future.",
            "Ngày miễn cùng chi trả phải thuộc năm nay hoặc năm trước và không sau hôm nay.",
        )
    card = await _card_for_update(db, number=number)
    # 5 continuous years of cover (Luật BHYT Điều 22 khoản 1): the card's five-year date on or before the exemption.
    if card.five_year_date is None or card.five_year_date > exempt_from:
        five = card.five_year_date.isoformat() if card.five_year_date else None
        raise NotFiveYears(extra={"five_year_date": five})
    before = card.co_payment_exempt_from.isoformat() if card.co_payment_exempt_from else ""
    card.co_payment_exempt_from = exempt_from
    db.add(card)
    await _audit(
        db,
        staff_account_id=staff_account_id,
        card=card,
        kind="card_co_payment_exempt",
        reason=reason,
        context=context,
        exempt_from=exempt_from.isoformat(),
        previous_exempt_from=before,
    )
    await notify(
        db,
        person_id=card.person_id,
        kind=NotificationKind.COPAYMENT_EXEMPT,
        dedupe_key=f"copayment-exempt:{card.number}:{exempt_from.isoformat()}",
        params={"exempt_from": exempt_from.isoformat(), "until": f"{exempt_from.year}-12-31"},
        link="#/card",
    )
    await db.commit()
    return CoPaymentExemptionResult(
        number=card.number,
        serial=card.serial,
        co_payment_exempt_from=exempt_from,
        co_payment_exempt_until=date(exempt_from.year, 12, 31),
    )


async def co_payment_dates(
    db: AsyncSession, *, person_ids: Iterable[int]
) -> dict[int, tuple[date | None, date | None]]:
    """Each person's live card's date of 5 continuous years (ngayDu5Nam) and its recorded exemption date
    (NGAY_MIEN_CCT), in one query; a person without a card is absent. What the co-payment cap needs of the card."""
    ids = set(person_ids)
    if not ids:
        return {}
    rows = await db.exec(
        select(
            HealthInsuranceCard.person_id,
            HealthInsuranceCard.five_year_date,
            HealthInsuranceCard.co_payment_exempt_from,
        ).where(col(HealthInsuranceCard.person_id).in_(ids), col(HealthInsuranceCard.status).not_in(DEAD_STATUSES))
    )
    return {person_id: (five_year_date, exempt_from) for person_id, five_year_date, exempt_from in rows.all()}


async def find_card_number(db: AsyncSession, *, si_code: str) -> str:
    """The card number of a person by SI code (today the same 10 digits; kept explicit for legacy data)."""
    number = (
        await db.exec(
            select(HealthInsuranceCard.number)
            .join(Person, col(Person.id) == col(HealthInsuranceCard.person_id))
            .where(Person.si_code == si_code, col(HealthInsuranceCard.status).not_in(DEAD_STATUSES))
        )
    ).first()
    if number is None:
        raise NotFound("No card in force for this SI code.", "Không có thẻ còn hiệu lực với mã số BHXH này.")
    return number
