"""Medical visits as facilities send them: one per (facility, MA_LK), replaced by a resubmission, every file kept."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, cast, delete, func, insert, or_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.pagination import fetch_page
from ansinh.core.time import VN_TZ, utcnow
from ansinh.facilities.models import MedicalFacility
from ansinh.records.models import (
    MedicalVisit,
    MedicalVisitLine,
    MedicalVisitSubmission,
    SubmissionKind,
    VisitDisputeStatus,
    VisitStatus,
)
from ansinh.records.schemas import FacilityRef, MedicalVisitPublic, VisitLinePublic

VISIT = MedicalVisit.__table__  # type: ignore[attr-defined]
LINE = MedicalVisitLine.__table__  # type: ignore[attr-defined]
SUBMISSION = MedicalVisitSubmission.__table__  # type: ignore[attr-defined]
_LINE_COLUMNS = [column.name for column in LINE.columns if column.name != "id"]
# Lines go in as one array per column, unnested into rows by PostgreSQL: one statement for thousands of lines, where
# an executemany runs one INSERT per line (a claim of 100 visits brings ~4,000 lines).
_INSERT_LINES = insert(LINE).from_select(
    _LINE_COLUMNS,
    select(
        *func.unnest(*(cast(bindparam(name), ARRAY(LINE.c[name].type)) for name in _LINE_COLUMNS))
        .table_valued(*_LINE_COLUMNS)
        .render_derived()
        .c
    ),
)


@dataclass(frozen=True, slots=True)
class VisitWrite:
    """One visit to store: its key at the facility, whose it is, its facts and lines, and the file that brought it."""

    visit_key: str
    person_id: int
    facts: dict[str, Any]
    lines: list[dict[str, Any]]
    submission: dict[str, Any]


async def store_visits(
    db: AsyncSession, *, facility_id: int, kind: SubmissionKind, visits: Sequence[VisitWrite]
) -> list[tuple[int, int] | None]:
    """Create or replace each visit (facility, MA_LK) with its facts and lines, and keep its file.

    A claim replaces the visit's lines; a check-in never touches a visit already claimed (None for it). One statement
    per table for all the visits, in the caller's transaction: a database error fails them together, so the caller
    makes the unit (a savepoint). The MA_LK must differ (a statement cannot write one row twice). Returns (visit id,
    submission id) of each visit, in order.
    """
    if len({visit.visit_key for visit in visits}) != len(visits):
        raise ValueError("store_visits takes each MA_LK once")
    status = VisitStatus.CLAIMED if kind is SubmissionKind.CLAIM else VisitStatus.IN_PROGRESS
    now = utcnow()
    rows = [
        {
            **visit.facts,
            "facility_id": facility_id,
            "visit_key": visit.visit_key,
            "person_id": visit.person_id,
            "status": status.value,
            "updated_at": now,
        }
        for visit in visits
    ]
    upsert = pg_insert(VISIT)
    upsert = upsert.on_conflict_do_update(
        index_elements=[VISIT.c.facility_id, VISIT.c.visit_key],
        set_={name: upsert.excluded[name] for name in rows[0] if name not in ("facility_id", "visit_key")},
        # A late check-in must not turn a claimed visit back into one in progress.
        where=or_(VISIT.c.status == VisitStatus.IN_PROGRESS.value, upsert.excluded.status == VisitStatus.CLAIMED.value),
    ).returning(VISIT.c.visit_key, VISIT.c.id)
    connection = await db.connection()
    visit_ids: dict[str, int] = {key: visit_id for key, visit_id in await connection.execute(upsert, rows)}
    written = [visit for visit in visits if visit.visit_key in visit_ids]
    if not written:
        return [None] * len(visits)
    if kind is SubmissionKind.CLAIM:
        await connection.execute(delete(LINE).where(LINE.c.visit_id.in_(list(visit_ids.values()))))
        lines = [{**line, "visit_id": visit_ids[visit.visit_key]} for visit in written for line in visit.lines]
        if lines:
            await connection.execute(_INSERT_LINES, {name: [line[name] for line in lines] for name in _LINE_COLUMNS})
    submitted = await connection.execute(
        insert(SUBMISSION).returning(SUBMISSION.c.visit_id, SUBMISSION.c.id),
        [
            {**visit.submission, "visit_id": visit_ids[visit.visit_key], "kind": kind.value, "received_at": now}
            for visit in written
        ],
    )
    submission_ids: dict[int, int] = {visit_id: submission_id for visit_id, submission_id in submitted}
    ids = (visit_ids.get(visit.visit_key) for visit in visits)
    return [None if visit_id is None else (visit_id, submission_ids[visit_id]) for visit_id in ids]


def _plain(quantity: Decimal) -> Decimal:
    """A quantity without the column's trailing zeros (10, 0.5), never in exponent form."""
    return quantity.quantize(Decimal(1)) if quantity == quantity.to_integral_value() else quantity.normalize()


