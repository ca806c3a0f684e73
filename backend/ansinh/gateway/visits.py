"""Check-ins and claims from hospital software, judged and stored as the citizen's visits, the citizen told."""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus, HealthInsuranceCard
from ansinh.cards.results import CheckResult, card_standing
from ansinh.core.time import utcnow
from ansinh.gateway import qd130
from ansinh.gateway.callers import FacilityCaller
from ansinh.identity.models import DatePrecision, Person
from ansinh.notifications.models import NotificationKind, NotificationPreference
from ansinh.notifications.service import notify
from ansinh.records.models import SubmissionKind, VisitType
from ansinh.records.visits import store_visit

log = logging.getLogger(__name__)


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


async def _find_holder(db: AsyncSession, holder: qd130.Holder) -> _Found | None:
    """The card MA_THE_BHYT names (the live one first), else the card of the person SO_CCCD names."""
    query = select(HealthInsuranceCard, Person).join(Person, col(Person.id) == col(HealthInsuranceCard.person_id))
    if holder.card_code is not None:
        column = HealthInsuranceCard.number if len(holder.card_code) == 10 else HealthInsuranceCard.legacy_code
        query = query.where(column == holder.card_code)
    else:
        query = query.where(Person.citizen_id == holder.citizen_id)
    # A reissue keeps the number: the card that replaced the others comes first.
    ended = col(HealthInsuranceCard.status).in_([CardStatus.REPLACED.value, CardStatus.WITHDRAWN.value])
    query = query.order_by(ended, col(HealthInsuranceCard.issued_at).desc())
    row = (await db.exec(query.limit(1))).first()
    return None if row is None else _Found(person=row[1], card=row[0])


async def _judge_holder(
    db: AsyncSession, holder: qd130.Holder, *, visit_key: str, table: str
) -> _Found | qd130.Refusal:
    """The person and card a record names, when its name, birth date and citizen ID agree with the registry."""
    found = await _find_holder(db, holder)
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


def _card_flag(card: HealthInsuranceCard, *, visit_key: str, table: str, admitted: date) -> str | None:
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


async def _wants_push(db: AsyncSession, person_id: int) -> bool:
    """Visit notices are pushed to those who opted in to card-check notices; the inbox always has them."""
    choice = (
        await db.exec(select(NotificationPreference.card_checked).where(NotificationPreference.person_id == person_id))
    ).first()
    return bool(choice)


async def _store_and_tell(
    db: AsyncSession,
    *,
    caller: FacilityCaller,
    outcome: Outcome,
    kind: SubmissionKind,
    found: _Found,
    visit_key: str,
    table: str,
    facts: dict[str, object],
    lines: list[dict[str, object]],
    submission: dict[str, object],
) -> None:
    """One visit stored with its notice, all or nothing (a savepoint); a refusal in ``outcome`` otherwise."""
    person_id: int = found.person.id  # type: ignore[assignment]
    try:
        async with db.begin_nested():
            stored = await store_visit(
                db,
                facility_id=caller.facility_id,
                visit_key=visit_key,
                person_id=person_id,
                kind=kind,
                facts=facts,
                lines=lines,
                submission={**submission, "receipt": outcome.receipt, "account": caller.username},
            )
            if stored is None:
                outcome.refusals.append(
                    qd130.Refusal(
                        visit_key, table, "MA_LK", "Lượt khám đã được gửi hồ sơ giám định, không check-in lại."
                    )
                )
                return
            _, submission_id = stored
            await notify(
                db,
                person_id=person_id,
                kind=NotificationKind.VISIT_RECORDED,
                dedupe_key=f"visit:{submission_id}",
                params={
                    "facility": caller.name,
                    "status": "in_progress" if kind is SubmissionKind.CHECK_IN else "claimed",
                    "admission_date": facts["admission_date"].isoformat(),  # type: ignore[attr-defined]
                },
                link="#/visits",
                push=await _wants_push(db, person_id),
            )
    except SQLAlchemyError:
        log.exception("visit %s of facility %s not stored", visit_key, caller.code)
        outcome.refusals.append(qd130.Refusal(visit_key, table, None, "Không lưu được hồ sơ; đề nghị gửi lại."))
        return
    outcome.accepted += 1


