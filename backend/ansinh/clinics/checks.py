"""Clinic card checks: verify a card token online, look a patient up, log each check as the citizen's receipt."""

import asyncio
import hashlib
import re
import time
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import msgspec
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards import keys
from ansinh.cards.models import (
    BENEFICIARY_GROUPS,
    BENEFIT_LEVEL_MEANING,
    BENEFIT_LEVEL_MEANING_VI,
    PROVINCE_CODES,
    HealthInsuranceCard,
)
from ansinh.cards.results import CheckResult
from ansinh.cards.schemas import CardCheckReceipt
from ansinh.cards.service import split_card_row, standing_of
from ansinh.cards.tokens import TokenCheck, check_card_token
from ansinh.clinics.card_reads import BY_CITIZEN_ID, BY_LEGACY_CODE, BY_NUMBER, BY_SERIAL
from ansinh.clinics.models import CardCheck, CheckMethod, ClinicClient, FacilityStaff
from ansinh.clinics.recorder import CheckRecorder, ScanRecord, TokenScan
from ansinh.clinics.schemas import LookupRequest, VerifyRequest, VerifyScan
from ansinh.core.db import Sessions
from ansinh.core.errors import Forbidden
from ansinh.core.pagination import fetch_page
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.settings import Settings
from ansinh.core.statements import Row, Statements
from ansinh.core.store import SharedStore
from ansinh.core.time import today_vn, utcnow
from ansinh.facilities.models import MedicalFacility
from ansinh.identity.citizens import citizen_person_id
from ansinh.identity.models import Person
from ansinh.identity.service import birth_date_matches, birth_date_text

# A retried scan (same token or lookup, facility and staff member) within this window is not logged twice.
RETRY_WINDOW_SECONDS = 10
_RETRY_WAIT_STEPS = 40  # × 50 ms: how long a retry waits for the first request's answer
_LEGACY_CODE = re.compile(r"[A-Z]{2}[0-9]{13}")  # fullmatch, ASCII digits only: group, level, province, SI code

CardRow = tuple[HealthInsuranceCard, Person, MedicalFacility]


@dataclass(frozen=True, slots=True)
class Verdict:
    """A check's outcome before it is logged: the code, and the card when it was identified authentically."""

    result: CheckResult
    found: CardRow | None = None
    show_card: bool = False
    token_id: str | None = None
    holder_wants_notice: bool = False  # the holder opted in to hear of checks of their card
    replacement: CardRow | None = None  # 003/004: the card that replaced the one checked


@dataclass(slots=True)
class CheckServices:
    """What a check needs besides its hot statements: the scan recorder, two short-lived caches and the read sessions
    the caches refill from (so a check opens a session only on a cache miss)."""

    recorder: CheckRecorder
    sessions: Sessions
    key_rings: keys.KeyRingCache = field(default_factory=keys.KeyRingCache)
    clients: "ClientFacilities" = field(default_factory=lambda: ClientFacilities())
    staff: "RegisteredStaff" = field(default_factory=lambda: RegisteredStaff())


@dataclass(frozen=True, slots=True)
class CallingFacility:
    """The facility a clinic client belongs to."""

    id: int
    code: str
    name: str


