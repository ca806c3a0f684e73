"""Check-ins and claims from hospital software, judged and stored as the citizen's visits, the citizen told."""

import asyncio
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus, HealthInsuranceCard
from ansinh.cards.results import CheckResult, card_standing
from ansinh.cards.service import co_payment_dates
from ansinh.core.time import today_vn, utcnow
from ansinh.gateway import qd130
from ansinh.gateway.callers import FacilityCaller
from ansinh.identity.models import DatePrecision, Person
from ansinh.notifications.models import NotificationKind, NotificationPreference
from ansinh.notifications.service import Notice, notify_many
from ansinh.records.copayment import year_payments
from ansinh.records.events import StoredVisit, VisitsStored, visits_stored
from ansinh.records.models import SubmissionKind, VisitType
from ansinh.records.rules import FIRST_CAP_YEAR, co_payment_year
from ansinh.records.visits import VisitWrite, store_visits

log = logging.getLogger(__name__)
# Visits judged, looked up and stored together: a few statements for each chunk rather than a dozen for each visit,
# and no more than a chunk's lines and tables in memory at once.
CHUNK = 100


@dataclass(slots=True)
class Outcome:
    """What one request brought: the receipt, how many visits were taken, the refusals and the flags."""

    receipt: str
    received_at: datetime
    accepted: int = 0
    refusals: list[qd130.Refusal] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """``thongDiep``."""
        return qd130.refusal_message(self.accepted, self.refusals, self.flags)


def new_outcome() -> Outcome:
    """A receipt (maGiaoDich) and the time the request was received."""
    return Outcome(receipt=uuid.uuid4().hex, received_at=utcnow())


@dataclass(frozen=True, slots=True)
class _Found:
    person: Person
    card: HealthInsuranceCard


def _holder_key(holder: qd130.Holder) -> tuple[str, str]:
    """What names the card: MA_THE_BHYT as the card number (10 digits) or the 15-character code, else SO_CCCD."""
    if holder.card_code is not None:
        return ("number" if len(holder.card_code) == 10 else "legacy_code", holder.card_code)
    return ("citizen_id", holder.citizen_id or "")


async def _find_holders(db: AsyncSession, holders: Iterable[qd130.Holder]) -> dict[tuple[str, str], _Found]:
    """The card each holder names (the live one first), else the card of the person SO_CCCD names; one query per kind
    of name, whatever the number of holders."""
    wanted: dict[str, set[str]] = {}
    for holder in holders:
        kind, code = _holder_key(holder)
        wanted.setdefault(kind, set()).add(code)
    columns = {
        "number": HealthInsuranceCard.number,
        "legacy_code": HealthInsuranceCard.legacy_code,
        "citizen_id": Person.citizen_id,
    }
    # A reissue keeps the number: the card that replaced the others comes first.
    ended = col(HealthInsuranceCard.status).in_([CardStatus.REPLACED.value, CardStatus.WITHDRAWN.value])
    found: dict[tuple[str, str], _Found] = {}
    for kind, codes in wanted.items():
        query = (
            select(HealthInsuranceCard, Person)
            .join(Person, col(Person.id) == col(HealthInsuranceCard.person_id))
            .where(col(columns[kind]).in_(codes))
            .order_by(ended, col(HealthInsuranceCard.issued_at).desc())
        )
        for card, person in (await db.exec(query)).all():
            named_by = person.citizen_id if kind == "citizen_id" else getattr(card, kind)
            found.setdefault((kind, named_by), _Found(person=person, card=card))
    return found


def _judge_holder(found: _Found | None, holder: qd130.Holder, *, visit_key: str, table: str) -> _Found | qd130.Refusal:
    """The person and card a record names, when its name, birth date and citizen ID agree with the registry."""
    if found is None:
        field_name = "MA_THE_BHYT" if holder.card_code is not None else "SO_CCCD"
        return qd130.Refusal(visit_key, table, field_name, "Không tìm thấy thông tin thẻ BHYT.")
    if holder.citizen_id is not None and holder.citizen_id != found.person.citizen_id:
        return qd130.Refusal(visit_key, table, "SO_CCCD", "Số CCCD không khớp với chủ thẻ.")
    refusal = qd130.holder_refusal(
        holder,
        visit_key=visit_key,
        table=table,
        full_name=found.person.full_name,
        birth_date=found.person.date_of_birth,
        year_only=found.person.birth_date_precision == DatePrecision.YEAR,
    )
    return refusal or found