def _vietnam_time(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(VN_TZ)


def _newest_first() -> Any:
    return (
        select(MedicalVisit, MedicalFacility)
        .join(MedicalFacility, col(MedicalVisit.facility_id) == col(MedicalFacility.id))
        .order_by(
            col(MedicalVisit.admission_date).desc(),
            col(MedicalVisit.admitted_at).desc().nulls_last(),
            col(MedicalVisit.id).desc(),
        )
    )


async def visits_page(
    db: AsyncSession, *, person_id: int, limit: int, offset: int
) -> tuple[list[MedicalVisitPublic], int]:
    """A person's visits, newest first, each with its lines."""
    rows, total = await fetch_page(
        db,
        _newest_first(),
        count_from=MedicalVisit,
        where=MedicalVisit.person_id == person_id,
        limit=limit,
        offset=offset,
    )
    return await _public(db, rows), total


async def visit_public(db: AsyncSession, *, visit_id: int) -> MedicalVisitPublic | None:
    """One visit as its holder sees it (callers decide who may), with its lines; None when there is none."""
    row = (await db.exec(_newest_first().where(MedicalVisit.id == visit_id))).first()
    return None if row is None else (await _public(db, [row]))[0]


async def _public(db: AsyncSession, rows: Sequence[Any]) -> list[MedicalVisitPublic]:
    """Visits with their facilities, as the API shows them, their lines read in one query."""
    visit_ids = [visit.id for visit, _ in rows]
    lines: dict[int, list[VisitLinePublic]] = {visit_id: [] for visit_id in visit_ids}
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
    return [
        MedicalVisitPublic(
            id=visit.id,
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
            under_dispute=visit.dispute_status == VisitDisputeStatus.OPEN,
            dispute_status=visit.dispute_status,  # type: ignore[arg-type]
            lines=lines[visit.id],  # type: ignore[index]
        )
        for visit, facility in rows
    ]


async def latest_submission_id(db: AsyncSession, *, visit_id: int) -> int | None:
    """The id of the last file received for the visit: the version a dispute is about."""
    return (
        await db.exec(
            select(MedicalVisitSubmission.id)
            .where(MedicalVisitSubmission.visit_id == visit_id)
            .order_by(col(MedicalVisitSubmission.id).desc())
            .limit(1)
        )
    ).first()


async def set_dispute_state(
    db: AsyncSession, *, visit_id: int, status: VisitDisputeStatus | None, ground: str | None
) -> None:
    """Record where the visit's latest dispute stands (the applications' dispute rules decide; nothing else writes
    these columns, so a facility's resubmission leaves them as they are). In the caller's transaction."""
    await db.exec(
        update(MedicalVisit)  # type: ignore[call-overload]
        .where(col(MedicalVisit.id) == visit_id)
        .values(
            dispute_status=None if status is None else status.value, dispute_ground=None if status is None else ground
        )
    )


def admission_day(admitted_at: datetime) -> date:
    """The legal date of an admission: its Vietnam date."""
    return admitted_at.astimezone(VN_TZ).date()