class ClientFacilities:
    """Which facility each active clinic client belongs to, remembered for ``ttl_seconds``.

    Every scan names its client; asking the database each time cost a query per scan. A client disabled by an
    administrator loses access within ``ttl_seconds`` (5 s) in every worker.
    """

    def __init__(self, ttl_seconds: float = 5.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._known: dict[str, tuple[CallingFacility, float]] = {}

    async def get(self, sessions: Sessions, *, client_id: str) -> CallingFacility:
        """The client's facility; 403 when the client is disabled or unknown."""
        known = self._known.get(client_id)
        if known is not None and time.monotonic() < known[1]:
            return known[0]
        async with sessions() as db:
            row = await _calling_facility(db, client_id=client_id)
        facility = CallingFacility(id=row.id, code=row.code, name=row.name)  # type: ignore[arg-type]
        self._known[client_id] = (facility, time.monotonic() + self.ttl_seconds)
        return facility


class RegisteredStaff:
    """Each facility's registered checking staff (citizen ID → normalised name), remembered for ``ttl_seconds``.

    A change made through this process is seen at once (``forget``); other workers see it within ``ttl_seconds``.
    """

    def __init__(self, ttl_seconds: float = 5.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._known: dict[int, tuple[dict[str, str], float]] = {}

    async def get(self, sessions: Sessions, *, facility_id: int) -> dict[str, str]:
        """The facility's registered staff: citizen ID → name as ``normalise_name`` writes it."""
        known = self._known.get(facility_id)
        if known is not None and time.monotonic() < known[1]:
            return known[0]
        async with sessions() as db:
            rows = (
                await db.exec(
                    select(FacilityStaff.citizen_id, FacilityStaff.full_name).where(
                        FacilityStaff.facility_id == facility_id
                    )
                )
            ).all()
        staff = {citizen_id: normalise_name(name) for citizen_id, name in rows}
        self._known[facility_id] = (staff, time.monotonic() + self.ttl_seconds)
        return staff

    def forget(self, facility_id: int) -> None:
        """Read the facility's list afresh at its next check (after a change)."""
        self._known.pop(facility_id, None)


def staff_verdict(registered: dict[str, str], *, staff_name: str, staff_citizen_id: str) -> CheckResult | None:
    """054 when the citizen ID is not on the facility's list, 055 when it is with another name, else None."""
    name = registered.get(staff_citizen_id)
    if name is None:
        return CheckResult.STAFF_NOT_REGISTERED
    if name != normalise_name(staff_name):
        return CheckResult.STAFF_NAME_MISMATCH
    return None


async def _calling_facility(db: AsyncSession, *, client_id: str) -> MedicalFacility:
    """The facility of an active clinic client; a disabled client loses access at once."""
    facility = (
        await db.exec(
            select(MedicalFacility)
            .join(ClinicClient, col(ClinicClient.facility_id) == col(MedicalFacility.id))
            .where(ClinicClient.client_id == client_id, col(ClinicClient.active).is_(True))
        )
    ).first()
    if facility is None:
        raise Forbidden("This clinic client is disabled.", "Tài khoản máy khách của cơ sở đã bị vô hiệu hóa.")
    return facility


def _clinic_card(row: CardRow) -> dict[str, Any]:
    """The card as a ``ClinicCard``'s fields (for 003/004, the new card's)."""
    card, person, facility = row
    return {
        "number": card.number,
        "name": person.full_name,
        "birth_date": birth_date_text(person),
        "sex": person.sex,
        "benefit_level": card.benefit_level,
        "benefit_level_meaning": BENEFIT_LEVEL_MEANING[card.benefit_level],
        "benefit_level_meaning_vi": BENEFIT_LEVEL_MEANING_VI[card.benefit_level],
        "primary_facility_code": facility.code,
        "primary_facility_name": facility.name,
        "valid_from": card.valid_from,
        "valid_to": card.valid_to,
    }


def _standing(card: HealthInsuranceCard, now: datetime) -> CheckResult:
    return standing_of(card, today=today_vn(now))


def shown_card(verdict: Verdict) -> CardRow | None:
    """The card an answer may show: the one that replaced the checked card for 003/004, else the checked one."""
    if verdict.found is None or not verdict.show_card:
        return None
    return verdict.replacement or verdict.found


async def with_replacement(statements: Statements, verdict: Verdict) -> Verdict:
    """For 003/004 (a replaced card), the verdict with the card that replaced it: the live card of the number."""
    replaced = (CheckResult.REPLACED_EXPIRED, CheckResult.REPLACED_VALID)
    if verdict.result not in replaced or verdict.found is None:
        return verdict
    hit_row = _card_and_choice(await statements.keyed(BY_NUMBER, verdict.found[0].number))
    if hit_row is None or hit_row[0][0].serial == verdict.found[0].serial:
        return verdict
    return replace(verdict, replacement=hit_row[0])


# --- the rules of a check -----------------------------------------------------------------------------------------


def _card_and_choice(row: Row | None) -> tuple[CardRow, bool] | None:
    """A card row split into (card, person, facility), and the holder's notice choice."""
    if row is None:
        return None
    return split_card_row(row), bool(row["wants_notice"])


async def _key_ring(services: CheckServices, *, settings: Settings, as_of: datetime | None) -> keys.KeyRing:
    """The published keys: the cached ring for a check of the present, read afresh for a check ``as_of`` another
    moment (a test, a replay), whose keys may not be the ones in force now."""
    ring = services.key_rings.fresh() if as_of is None else None
    if ring is None:
        async with services.sessions() as db:
            ring = await services.key_rings.get(db, kek_secret=settings.signing_kek_secret, now=as_of)
    return ring


async def _token_check(
    services: CheckServices, *, settings: Settings, token: str, checked_at: datetime, as_of: datetime | None
) -> TokenCheck:
    """Form, signature and expiry against the published keys."""
    ring = await _key_ring(services, settings=settings, as_of=as_of)
    return check_card_token(token, ring.public_keys, now=checked_at)


def _token_verdict(check: TokenCheck, hit_row: tuple[CardRow, bool] | None, standing: CheckResult) -> Verdict:
    """What a genuine token's card says, given the card (None: no card has the token's serial and number) with its
    holder's notice choice, and its standing."""
    assert check.claims is not None
    if hit_row is None:
        return Verdict(CheckResult.NO_SUCH_CARD, token_id=check.claims.token_id)
    found, wants_notice = hit_row
    if check.result is not CheckResult.VALID:  # expired token: genuine, so the owner hears of it, but no data
        return Verdict(check.result, found=found, token_id=check.claims.token_id, holder_wants_notice=wants_notice)
    return Verdict(
        standing,
        found=found,
        show_card=_may_show(standing),
        token_id=check.claims.token_id,
        holder_wants_notice=wants_notice,
    )


async def _judge_checked_token(statements: Statements, check: TokenCheck, now: datetime) -> Verdict:
    if check.claims is None:
        return Verdict(check.result)
    row = await statements.keyed(BY_SERIAL, check.claims.card_serial)
    hit_row = _card_and_choice(row if row is not None and row["c_number"] == check.claims.card_number else None)
    standing = _standing(hit_row[0][0], now) if hit_row is not None else CheckResult.NO_SUCH_CARD
    return await with_replacement(statements, _token_verdict(check, hit_row, standing))


def _may_show(result: CheckResult) -> bool:
    """AnSinh's own answer shows the card when the holder matched (a state of the card, suspended or not yet in force
    included), but never a withdrawn one."""
    shown_too = (CheckResult.CARD_SUSPENDED, CheckResult.CARD_NOT_YET_VALID)
    return (result.holder_matched or result in shown_too) and result is not CheckResult.CARD_WITHDRAWN


def normalise_name(name: str) -> str:
    """Names compare after Unicode NFC, case-folding and collapsing spaces (diacritics count)."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _first_letter(name: str) -> str:
    """The name's first letter without diacritics (Đ = D), case-folded."""
    letters = unicodedata.normalize("NFD", name.strip().casefold().replace("đ", "d"))
    return next((c for c in letters if not unicodedata.combining(c)), "")


def name_verdict(recorded: str, given: str) -> CheckResult | None:
    """None when the names match; 061 when they differ but share their first letter (diacritics aside), else 060."""
    if normalise_name(recorded) == normalise_name(given):
        return None
    if _first_letter(recorded) and _first_letter(recorded) == _first_letter(given):
        return CheckResult.NAME_MISMATCH_INITIAL_OK
    return CheckResult.NAME_MISMATCH


@dataclass(frozen=True, slots=True)
class CardCode:
    """A card identifier as given: which hot read finds it, its key, and the 15-character code's own digits."""

    query: Any
    key: str
    province: str | None = None  # characters 4-5 of a 15-character code
    benefit_level: int | None = None  # character 3 of a 15-character code
    legacy_code: str | None = None  # the 15-character code itself: a replaced card's own code finds that card


def parse_card_code(text: str) -> CardCode | CheckResult:
    """The 10-digit SI code, the 12-digit citizen ID or the 15-character card code; else 051, or 052/053 for a
    15-character code whose province or benefit-level digit is not one."""
    identifier = text.strip().upper()
    if len(identifier) == 10 and identifier.isdigit() and identifier.isascii():
        return CardCode(BY_NUMBER, identifier)
    if len(identifier) == 12 and identifier.isdigit() and identifier.isascii():
        return CardCode(BY_CITIZEN_ID, identifier)
    if not _LEGACY_CODE.fullmatch(identifier) or identifier[:2] not in BENEFICIARY_GROUPS:
        return CheckResult.MALFORMED_ID
    if identifier[2] not in "12345":
        return CheckResult.WRONG_BENEFIT_LEVEL
    if identifier[3:5] not in PROVINCE_CODES:
        return CheckResult.WRONG_PROVINCE
    return CardCode(
        BY_NUMBER, identifier[5:], province=identifier[3:5], benefit_level=int(identifier[2]), legacy_code=identifier
    )


def _code_verdict(code: CardCode, card: Any, person: Any) -> CheckResult | None:
    """052/053 when a 15-character code's province or benefit digit is not the card's; else None."""
    if code.benefit_level is not None and code.benefit_level != card.benefit_level:
        return CheckResult.WRONG_BENEFIT_LEVEL
    province = card.legacy_code[3:5] if card.legacy_code else person.province_code
    if code.province is not None and code.province != province:
        return CheckResult.WRONG_PROVINCE
    return None


async def judge_card_code(
    statements: Statements,
    *,
    card_code: str,
    full_name: str,
    birth_date: str,
    now: datetime,
    year_matches_date: bool = False,
) -> Verdict:
    """The spec's order for a card looked up by code: its form (051-053), no such card (050), the holder (060/061,
    then 070), the card's state; nothing is told before name and birth date match. ``year_matches_date``: a given
    year alone matches a full birth date in that year (the gateway's rule)."""
    code = parse_card_code(card_code)
    if isinstance(code, CheckResult):
        return Verdict(code)
    own_card = await statements.keyed(BY_LEGACY_CODE, code.legacy_code) if code.legacy_code else None
    hit_row = _card_and_choice(own_card or await statements.keyed(code.query, code.key))
    if hit_row is None:
        return Verdict(CheckResult.NO_SUCH_CARD)
    found, wants_notice = hit_row
    card, person, _ = found
    wrong_code = _code_verdict(code, card, person)
    if wrong_code is not None:
        return Verdict(wrong_code)
    wrong_name = name_verdict(person.full_name, full_name)
    if wrong_name is not None:
        return Verdict(wrong_name, found=found)
    year_only = year_matches_date and len(birth_date) == 4 and birth_date == f"{person.date_of_birth.year:04d}"
    if not (year_only or birth_date_matches(person, birth_date)):
        return Verdict(CheckResult.BIRTH_DATE_MISMATCH, found=found)
    standing = _standing(card, now)
    return Verdict(standing, found=found, show_card=_may_show(standing), holder_wants_notice=wants_notice)


async def judge_lookup(statements: Statements, *, request: LookupRequest, now: datetime) -> Verdict:
    """Find the card by citizen ID or card number, then match name and birth date before telling anything."""
    if request.citizen_id is not None:
        identifier = request.citizen_id.strip()
        if not (len(identifier) == 12 and identifier.isdigit() and identifier.isascii()):
            return Verdict(CheckResult.MALFORMED_ID)
    else:
        identifier = (request.card_number or "").strip()
        if len(identifier) == 12:  # a card number is never a citizen ID on this route
            return Verdict(CheckResult.MALFORMED_ID)
    return await judge_card_code(
        statements, card_code=identifier, full_name=request.full_name, birth_date=request.date_of_birth, now=now
    )


# --- logging and retries ------------------------------------------------------------------------------------------


def _fingerprint(*parts: str | None) -> str:
    # Each part length-prefixed (None as "~"), so whatever the parts contain, one text means one combination.
    text = "".join("~" if part is None else f"{len(part)}:{part}" for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Attempt:
    """Where a scan stands among its retries: the same token or look-up, facility and staff member within
    ``RETRY_WINDOW_SECONDS`` is one check, logged once."""

    key: str
    first: bool  # the first attempt: it logs the check and keeps its answer for the retries
    earlier_answer: bytes | None = None  # a retry's answer: the first attempt's, once it has one


async def _attempt(store: SharedStore, key: str) -> Attempt:
    """The first attempt, or a retry with the first attempt's answer (waited for up to two seconds); a retry whose
    first attempt is still running (or failed) is answered without being logged a second time."""
    if await store.incr(f"check-seen:{key}", RETRY_WINDOW_SECONDS) == 1:
        return Attempt(key, first=True)
    for _ in range(_RETRY_WAIT_STEPS):
        answer = await store.get(f"check-answer:{key}")
        if answer is not None:
            return Attempt(key, first=False, earlier_answer=answer)
        await asyncio.sleep(0.05)
    return Attempt(key, first=False)


async def _calling_facility_in_budget(
    store: SharedStore, *, settings: Settings, services: CheckServices, client_id: str
) -> CallingFacility:
    """The client's facility, once the client's per-second budget allows another check (else 429)."""
    await hit(store, f"clinic-rate:{client_id}", RateLimit(count=settings.clinic_rate_limit, window=1))
    return await services.clients.get(services.sessions, client_id=client_id)


async def _staff_result(services: CheckServices, facility: CallingFacility, request: Any) -> CheckResult | None:
    """054/055 when the checking staff member is not on the facility's list or has another name there."""
    registered = await services.staff.get(services.sessions, facility_id=facility.id)
    return staff_verdict(registered, staff_name=request.staff_name, staff_citizen_id=request.staff_citizen_id)


def _record_values(
    facility: CallingFacility, *, client_id: str, request: Any, method: CheckMethod, checked_at: datetime
) -> dict[str, Any]:
    """The scan record's columns known before the card is judged."""
    return {
        "facility_id": facility.id,
        "client_id": client_id,
        "staff_name": request.staff_name,
        "staff_citizen_id": request.staff_citizen_id,
        "method": method.value,
        "checked_at": checked_at,
    }


async def _logged(
    services: CheckServices, verdict: Verdict, *, values: dict[str, Any], facility: CallingFacility, attempt: Attempt
) -> int | None:
    """Log the verdict (with the holder's notice when they asked for one) and return the record's id; a retry
    logs nothing."""
    if not attempt.first:
        return None
    found = verdict.found
    tell_holder = found is not None and verdict.result.valid and verdict.holder_wants_notice
    record = {
        **values,
        "result": verdict.result.value,
        "person_id": found[1].id if found else None,
        "card_id": found[0].id if found else None,
        "token_id": verdict.token_id,
    }
    return await services.recorder.record(
        ScanRecord(values=record, notice_facility=facility.name if tell_holder else None)
    )


async def _token_scan_logged(
    statements: Statements,
    services: CheckServices,
    check: TokenCheck,
    *,
    values: dict[str, Any],
    facility: CallingFacility,
) -> tuple[Verdict, int]:
    """A genuine token's scan: its card read, judged and the scan logged in one statement
    (``CheckRecorder.record_token_scan``), one round trip instead of two."""
    assert check.claims is not None
    row = await services.recorder.record_token_scan(
        TokenScan(
            values={**values, "token_id": check.claims.token_id},
            card_serial=check.claims.card_serial,
            card_number=check.claims.card_number,
            token_result=check.result,
            facility_name=facility.name,
        )
    )
    hit_row = _card_and_choice(row if row["c_id"] is not None else None)
    verdict = await with_replacement(statements, _token_verdict(check, hit_row, CheckResult(row["result"])))
    return verdict, row["check_id"]


async def _answered(store: SharedStore, attempt: Attempt, answer: bytes) -> bytes:
    """The answer, kept for the retries of a first attempt."""
    if attempt.first:
        await store.set(f"check-answer:{attempt.key}", answer, RETRY_WINDOW_SECONDS)
    return answer


async def _failed(store: SharedStore, attempt: Attempt) -> None:
    """A first attempt that failed lets the client's retry do the work."""
    if attempt.first:
        await store.delete(f"check-seen:{attempt.key}")


def encode_answer(verdict: Verdict, *, method: CheckMethod, checked_at: datetime, check_id: int | None) -> bytes:
    """The check's ``CheckResponse`` as JSON, encoded straight from its fields (msgspec writes what pydantic would,
    at a fraction of the cost on the scan path; tests hold the two equal)."""
    return _ENCODE(
        {
            "result": verdict.result.value,
            "valid": verdict.result.valid,
            "message": verdict.result.message,
            "message_vi": verdict.result.message_vi,
            "card": _clinic_card(shown) if (shown := shown_card(verdict)) else None,
            "method": method.value,
            "checked_at": checked_at,
            "check_id": check_id,
        }
    )


_ENCODE = msgspec.json.Encoder().encode


async def verify(
    statements: Statements,
    store: SharedStore,
    *,
    settings: Settings,
    services: CheckServices,
    client_id: str,
    request: VerifyRequest | VerifyScan,
    now: datetime | None = None,
) -> bytes:
    """The online check of a scanned card token; the answer is a CheckResponse as JSON. ``now``: check as of that
    moment (tests, replays) instead of the present."""
    checked_at = now or utcnow()
    token = request.token.strip()
    facility = await _calling_facility_in_budget(store, settings=settings, services=services, client_id=client_id)
    wrong_staff = await _staff_result(services, facility, request)
    key = _fingerprint(facility.code, CheckMethod.QR.value, request.staff_name, request.staff_citizen_id, token)
    attempt = await _attempt(store, key)
    if attempt.earlier_answer is not None:
        return attempt.earlier_answer
    values = _record_values(
        facility, client_id=client_id, request=request, method=CheckMethod.QR, checked_at=checked_at
    )
    try:
        if wrong_staff is not None:  # 054/055: judged before the card, which is never read
            verdict = Verdict(wrong_staff)
            check_id = await _logged(services, verdict, values=values, facility=facility, attempt=attempt)
        else:
            check = await _token_check(services, settings=settings, token=token, checked_at=checked_at, as_of=now)
            if check.claims is not None and attempt.first:
                verdict, check_id = await _token_scan_logged(
                    statements, services, check, values=values, facility=facility
                )
            else:  # a faulty token (nothing to read), or a retry (nothing to log)
                verdict = await _judge_checked_token(statements, check, checked_at)
                check_id = await _logged(services, verdict, values=values, facility=facility, attempt=attempt)
    except BaseException:
        await _failed(store, attempt)
        raise
    answer = encode_answer(verdict, method=CheckMethod.QR, checked_at=checked_at, check_id=check_id)
    return await _answered(store, attempt, answer)


async def lookup(
    statements: Statements,
    store: SharedStore,
    *,
    settings: Settings,
    services: CheckServices,
    client_id: str,
    request: LookupRequest,
    now: datetime | None = None,
) -> bytes:
    """The check by citizen ID or card number with name and birth date (e.g. read from the chip ID card)."""
    checked_at = now or utcnow()
    facility = await _calling_facility_in_budget(store, settings=settings, services=services, client_id=client_id)
    wrong_staff = await _staff_result(services, facility, request)
    subject = (request.citizen_id, request.card_number, request.full_name, request.date_of_birth)
    key = _fingerprint(facility.code, CheckMethod.LOOKUP.value, request.staff_name, request.staff_citizen_id, *subject)
    attempt = await _attempt(store, key)
    if attempt.earlier_answer is not None:
        return attempt.earlier_answer
    values = _record_values(
        facility, client_id=client_id, request=request, method=CheckMethod.LOOKUP, checked_at=checked_at
    )
    try:
        if wrong_staff is not None:  # 054/055: judged before the card, which is never read
            verdict = Verdict(wrong_staff)
        else:
            verdict = await judge_lookup(statements, request=request, now=checked_at)
        check_id = await _logged(services, verdict, values=values, facility=facility, attempt=attempt)
    except BaseException:
        await _failed(store, attempt)
        raise
    answer = encode_answer(verdict, method=CheckMethod.LOOKUP, checked_at=checked_at, check_id=check_id)
    return await _answered(store, attempt, answer)


# --- the citizen's receipts ---------------------------------------------------------------------------------------


async def receipts(db: AsyncSession, *, account_id: int, limit: int, offset: int) -> tuple[list[CardCheckReceipt], int]:
    """Checks of the caller's cards, newest first; the staff member's ID number is never included."""
    person_id = await citizen_person_id(db, account_id=account_id)
    query = (
        select(CardCheck, MedicalFacility.code, MedicalFacility.name)
        .join(MedicalFacility, col(MedicalFacility.id) == col(CardCheck.facility_id))
        .order_by(col(CardCheck.checked_at).desc(), col(CardCheck.id).desc())
    )
    rows, total = await fetch_page(
        db, query, count_from=CardCheck, where=CardCheck.person_id == person_id, limit=limit, offset=offset
    )
    items = []
    for check, facility_code, facility_name in rows:
        result = CheckResult(check.result)
        items.append(
            CardCheckReceipt(
                id=check.id,  # type: ignore[arg-type]
                checked_at=check.checked_at,
                facility_code=facility_code,
                facility_name=facility_name,
                staff_name=check.staff_name,
                method=check.method,  # type: ignore[arg-type]
                result=result.value,
                valid=result.valid,
                message=result.message,
                message_vi=result.message_vi,
            )
        )
    return items, total