def _card_flag(card: HealthInsuranceCard, *, admitted: date) -> str | None:
    """The card's standing on the admission day when it was not in force (the visit is kept, flagged)."""
    standing = card_standing(
        status=card.status,
        valid_from=card.valid_from,
        valid_to=card.valid_to,
        today=admitted,
        beneficiary_group=card.beneficiary_group,
        decrease_reason=card.decrease_reason,
    )
    return None if standing.valid else standing.value


async def _wanting_push(db: AsyncSession, person_ids: set[int]) -> set[int]:
    """Who of ``person_ids`` opted in to card-check notices: visit notices are pushed to them; all are in the inbox."""
    if not person_ids:
        return set()
    chosen = await db.exec(
        select(NotificationPreference.person_id).where(
            col(NotificationPreference.person_id).in_(person_ids), col(NotificationPreference.card_checked)
        )
    )
    return set(chosen.all())


def _flag_text(visit_key: str, table: str, code: str) -> str:
    meaning = CheckResult(code).message_vi
    return f"[MA_LK={visit_key}, {table}, MA_THE_BHYT] Lưu ý: thẻ không có giá trị vào ngày vào ({code}: {meaning})"


@dataclass(slots=True)
class _Judged:
    """A record whose file was good, its holder not yet looked up; what to store when the holder is right."""

    visit_key: str
    holder: qd130.Holder
    admitted: date
    facts: dict[str, Any]
    lines: list[dict[str, Any]]
    submission: dict[str, Any]


@dataclass(slots=True)
class _Slot:
    """What became of one record of the file, kept in the file's order for the answer."""

    refusals: list[qd130.Refusal] = field(default_factory=list)
    flag: str | None = None
    accepted: bool = False


@dataclass(slots=True)
class _Taken:
    """A record judged good with its holder found: to be stored."""

    slot: _Slot
    write: VisitWrite


async def _receive(
    db: AsyncSession,
    *,
    caller: FacilityCaller,
    outcome: Outcome,
    kind: SubmissionKind,
    table: str,
    records: Iterable[_Judged | list[qd130.Refusal]],
) -> None:
    """Look up, judge and store the records ``CHUNK`` at a time, and tell ``outcome`` in the file's order.

    A chunk is stored while the next one is read: reading is the worker's CPU, storing mostly a wait on the database,
    so the reader gives the event loop a turn after each record and the store's statements go on meanwhile. One chunk
    is stored at a time, in order, on the one session.
    """
    chunk: list[_Judged | list[qd130.Refusal]] = []
    storing: asyncio.Task[None] | None = None
    try:
        for record in records:
            chunk.append(record)
            if len(chunk) == CHUNK:
                if storing is not None:
                    await storing
                storing = asyncio.create_task(
                    _receive_chunk(db, caller=caller, outcome=outcome, kind=kind, table=table, records=chunk)
                )
                chunk = []
            await asyncio.sleep(0)
        if storing is not None:
            await storing
        if chunk:
            await _receive_chunk(db, caller=caller, outcome=outcome, kind=kind, table=table, records=chunk)
    finally:
        if storing is not None and not storing.done():  # the reader failed or the request was cancelled
            storing.cancel()
            await asyncio.gather(storing, return_exceptions=True)


async def _receive_chunk(
    db: AsyncSession,
    *,
    caller: FacilityCaller,
    outcome: Outcome,
    kind: SubmissionKind,
    table: str,
    records: list[_Judged | list[qd130.Refusal]],
) -> None:
    """Look up the holders of ``records`` together, judge them, store the good ones together, tell ``outcome``."""
    slots = [_Slot(refusals=list(record) if isinstance(record, list) else []) for record in records]
    judged = [(slot, record) for slot, record in zip(slots, records, strict=True) if isinstance(record, _Judged)]
    holders = await _find_holders(db, (record.holder for _, record in judged))
    taken: list[_Taken] = []
    for slot, record in judged:
        found = _judge_holder(
            holders.get(_holder_key(record.holder)), record.holder, visit_key=record.visit_key, table=table
        )
        if isinstance(found, qd130.Refusal):
            slot.refusals.append(found)
            continue
        flag = _card_flag(found.card, admitted=record.admitted)
        if flag is not None:
            slot.flag = _flag_text(record.visit_key, table, flag)
        write = VisitWrite(
            visit_key=record.visit_key,
            person_id=found.person.id,  # type: ignore[arg-type]
            facts={**record.facts, "card_result": flag},
            lines=record.lines,
            submission={**record.submission, "receipt": outcome.receipt, "account": caller.username},
        )
        taken.append(_Taken(slot=slot, write=write))
    push = await _wanting_push(db, {t.write.person_id for t in taken})
    for run in _runs_of_distinct_keys(taken):
        await _store(db, caller=caller, kind=kind, table=table, taken=run, push=push)
    for slot in slots:
        outcome.refusals.extend(slot.refusals)
        if slot.accepted:
            outcome.accepted += 1
            if slot.flag is not None:
                outcome.flags.append(slot.flag)


