"""Medical visits as facilities send them: one per (facility, MA_LK), replaced by a resubmission, every file kept."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.pagination import fetch_page
from ansinh.core.time import VN_TZ, utcnow
from ansinh.facilities.models import MedicalFacility
from ansinh.records.models import MedicalVisit, MedicalVisitLine, MedicalVisitSubmission, SubmissionKind, VisitStatus
from ansinh.records.schemas import FacilityRef, MedicalVisitPublic, VisitLinePublic

VISIT = MedicalVisit.__table__  # type: ignore[attr-defined]
LINE = MedicalVisitLine.__table__  # type: ignore[attr-defined]
SUBMISSION = MedicalVisitSubmission.__table__  # type: ignore[attr-defined]


async def store_visit(
    db: AsyncSession,
    *,
    facility_id: int,
    visit_key: str,
    person_id: int,
    kind: SubmissionKind,
    facts: dict[str, Any],
    lines: list[dict[str, Any]],
    submission: dict[str, Any],
) -> tuple[int, int] | None:
    """Create or replace the visit (facility, MA_LK) with ``facts`` and its ``lines``, and keep the file.

    A claim replaces the visit's lines; a check-in never touches a visit already claimed (None then). Runs in the
    caller's transaction: the caller makes it one unit (a savepoint per visit). Returns (visit id, submission id).
    """
    status = VisitStatus.CLAIMED if kind is SubmissionKind.CLAIM else VisitStatus.IN_PROGRESS
    values = {**facts, "person_id": person_id, "status": status.value, "updated_at": utcnow()}
    upsert = pg_insert(VISIT).values(facility_id=facility_id, visit_key=visit_key, **values)
    upsert = upsert.on_conflict_do_update(
        index_elements=[VISIT.c.facility_id, VISIT.c.visit_key],
        set_={name: upsert.excluded[name] for name in values},
        # A late check-in must not turn a claimed visit back into one in progress.
        where=or_(VISIT.c.status == VisitStatus.IN_PROGRESS.value, upsert.excluded.status == VisitStatus.CLAIMED.value),
    ).returning(VISIT.c.id)
    connection = await db.connection()
    visit_id = (await connection.execute(upsert)).scalar_one_or_none()
    if visit_id is None:
        return None
    if kind is SubmissionKind.CLAIM:
        await connection.execute(delete(LINE).where(LINE.c.visit_id == visit_id))
        if lines:
            await connection.execute(insert(LINE), [{**line, "visit_id": visit_id} for line in lines])
    submission_id = (
        await connection.execute(
            insert(SUBMISSION)
            .values(visit_id=visit_id, kind=kind.value, received_at=utcnow(), **submission)
            .returning(SUBMISSION.c.id)
        )
    ).scalar_one()
    return visit_id, submission_id


def _plain(quantity: Decimal) -> Decimal:
    """A quantity without the column's trailing zeros (10, 0.5), never in exponent form."""
    return quantity.quantize(Decimal(1)) if quantity == quantity.to_integral_value() else quantity.normalize()


def _vietnam_time(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(VN_TZ)


async def visits_page(
    db: AsyncSession, *, person_id: int, limit: int, offset: int
) -> tuple[list[MedicalVisitPublic], int]:
    """A person's visits, newest first, each with its lines."""
    newest_first = (
        select(MedicalVisit, MedicalFacility)
        .join(MedicalFacility, col(MedicalVisit.facility_id) == col(MedicalFacility.id))
        .order_by(
            col(MedicalVisit.admission_date).desc(),
            col(MedicalVisit.admitted_at).desc().nulls_last(),
            col(MedicalVisit.id).desc(),
        )
    )
    rows, total = await fetch_page(
        db, newest_first, count_from=MedicalVisit, where=MedicalVisit.person_id == person_id, limit=limit, offset=offset
    )
    visit_ids = [visit.id for visit, _ in rows]
    lines: dict[int, list[VisitLinePublic]] = {visit_id: [] for visit_id in visit_ids}  # type: ignore[misc]
    if visit_ids:
        found = await db.exec(
            select(MedicalVisitLine)
            .where(col(MedicalVisitLine.visit_id).in_(visit_ids))
            .order_by(
                col(MedicalVisitLine.visit_id), col(MedicalVisitLine.source_table), col(MedicalVisitLine.position)
            )
        )
        for line in found:
            lines[line.visit_id].append(
                VisitLinePublic(
                    kind="drug" if line.source_table == "XML2" else "service",
                    code=line.code,
                    name=line.name,
                    unit=line.unit,
                    quantity=_plain(line.quantity),
                    unit_price=line.unit_price,
                    amount=line.amount,
                    hi_paid=line.hi_paid,
                    patient_paid=line.patient_paid,
                )
            )
    items = [
        MedicalVisitPublic(
            facility=FacilityRef(code=facility.code, name=facility.name),
            status=visit.status,
            admission_date=visit.admission_date,
            discharge_date=visit.discharge_date,
            admitted_at=_vietnam_time(visit.admitted_at),
            discharged_at=_vietnam_time(visit.discharged_at),
            visit_type=visit.visit_type,
            kcb_type=visit.kcb_type,
            icd10_code=visit.icd10_code,
            icd10_name=visit.icd10_name,
            total_cost=visit.total_cost,
            hi_paid=visit.hi_paid,
            patient_paid=visit.patient_paid,
            co_payment=visit.co_payment,
            out_of_scope=visit.out_of_scope,
            other_sources=visit.other_sources,
            card_result=visit.card_result,
            sick_leave_days=visit.sick_leave_days,
            sick_leave_from=visit.sick_leave_from,
            sick_leave_to=visit.sick_leave_to,
            lines=lines[visit.id],  # type: ignore[index]
        )
        for visit, facility in rows
    ]
    return items, total


def admission_day(admitted_at: datetime) -> date:
    """The legal date of an admission: its Vietnam date."""
    return admitted_at.astimezone(VN_TZ).date()