def _flag_text(visit_key: str, table: str, code: str) -> str:
    meaning = CheckResult(code).message_vi
    return f"[MA_LK={visit_key}, {table}, MA_THE_BHYT] Lưu ý: thẻ không có giá trị vào ngày vào ({code}: {meaning})"


async def receive_claims(db: AsyncSession, *, caller: FacilityCaller, envelope: bytes, outcome: Outcome) -> Outcome:
    """Judge and store each visit (HOSO) of a GIAMDINHHS envelope; FileRefused when the envelope is unreadable."""
    read = qd130.read_envelope(envelope)
    if read.facility_code != caller.code:
        raise qd130.FileRefused(
            f"MACSKCB của hồ sơ ({read.facility_code or 'trống'}) không phải cơ sở của phiên đăng nhập "
            f"({caller.code}).",
            status=403,
        )
    for files in read.visits:
        if isinstance(files, qd130.Refusal):
            outcome.refusals.append(files)
            continue
        claim = qd130.judge_claim(files, facility_code=caller.code)
        if isinstance(claim, list):
            outcome.refusals.extend(claim)
            continue
        found = await _judge_holder(db, claim.holder, visit_key=claim.visit_key, table="XML1")
        if isinstance(found, qd130.Refusal):
            outcome.refusals.append(found)
            continue
        admitted = claim.admitted_at.date()
        flag = _card_flag(found.card, visit_key=claim.visit_key, table="XML1", admitted=admitted)
        money = claim.money
        facts: dict[str, object] = {
            "visit_type": (VisitType.INPATIENT if claim.inpatient else VisitType.OUTPATIENT).value,
            "kcb_type": claim.kcb_type,
            "admission_date": admitted,
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
            "card_result": flag,
            "sick_leave_days": claim.sick_leave.days if claim.sick_leave else None,
            "sick_leave_from": claim.sick_leave.start if claim.sick_leave else None,
            "sick_leave_to": claim.sick_leave.end if claim.sick_leave else None,
        }
        lines: list[dict[str, object]] = [
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
        accepted_before = outcome.accepted
        await _store_and_tell(
            db,
            caller=caller,
            outcome=outcome,
            kind=SubmissionKind.CLAIM,
            found=found,
            visit_key=claim.visit_key,
            table="XML1",
            facts=facts,
            lines=lines,
            submission={"tables": claim.tables, "signature": read.signature},
        )
        if flag is not None and outcome.accepted > accepted_before:
            outcome.flags.append(_flag_text(claim.visit_key, "XML1", flag))
    return outcome


async def receive_checkins(db: AsyncSession, *, caller: FacilityCaller, data: bytes, outcome: Outcome) -> Outcome:
    """Judge and store each record of a check-in table as a visit in progress."""
    records, signature = qd130.read_checkins(data, facility_code=caller.code)
    for record in records:
        if isinstance(record, list):
            outcome.refusals.extend(record)
            continue
        found = await _judge_holder(db, record.holder, visit_key=record.visit_key, table="TRANG_THAI_KCB")
        if isinstance(found, qd130.Refusal):
            outcome.refusals.append(found)
            continue
        admitted = record.admitted_at.date()
        flag = _card_flag(found.card, visit_key=record.visit_key, table="TRANG_THAI_KCB", admitted=admitted)
        inpatient = record.kcb_type in qd130.INPATIENT_TYPES
        facts: dict[str, object] = {
            "visit_type": (VisitType.INPATIENT if inpatient else VisitType.OUTPATIENT).value,
            "kcb_type": record.kcb_type,
            "admission_date": admitted,
            "admitted_at": record.admitted_at,
            "admission_reason": record.admission_reason,
            "card_result": flag,
        }
        accepted_before = outcome.accepted
        await _store_and_tell(
            db,
            caller=caller,
            outcome=outcome,
            kind=SubmissionKind.CHECK_IN,
            found=found,
            visit_key=record.visit_key,
            table="TRANG_THAI_KCB",
            facts=facts,
            lines=[],
            submission={"tables": {"XML0": record.table}, "signature": signature},
        )
        if flag is not None and outcome.accepted > accepted_before:
            outcome.flags.append(_flag_text(record.visit_key, "TRANG_THAI_KCB", flag))
    return outcome