def _runs_of_distinct_keys(taken: list[_Taken]) -> list[list[_Taken]]:
    """``taken`` cut where an MA_LK comes again, so each run stores a visit once (a repeat replaces it, in order)."""
    runs: list[list[_Taken]] = [[]]
    keys: set[str] = set()
    for one in taken:
        if one.write.visit_key in keys:
            runs.append([])
            keys = set()
        runs[-1].append(one)
        keys.add(one.write.visit_key)
    return [run for run in runs if run]


async def _store(
    db: AsyncSession, *, caller: FacilityCaller, kind: SubmissionKind, table: str, taken: list[_Taken], push: set[int]
) -> None:
    """Store ``taken`` with their notices in one savepoint; when the database refuses, each visit in its own, so only
    the visit it refused is lost (a refusal in its slot)."""
    try:
        async with db.begin_nested():
            stored = await store_visits(
                db, facility_id=caller.facility_id, kind=kind, visits=[one.write for one in taken]
            )
            await notify_many(
                db,
                [
                    Notice(
                        person_id=one.write.person_id,
                        kind=NotificationKind.VISIT_RECORDED,
                        dedupe_key=f"visit:{ids[1]}",
                        params={
                            "facility": caller.name,
                            "status": "in_progress" if kind is SubmissionKind.CHECK_IN else "claimed",
                            "admission_date": one.write.facts["admission_date"].isoformat(),
                        },
                        link="#/visits",
                        push=one.write.person_id in push,
                    )
                    for one, ids in zip(taken, stored, strict=True)
                    if ids is not None
                ],
            )
            written = [(one.write, ids) for one, ids in zip(taken, stored, strict=True) if ids is not None]
            if written:
                # Listeners act on the visits in this savepoint (a disputed visit's dispute gets the new version).
                receipt = written[0][0].submission["receipt"]
                done = tuple(StoredVisit(visit_id=ids[0], submission_id=ids[1]) for _, ids in written)
                await visits_stored(db, VisitsStored(visits=done, receipt=receipt, facility=caller.name))
            if kind is SubmissionKind.CLAIM:
                await _tell_cap_reached(db, [write for write, _ in written])
    except SQLAlchemyError:
        if len(taken) > 1:
            for one in taken:
                await _store(db, caller=caller, kind=kind, table=table, taken=[one], push=push)
            return
        log.exception("visit %s of facility %s not stored", taken[0].write.visit_key, caller.code)
        reason = "Không lưu được hồ sơ; đề nghị gửi lại."
        taken[0].slot.refusals.append(qd130.Refusal(taken[0].write.visit_key, table, None, reason))
        return
    for one, ids in zip(taken, stored, strict=True):
        if ids is None:
            reason = "Lượt khám đã được gửi hồ sơ giám định, không check-in lại."
            one.slot.refusals.append(qd130.Refusal(one.write.visit_key, table, "MA_LK", reason))
        else:
            one.slot.accepted = True


async def _tell_cap_reached(db: AsyncSession, writes: list[VisitWrite]) -> None:
    """Tell each person with 5 continuous years whose year's co-payments these claims took past the cap, once a year
    (the dedupe key), how to get the certificate of no co-payment; not when staff already recorded it. Two queries
    for the whole chunk, only for claims with a co-payment of people whose card has its five-year date."""
    years = {
        (write.person_id, write.facts["discharge_date"].year)
        for write in writes
        if write.facts.get("co_payment") and write.facts["discharge_date"].year >= FIRST_CAP_YEAR
    }
    cards = await co_payment_dates(db, person_ids={person_id for person_id, _ in years})
    years = {(person_id, year) for person_id, year in years if cards.get(person_id, (None, None))[0] is not None}
    payments = await year_payments(db, person_years=years)
    notices = []
    for person_id, year in sorted(years):
        five_year_date, exempt_from = cards[person_id]
        if exempt_from is not None and exempt_from.year == year:
            continue
        today = max(today_vn(), date(year, 1, 1))  # a facility's clock ahead of ours names next year's payments
        summary = co_payment_year(payments[(person_id, year)], year=year, five_year_date=five_year_date, today=today)
        if summary.eligible_from is None:
            continue
        notices.append(
            Notice(
                person_id=person_id,
                kind=NotificationKind.COPAYMENT_CAP_REACHED,
                dedupe_key=f"copayment-cap:{year}",
                params={
                    "year": year,
                    "total": summary.total,
                    "cap": summary.cap,
                    "eligible_from": summary.eligible_from.isoformat(),
                },
                link="#/benefits",
            )
        )
    await notify_many(db, notices)


def _claim_record(claim: qd130.Claim, *, signature: str | None) -> _Judged:
    """What a judged claim stores: the visit's facts and money, its lines, and its tables as received."""
    money = claim.money
    facts: dict[str, Any] = {
        "visit_type": (VisitType.INPATIENT if claim.inpatient else VisitType.OUTPATIENT).value,
        "kcb_type": claim.kcb_type,
        "admission_date": claim.admitted_at.date(),
        "discharge_date": claim.discharged_at.date(),
        "admitted_at": claim.admitted_at,
        "discharged_at": claim.discharged_at,
        "icd10_code": claim.icd10_code,
        "icd10_name": claim.diagnosis,
        "admission_reason": claim.admission_reason,
        "treatment_result": claim.treatment_result,
        "discharge_type": claim.discharge_type,
        "total_cost": money.total,
        "hi_scope_total": money.hi_scope,
        "hi_paid": money.hi_paid,
        "co_payment": money.co_payment,
        "out_of_scope": money.out_of_scope,
        "patient_paid": money.co_payment + money.out_of_scope,
        "other_sources": money.other_sources,
        "sick_leave_days": claim.sick_leave.days if claim.sick_leave else None,
        "sick_leave_from": claim.sick_leave.start if claim.sick_leave else None,
        "sick_leave_to": claim.sick_leave.end if claim.sick_leave else None,
    }
    lines: list[dict[str, Any]] = [
        {
            "source_table": line.table,
            "position": index,
            "code": line.code,
            "name": line.name,
            "unit": line.unit,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "amount": line.amount,
            "hi_amount": line.hi_amount,
            "hi_paid": line.hi_paid,
            "patient_paid": line.patient_paid,
        }
        for index, line in enumerate(claim.lines, start=1)
    ]
    return _Judged(
        visit_key=claim.visit_key,
        holder=claim.holder,
        admitted=claim.admitted_at.date(),
        facts=facts,
        lines=lines,
        submission={"tables": claim.tables, "signature": signature},
    )


def _judged_claims(read: qd130.Envelope, *, facility_code: str) -> Iterator[_Judged | list[qd130.Refusal]]:
    """Each visit of the envelope judged, one at a time; its decoded files are let go once it is judged."""
    for position, files in enumerate(read.visits):
        read.visits[position] = {}
        if isinstance(files, qd130.Refusal):
            yield [files]
            continue
        claim = qd130.judge_claim(files, facility_code=facility_code)
        yield claim if isinstance(claim, list) else _claim_record(claim, signature=read.signature)


async def receive_claims(db: AsyncSession, *, caller: FacilityCaller, data: bytes, outcome: Outcome) -> Outcome:
    """Judge and store each visit (HOSO) of the GIAMDINHHS envelope ``data``; FileRefused when it is unreadable."""
    read = qd130.read_envelope(data)
    if read.facility_code != caller.code:
        raise qd130.FileRefused(
            f"MACSKCB của hồ sơ ({read.facility_code or 'trống'}) không phải cơ sở của phiên đăng nhập "
            f"({caller.code}).",
            status=403,
        )
    records = _judged_claims(read, facility_code=caller.code)
    await _receive(db, caller=caller, outcome=outcome, kind=SubmissionKind.CLAIM, table="XML1", records=records)
    return outcome


def _checkin_record(record: qd130.CheckIn, *, signature: str | None) -> _Judged:
    """What a check-in stores: a visit in progress, and the record as received."""
    inpatient = record.kcb_type in qd130.INPATIENT_TYPES
    return _Judged(
        visit_key=record.visit_key,
        holder=record.holder,
        admitted=record.admitted_at.date(),
        facts={
            "visit_type": (VisitType.INPATIENT if inpatient else VisitType.OUTPATIENT).value,
            "kcb_type": record.kcb_type,
            "admission_date": record.admitted_at.date(),
            "admitted_at": record.admitted_at,
            "admission_reason": record.admission_reason,
        },
        lines=[],
        submission={"tables": {"XML0": record.table}, "signature": signature},
    )


async def receive_checkins(db: AsyncSession, *, caller: FacilityCaller, data: bytes, outcome: Outcome) -> Outcome:
    """Judge and store each record of a check-in table as a visit in progress."""
    records, signature = qd130.read_checkins(data, facility_code=caller.code)
    judged = (
        record if isinstance(record, list) else _checkin_record(record, signature=signature) for record in records
    )
    await _receive(
        db, caller=caller, outcome=outcome, kind=SubmissionKind.CHECK_IN, table="TRANG_THAI_KCB", records=judged
    )
    return outcome
