"""Employers: who may act for which employer, declarations applied whole, dues and payments, and the citizens'
contribution periods projected from them (through the records service)."""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise

from sqlalchemy import bindparam, delete, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.context import RequestContext
from ansinh.core.credentials import count_attempt, verified_client
from ansinh.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.time import MONTH_RE, add_months, month_of, today_vn
from ansinh.core.tokens import EMPLOYER_TOKEN_TTL, Principal, issue_access_token
from ansinh.employers import coverage, rules
from ansinh.employers.models import (
    BatchSource,
    Declaration,
    DeclarationBatch,
    DeclarationKind,
    EmployerClient,
    EmployerDue,
    EmployerMembership,
    EmployerPayment,
    LeaveReason,
    PaymentPlan,
    PaymentPlanInstalment,
    SuspendReason,
)
from ansinh.employers.schemas import (
    ArrearsPublic,
    DeclarationLineIn,
    DeclarationReceipt,
    DeclarationResult,
    DeclarationSummary,
    DueRow,
    EmployerOwing,
    EmployerPublic,
    InstalmentIn,
    LineResult,
    MonthArrears,
    PaymentPlanIn,
    PaymentPlanPublic,
    PaymentPublic,
    StaffArrears,
    WorkerPublic,
)
from ansinh.households.provider import signature_valid
from ansinh.identity.audit import record_event
from ansinh.identity.models import Person
from ansinh.identity.service import persons_by_citizen_id, persons_by_si_code, register_person
from ansinh.notifications.service import notify_many
from ansinh.records.models import Employer
from ansinh.records.service import LedgerPeriod, replace_employer_periods
from ansinh.records.tables import FUNDS

DECLARE_LOCK = 7_230_002  # pg_advisory_xact_lock(DECLARE_LOCK, employer id): one write per employer at a time
ROLE_HR = "employer_staff"
ROLE_SOFTWARE = "employer"


class DeclarationRejected(DomainError):
    status_code = 422
    slug = "declaration-rejected"
    title = "Declaration rejected"
    default_en = "Some rows cannot be applied; nothing was applied. Each problem is listed by row and column."
    default_vi = "Một số dòng không hợp lệ; chưa dòng nào được ghi nhận. Từng lỗi được liệt kê theo dòng và cột."


class InvalidSignature(Unauthenticated):
    slug = "invalid-signature"
    title = "Invalid signature"
    default_en = "The callback signature is missing, wrong or too old."
    default_vi = "Chữ ký của thông báo thanh toán không hợp lệ."


class IdempotencyKeyRequired(InvalidInput):
    slug = "idempotency-key-required"
    default_en = "Send an Idempotency-Key header (1–64 characters) with every write."
    default_vi = "Mỗi yêu cầu ghi cần có tiêu đề Idempotency-Key (1–64 ký tự)."


class IdempotencyKeyReused(Conflict):
    slug = "idempotency-key-reused"
    default_en = "This Idempotency-Key was already used for a different request."
    default_vi = "Idempotency-Key này đã được dùng cho một yêu cầu khác."


# --- who acts for which employer -----------------------------------------------------------------------------------


async def issue_employer_token(
    db: AsyncSession,
    store: SharedStore,
    *,
    settings: Settings,
    grant_type: str,
    client_id: str,
    client_secret: str,
    ip: str,
) -> tuple[str, int, str]:
    """Check the declaration software's credentials; returns (token, lifetime in seconds, employer code)."""
    await count_attempt(store, scope="employer", grant_type=grant_type, client_id=client_id, ip=ip)
    row = (
        await db.exec(
            select(EmployerClient, Employer)
            .join(Employer, col(EmployerClient.employer_id) == col(Employer.id))
            .where(EmployerClient.client_id == client_id)
        )
    ).first()
    client, employer = await verified_client(row, client_secret, realm="ansinh-employer")
    token, expires_in = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=client.client_id,
        role=ROLE_SOFTWARE,
        ttl=EMPLOYER_TOKEN_TTL,
        extra={"emp": employer.code},
    )
    return token, expires_in, employer.code


def employer_public(employer: Employer) -> EmployerPublic:
    """An employer as the API shows it."""
    return EmployerPublic(
        code=employer.code,
        name=employer.name,
        tax_code=employer.tax_code,
        address=employer.address,
        province_code=employer.province_code,
        wage_region=employer.wage_region,
    )


async def employers_of(db: AsyncSession, principal: Principal) -> list[Employer]:
    """The employers the caller acts for: an HR clerk's memberships, or the software client's one employer."""
    if principal.role == ROLE_SOFTWARE:
        query = select(Employer).where(Employer.code == principal.claims.get("emp"))
    elif principal.role == ROLE_HR:
        query = (
            select(Employer)
            .join(EmployerMembership, col(EmployerMembership.employer_id) == col(Employer.id))
            .where(EmployerMembership.account_id == principal.account_id)
        )
    else:
        return []
    return list((await db.exec(query.order_by(col(Employer.code)))).all())


async def acting_employer(db: AsyncSession, principal: Principal, code: str) -> Employer:
    """The employer ``code`` when the caller acts for it; 403 otherwise (unknown codes alike, so none is probed)."""
    for employer in await employers_of(db, principal):
        if employer.code == code:
            return employer
    raise Forbidden("You do not act for this employer.", "Bạn không có quyền thao tác cho đơn vị này.")


# --- declarations --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    """A line being checked: the input, its row number, and the person once resolved."""

    row: int
    line: DeclarationLineIn
    person: Person | None = None


def request_hash(payload: object) -> str:
    """SHA-256 of a request's canonical JSON, to tell a retry from a reused key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def body_hash(body: bytes) -> str:
    """SHA-256 of an uploaded file."""
    return hashlib.sha256(body).hexdigest()


def payment_body(*, bank_ref: str, employer_code: str, amount: int, paid_on: date) -> bytes:
    """The JSON a bank posts for an employer's payment (used by the dev bank and by tests)."""
    event = {
        "event_id": bank_ref,
        "bank_ref": bank_ref,
        "employer_code": employer_code,
        "amount": amount,
        "paid_on": paid_on.isoformat(),
    }
    return json.dumps(event, separators=(",", ":")).encode()


def _problem(row: int, column: str, code: str, message: str) -> dict[str, object]:
    return {"row": row, "column": column, "code": code, "message": message}


def _check_month(value: str | None, column: str, row: int, latest: str) -> dict[str, object] | None:
    """A problem when a month is not YYYY-MM or is beyond the next month."""
    if value is None:
        return None
    if not MONTH_RE.match(value):
        return _problem(row, column, "bad-month", "expected a month written YYYY-MM")
    if value > latest:
        return _problem(row, column, "month-too-late", f"months after {latest} (the next month) cannot be declared")
    return None


def _shape_problems(rows: list[_Row], employer: Employer, latest: str) -> list[dict[str, object]]:
    """Problems a row shows on its own: months, salary bounds, reasons, new-person fields."""
    problems: list[dict[str, object]] = []
    for item in rows:
        line, row = item.line, item.row
        month_problems = [
            p
            for p in (
                _check_month(line.from_month, "from_month", row, latest),
                _check_month(line.to_month, "to_month", row, latest),
            )
            if p
        ]
        problems += month_problems
        if not month_problems and line.to_month and line.to_month < line.from_month:
            problems.append(_problem(row, "to_month", "month-order", "the last month is before the first"))
        if line.kind in ("hire", "salary"):
            if line.salary is None:
                problems.append(_problem(row, "salary", "required", "a salary is required"))
            elif not month_problems:
                minimum, cap = rules.salary_bounds(employer.wage_region, line.from_month)
                total = line.salary + line.allowances
                if total < minimum:
                    problems.append(
                        _problem(
                            row,
                            "salary",
                            "below-minimum",
                            f"{total:,} VND is below the region {employer.wage_region} minimum wage "
                            f"({minimum:,} VND) in {line.from_month}",
                        )
                    )
                elif total > cap:
                    problems.append(
                        _problem(row, "salary", "above-cap", f"{total:,} VND is above the SI cap ({cap:,} VND)")
                    )
        if line.kind == "leave" and line.reason not in {r.value for r in LeaveReason}:
            allowed = ", ".join(r.value for r in LeaveReason)
            problems.append(_problem(row, "reason", "bad-reason", f"a leave needs a reason: one of {allowed}"))
        if line.kind == "suspend" and line.reason not in {r.value for r in SuspendReason}:
            allowed = ", ".join(r.value for r in SuspendReason)
            problems.append(_problem(row, "reason", "bad-reason", f"a suspension needs a reason: one of {allowed}"))
        if line.kind == "suspend" and line.to_month is None:
            problems.append(_problem(row, "to_month", "required", "a suspension needs its last month"))
        if line.si_code is None:
            if line.kind != "hire":
                problems.append(_problem(row, "si_code", "required", "the worker's SI code is required"))
            else:
                for column in ("full_name", "date_of_birth", "sex", "citizen_id"):
                    if getattr(line, column) in (None, ""):
                        problems.append(_problem(row, column, "required", "required for a person new to SI"))
                if line.citizen_id and not (
                    len(line.citizen_id) == 12 and line.citizen_id.isascii() and line.citizen_id.isdigit()
                ):
                    problems.append(_problem(row, "citizen_id", "bad-citizen-id", "expected 12 digits"))
        elif not _is_si_code(line.si_code):
            problems.append(_problem(row, "si_code", "bad-si-code", "expected 10 digits"))
    return problems


def _is_si_code(value: str) -> bool:
    """Ten ASCII digits."""
    return len(value) == 10 and value.isascii() and value.isdigit()


def _rules_line(kind: str, from_month: str, to_month: str | None, salary: int, row: int) -> rules.Line:
    return rules.Line(kind=kind, from_month=from_month, to_month=to_month, salary=salary, row_no=row)


async def _applied_lines(db: AsyncSession, employer_id: int, person_ids: list[int]) -> dict[int, list[rules.Line]]:
    """The lines already applied for these persons at this employer."""
    result: dict[int, list[rules.Line]] = defaultdict(list)
    if not person_ids:
        return result
    found = await db.exec(
        select(Declaration).where(Declaration.employer_id == employer_id, col(Declaration.person_id).in_(person_ids))
    )
    for d in found.all():
        result[d.person_id].append(_rules_line(d.kind, d.from_month, d.to_month, d.salary + d.allowances, 0))
    return result


async def _resolve_people(db: AsyncSession, rows: list[_Row]) -> list[dict[str, object]]:
    """Attach each row's person; problems for unknown SI codes, mismatched names and already registered newcomers."""
    problems: list[dict[str, object]] = []
    known = await persons_by_si_code(db, sorted({r.line.si_code for r in rows if r.line.si_code}))
    registered = await persons_by_citizen_id(
        db, sorted({r.line.citizen_id for r in rows if r.line.si_code is None and r.line.citizen_id})
    )
    newcomers: set[str] = set()
    for item in rows:
        line = item.line
        if line.si_code is None:
            existing = registered.get(line.citizen_id or "")
            if line.citizen_id and line.citizen_id in newcomers:
                problems.append(
                    _problem(item.row, "citizen_id", "overlapping", "this person is hired twice in the list")
                )
            elif existing is not None:
                problems.append(
                    _problem(item.row, "citizen_id", "already-registered", "this person already has an SI code: use it")
                )
            newcomers.add(line.citizen_id or "")
            continue
        if not _is_si_code(line.si_code):
            continue  # reported by the shape checks
        person = known.get(line.si_code)
        if person is None:
            problems.append(
                _problem(item.row, "si_code", "unknown-si-code", f"no insured person has SI code {line.si_code}")
            )
        elif line.full_name and line.full_name.strip().casefold() != person.full_name.casefold():
            problems.append(_problem(item.row, "full_name", "name-mismatch", "the name does not match the SI code"))
        else:
            item.person = person
    return problems


def _timeline_problems(rows: list[_Row], applied: dict[int, list[rules.Line]]) -> list[dict[str, object]]:
    """Problems of each person's lines against what is applied and against each other."""
    by_person: dict[int, list[rules.Line]] = defaultdict(list)
    for item in rows:
        if item.person is not None:
            line = item.line
            salary = (line.salary or 0) + line.allowances
            by_person[item.person.id].append(  # type: ignore[index]
                _rules_line(line.kind, line.from_month, line.to_month, salary, item.row)
            )
    problems = []
    for person_id, lines in by_person.items():
        for p in rules.check_lines(applied.get(person_id, []), lines):
            problems.append(_problem(p.row, p.column, p.code, p.message))
    return problems


async def _lock_employer(db: AsyncSession, employer_id: int) -> None:
    """Serialise writes for one employer (declarations, uploads, payments) until the transaction ends."""
    await db.exec(select(func.pg_advisory_xact_lock(DECLARE_LOCK, employer_id)))


async def _replay(db: AsyncSession, employer: Employer, key: str, digest: str) -> DeclarationResult | None:
    """The batch an earlier request with this key applied; 409 when the key came with a different request."""
    batch = (
        await db.exec(
            select(DeclarationBatch).where(
                DeclarationBatch.employer_id == employer.id, DeclarationBatch.idempotency_key == key
            )
        )
    ).first()
    if batch is None:
        return None
    if batch.request_hash != digest:
        raise IdempotencyKeyReused()
    return await batch_result(db, employer, batch)


async def batch_result(db: AsyncSession, employer: Employer, batch: DeclarationBatch) -> DeclarationResult:
    """An applied batch with its lines."""
    found = await db.exec(
        select(Declaration, Person)
        .join(Person, col(Person.id) == col(Declaration.person_id))
        .where(Declaration.batch_id == batch.id)
        .order_by(col(Declaration.row_no))
    )
    return DeclarationResult(
        id=batch.id,  # type: ignore[arg-type]
        employer_code=employer.code,
        month=batch.month,
        source=batch.source,
        lines=[
            LineResult(row=d.row_no, kind=d.kind, si_code=p.si_code, full_name=p.full_name, from_month=d.from_month)
            for d, p in found.all()
        ],
    )


async def declare(
    db: AsyncSession,
    *,
    employer: Employer,
    month: str,
    lines: list[tuple[int, DeclarationLineIn]],
    source: str,
    idempotency_key: str | None,
    digest: str,
    submitted_by: str,
    today: date | None = None,
    problems: list[dict[str, object]] | None = None,
) -> tuple[DeclarationResult, bool]:
    """Check every line, then apply all of them or none; returns (the batch, whether it was applied just now).

    ``lines`` are (row number, line); ``problems`` are those already found while reading a file (its rows that
    could not be read are not in ``lines``): they are reported with the rest, and any problem applies nothing.
    """
    if not idempotency_key or len(idempotency_key) > 64:
        raise IdempotencyKeyRequired()
    await _lock_employer(db, employer.id)  # type: ignore[arg-type]
    replay = await _replay(db, employer, idempotency_key, digest)
    if replay is not None:
        await db.rollback()
        return replay, False
    latest = add_months(month_of(today or today_vn()), 1)
    rows = [_Row(row=row, line=line) for row, line in lines]
    problems = list(problems or [])
    if not MONTH_RE.match(month):
        problems.append(_problem(0, "month", "bad-month", "expected a month written YYYY-MM"))
    elif month > latest:
        problems.append(_problem(0, "month", "month-too-late", f"months after {latest} cannot be declared"))
    problems += _shape_problems(rows, employer, latest)
    problems += await _resolve_people(db, rows)
    if not problems and not rows:
        problems.append(_problem(0, "file", "empty", "no rows to declare"))
    if not problems:
        applied = await _applied_lines(db, employer.id, sorted({r.person.id for r in rows if r.person}))  # type: ignore[arg-type,misc]
        problems += _timeline_problems(rows, applied)
    if problems:
        await db.rollback()
        raise DeclarationRejected(extra={"errors": sorted(problems, key=lambda p: (p["row"], str(p["column"])))})
    for item in rows:
        if item.person is None:  # a person new to SI: registered now, with a new SI code of the employer's province
            line = item.line
            item.person = await register_person(
                db,
                full_name=(line.full_name or "").strip(),
                date_of_birth=line.date_of_birth,  # type: ignore[arg-type]
                sex=line.sex or "",
                citizen_id=line.citizen_id or "",
                province_code=employer.province_code,
            )
    declared_before = await _declared_through(db, employer.id)  # type: ignore[arg-type]
    batch = DeclarationBatch(
        employer_id=employer.id,  # type: ignore[arg-type]
        month=month,
        source=source,
        idempotency_key=idempotency_key,
        request_hash=digest,
        lines=len(rows),
        submitted_by=submitted_by,
    )
    db.add(batch)
    await db.flush()
    await (await db.connection()).execute(
        insert(Declaration.__table__),  # type: ignore[attr-defined]
        [
            {
                "batch_id": batch.id,
                "employer_id": employer.id,
                "person_id": item.person.id,  # type: ignore[union-attr]
                "row_no": item.row,
                "kind": item.line.kind,
                "from_month": item.line.from_month,
                "to_month": item.line.to_month,
                "salary": item.line.salary or 0,
                "allowances": item.line.allowances,
                "position": item.line.position,
                "reason": item.line.reason,
            }
            for item in rows
        ],
    )
    person_ids: set[int] = {item.person.id for item in rows}  # type: ignore[union-attr,misc]
    if declared_before is None or month > declared_before:
        # A later month is declared: every worker still employed owes it, not only those on this list (D02-LT
        # lists changes; unchanged workers carry on at their salary).
        person_ids |= await _declared_persons(db, employer.id)  # type: ignore[arg-type]
    paid_now = await recompute(db, employer=employer, person_ids=person_ids)
    await coverage.follow_batch(db, employer=employer, batch=batch, today=today or today_vn())
    salaries = (
        await db.exec(
            select(EmployerDue.person_id, EmployerDue.salary_base).where(
                EmployerDue.employer_id == employer.id, EmployerDue.month == month
            )
        )
    ).all()
    await notify_many(
        db,
        coverage.salary_notices(employer, month, [(pid, salary) for pid, salary in salaries])
        + coverage.paid_notices(employer, paid_now),
    )
    result = await batch_result(db, employer, batch)
    try:
        await db.commit()
    except IntegrityError:  # the same key applied by a concurrent request first: answer with its batch
        await db.rollback()
        replay = await _replay(db, employer, idempotency_key, digest)
        if replay is None:
            raise
        return replay, False
    return result, True


# --- dues, payments and the citizens' periods ---------------------------------------------------------------------


async def _declared_through(db: AsyncSession, employer_id: int) -> str | None:
    """The latest month the employer has declared: dues are computed through it."""
    return (
        await db.exec(select(func.max(DeclarationBatch.month)).where(DeclarationBatch.employer_id == employer_id))
    ).one()


async def _declared_persons(db: AsyncSession, employer_id: int) -> set[int]:
    """Everyone the employer has ever declared."""
    found = await db.exec(select(Declaration.person_id).where(Declaration.employer_id == employer_id).distinct())
    return set(found.all())


async def recompute(db: AsyncSession, *, employer: Employer, person_ids: set[int]) -> set[tuple[int, str]]:
    """Recompute these workers' dues, re-allocate the employer's payments, and project changed periods (no commit);
    returns the (worker, month) dues fully paid after it."""
    eid: int = employer.id  # type: ignore[assignment]
    through = await _declared_through(db, eid)
    applied = await _applied_lines(db, eid, sorted(person_ids))
    due_table = EmployerDue.__table__  # type: ignore[attr-defined]
    connection = await db.connection()
    await connection.execute(
        delete(due_table).where(due_table.c.employer_id == eid, due_table.c.person_id.in_(sorted(person_ids)))
    )
    new_rows = []
    for person_id in sorted(person_ids):
        for month, salary in rules.contribution_months(applied.get(person_id, []), through or "0000-01").items():
            due = rules.month_due(salary, month, employer.wage_region)
            new_rows.append(
                {
                    "employer_id": eid,
                    "person_id": person_id,
                    "month": month,
                    "salary_base": salary,
                    "funds": ",".join(FUNDS),
                    "employer_amount": due.employer_total,
                    "employee_amount": due.employee_total,
                    "paid": 0,
                    "rule_version": due.rule_version,
                }
            )
    if new_rows:
        await connection.execute(insert(due_table), new_rows)
    changed, paid_now = await reallocate(db, employer_id=eid)
    await project(db, employer_id=eid, person_ids=person_ids | changed, applied=applied)
    return paid_now


async def _payments(db: AsyncSession, employer_id: int) -> list[tuple[date, int]]:
    found = await db.exec(
        select(EmployerPayment.paid_on, EmployerPayment.amount)
        .where(EmployerPayment.employer_id == employer_id)
        .order_by(col(EmployerPayment.paid_on), col(EmployerPayment.id))
    )
    return [(paid_on, amount) for paid_on, amount in found.all()]


async def reallocate(db: AsyncSession, *, employer_id: int) -> tuple[set[int], set[tuple[int, str]]]:
    """Spread all the employer's payments over its dues again (oldest first); returns the persons whose months
    changed state, and the (person, month) dues that became fully paid."""
    dues = (
        await db.exec(
            select(
                EmployerDue.id,
                EmployerDue.person_id,
                EmployerDue.month,
                EmployerDue.employer_amount,
                EmployerDue.employee_amount,
                EmployerDue.paid,
            ).where(EmployerDue.employer_id == employer_id)
        )
    ).all()
    allocation = rules.allocate(
        [rules.Due(month=month, key=pid, amount=er + ee) for _, pid, month, er, ee, _ in dues],
        await _payments(db, employer_id),
    )
    updates, changed, paid_now = [], set(), set()
    for due_id, pid, month, er, ee, paid in dues:
        now_paid = allocation.paid[(month, pid)]
        if now_paid != paid:
            updates.append({"due_id": due_id, "new_paid": now_paid})
            if (now_paid == er + ee) != (paid == er + ee):
                changed.add(pid)
                if now_paid == er + ee:
                    paid_now.add((pid, month))
    if updates:
        table = EmployerDue.__table__  # type: ignore[attr-defined]
        statement = update(table).where(table.c.id == bindparam("due_id")).values(paid=bindparam("new_paid"))
        await (await db.connection()).execute(statement, updates)
    return changed, paid_now


async def project(
    db: AsyncSession, *, employer_id: int, person_ids: set[int], applied: dict[int, list[rules.Line]] | None = None
) -> None:
    """Write these persons' contribution periods at the employer from the ledger (through the records service)."""
    if not person_ids:
        return
    ids = sorted(person_ids)
    if applied is None or not set(ids) <= set(applied):
        applied = await _applied_lines(db, employer_id, ids)
    found = await db.exec(
        select(
            EmployerDue.person_id,
            EmployerDue.month,
            EmployerDue.salary_base,
            EmployerDue.employer_amount,
            EmployerDue.employee_amount,
            EmployerDue.paid,
        ).where(EmployerDue.employer_id == employer_id, col(EmployerDue.person_id).in_(ids))
    )
    months: dict[int, list[tuple[str, int, int, int, bool]]] = defaultdict(list)
    for pid, month, salary, er, ee, paid in found.all():
        months[pid].append((month, salary, er, ee, paid >= er + ee))
    periods_from = {}
    for pid in ids:
        starts = [line.from_month for line in applied.get(pid, []) if line.kind in rules.STARTS]
        if not starts:
            continue
        periods_from[pid] = (
            min(starts),
            [
                LedgerPeriod(s.from_month, s.to_month, s.salary_base, s.employer_amount, s.employee_amount, s.paid)
                for s in rules.spans(months.get(pid, []))
            ],
        )
    await replace_employer_periods(db, employer_id=employer_id, periods_from=periods_from)


async def record_payment(
    db: AsyncSession, *, body: bytes, signature: str | None, secret: str, now: datetime
) -> dict[str, str]:
    """A bank's signed report of an employer's payment: recorded once per bank reference, allocated oldest first."""
    if not signature or not signature_valid(body, signature, secret=secret, now=now):
        raise InvalidSignature()
    try:
        event = json.loads(body)
        bank_ref, code, amount = str(event["bank_ref"]), str(event["employer_code"]), event["amount"]
        paid_on = date.fromisoformat(str(event["paid_on"]))
        event_id = str(event.get("event_id") or bank_ref)
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("The callback body is not a payment report.", "Nội dung không phải báo có.") from None
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0 or not 0 < len(bank_ref) <= 64:
        raise InvalidInput("The amount must be a positive whole VND and the bank reference 1–64 characters.")
    employer = (await db.exec(select(Employer).where(Employer.code == code))).first()
    if employer is None:
        raise InvalidInput("Unknown employer code.", "Mã đơn vị không tồn tại.")
    await _lock_employer(db, employer.id)  # type: ignore[arg-type]
    seen = (await db.exec(select(EmployerPayment).where(EmployerPayment.bank_ref == bank_ref))).first()
    if seen is not None:
        await db.rollback()
        return {"status": "duplicate"}
    db.add(
        EmployerPayment(
            employer_id=employer.id,  # type: ignore[arg-type]
            amount=amount,
            paid_on=paid_on,
            bank_ref=bank_ref,
            event_id=event_id[:64],
        )
    )
    await db.flush()
    changed, paid_now = await reallocate(db, employer_id=employer.id)  # type: ignore[arg-type]
    await project(db, employer_id=employer.id, person_ids=changed)  # type: ignore[arg-type]
    await notify_many(db, coverage.paid_notices(employer, paid_now))
    try:
        await db.commit()
    except IntegrityError:  # the same bank reference recorded by a concurrent callback
        await db.rollback()
        return {"status": "duplicate"}
    return {"status": "recorded"}


# --- reads -------------------------------------------------------------------------------------------------------


async def dues(db: AsyncSession, *, employer: Employer, month: str) -> list[DueRow]:
    """Each worker's dues for a month, per fund, with what has been paid."""
    if not MONTH_RE.match(month):
        raise InvalidInput("'month' must be a month written YYYY-MM.", "'month' phải là tháng dạng YYYY-MM.")
    found = await db.exec(
        select(EmployerDue, Person)
        .join(Person, col(Person.id) == col(EmployerDue.person_id))
        .where(EmployerDue.employer_id == employer.id, EmployerDue.month == month)
        .order_by(col(Person.si_code))
    )
    result = []
    for due, person in found.all():
        parts = rules.month_due(due.salary_base, month, employer.wage_region)
        total = due.employer_amount + due.employee_amount
        result.append(
            DueRow(
                si_code=person.si_code,
                full_name=person.full_name,
                month=month,
                salary_base=due.salary_base,
                funds={code: (part.employer, part.employee) for code, part in parts.funds.items()},
                employer_amount=due.employer_amount,
                employee_amount=due.employee_amount,
                total=total,
                paid=due.paid,
                owed=total - due.paid,
                rule_version=due.rule_version,
            )
        )
    return result


async def arrears(db: AsyncSession, *, employer: Employer, as_of: date | None = None) -> ArrearsPublic:
    """Per month: dues, paid, owed and the late-payment interest as of a day (default today in Vietnam)."""
    day = as_of or today_vn()
    found = await db.exec(
        select(
            EmployerDue.month, EmployerDue.person_id, EmployerDue.employer_amount, EmployerDue.employee_amount
        ).where(EmployerDue.employer_id == employer.id)
    )
    rows = found.all()
    allocation = rules.allocate(
        [rules.Due(month=month, key=pid, amount=er + ee) for month, pid, er, ee in rows],
        [(paid_on, amount) for paid_on, amount in await _payments(db, employer.id) if paid_on <= day],  # type: ignore[arg-type]
    )
    due_by_month: dict[str, int] = defaultdict(int)
    paid_by_month: dict[str, int] = defaultdict(int)
    for month, pid, er, ee in rows:
        due_by_month[month] += er + ee
        paid_by_month[month] += allocation.paid[(month, pid)]
    months = []
    for month in sorted(due_by_month):
        interest = rules.late_interest(due_by_month[month], month, allocation.settlements.get(month, []), day)
        months.append(
            MonthArrears(
                month=month,
                due=due_by_month[month],
                paid=paid_by_month[month],
                owed=due_by_month[month] - paid_by_month[month],
                deadline=rules.payment_deadline(month),
                interest=interest,
            )
        )
    return ArrearsPublic(
        as_of=day,
        months=months,
        total_due=sum(m.due for m in months),
        total_paid=sum(m.paid for m in months),
        total_owed=sum(m.owed for m in months),
        total_interest=sum(m.interest for m in months),
        credit=allocation.credit,
        interest_rule=rules.LATE_PAYMENT_INTEREST.latest().legal_basis,
    )


async def workers(db: AsyncSession, *, employer: Employer, today: date | None = None) -> list[WorkerPublic]:
    """Everyone the employer has declared, with the latest salary and whether they are employed this month."""
    month = month_of(today or today_vn())
    found = await db.exec(
        select(Declaration, Person)
        .join(Person, col(Person.id) == col(Declaration.person_id))
        .where(Declaration.employer_id == employer.id)
        .order_by(col(Declaration.from_month), col(Declaration.id))
    )
    lines: dict[int, list[rules.Line]] = defaultdict(list)
    people: dict[int, Person] = {}
    salary: dict[int, int] = {}
    for d, person in found.all():
        people[person.id] = person  # type: ignore[index]
        lines[person.id].append(_rules_line(d.kind, d.from_month, d.to_month, d.salary + d.allowances, 0))  # type: ignore[index]
        if d.kind in (DeclarationKind.OPENING, DeclarationKind.HIRE, DeclarationKind.SALARY) and d.from_month <= month:
            salary[person.id] = d.salary + d.allowances  # type: ignore[index]
    return [
        WorkerPublic(
            si_code=people[pid].si_code,
            full_name=people[pid].full_name,
            from_month=min(line.from_month for line in lines[pid] if line.kind in rules.STARTS),
            salary=salary.get(pid, 0),
            employed=rules.employed_in(lines[pid], month),
        )
        for pid in sorted(people, key=lambda pid: people[pid].si_code)
        if any(line.kind in rules.STARTS for line in lines[pid])
    ]


# --- the employer's declarations and plans, and staff's view -------------------------------------------------------


class NothingOwed(Conflict):
    slug = "nothing-owed"
    title = "Nothing owed"
    default_en = "This employer owes nothing today: there is nothing to plan."
    default_vi = "Đơn vị không còn nợ: không cần kế hoạch trả nợ."


class PlanMismatch(InvalidInput):
    status_code = 422
    slug = "payment-plan-mismatch"
    title = "Payment plan does not add up"
    default_en = "The instalments must add up to what is owed today and fall on later days, each after the last."
    default_vi = "Các kỳ trả phải cộng đúng số đang nợ hôm nay, và có ngày tăng dần từ hôm nay trở đi."


async def declarations(
    db: AsyncSession, *, employer: Employer, limit: int, offset: int
) -> tuple[list[DeclarationSummary], int]:
    """The employer's declaration batches, newest first."""
    where = DeclarationBatch.employer_id == employer.id
    total = (await db.exec(select(func.count()).select_from(DeclarationBatch).where(where))).one()
    found = await db.exec(
        select(DeclarationBatch)
        .where(where)
        .order_by(col(DeclarationBatch.created_at).desc(), col(DeclarationBatch.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        DeclarationSummary(id=b.id, month=b.month, source=b.source, lines=b.lines, submitted_at=b.created_at)  # type: ignore[arg-type]
        for b in found.all()
    ], total


async def receipt(db: AsyncSession, *, employer: Employer, batch_id: int) -> DeclarationReceipt:
    """One applied declaration as a receipt; another employer's batch is not found."""
    batch = await db.get(DeclarationBatch, batch_id)
    if batch is None or batch.employer_id != employer.id:
        raise NotFound("No such declaration.", "Không có hồ sơ khai báo này.")
    result = await batch_result(db, employer, batch)
    return DeclarationReceipt(
        **result.model_dump(),
        employer=employer_public(employer),
        submitted_at=batch.created_at,
        submitted_by=batch.submitted_by,
    )


async def payments(db: AsyncSession, *, employer: Employer) -> list[PaymentPublic]:
    """Payments received from the employer's bank, newest first."""
    found = await db.exec(
        select(EmployerPayment)
        .where(EmployerPayment.employer_id == employer.id)
        .order_by(col(EmployerPayment.paid_on).desc(), col(EmployerPayment.id).desc())
    )
    return [PaymentPublic(bank_ref=p.bank_ref, amount=p.amount, paid_on=p.paid_on) for p in found.all()]


async def employer_by_code(db: AsyncSession, code: str) -> Employer:
    """An employer by its unit code, for staff (404 when unknown)."""
    employer = (await db.exec(select(Employer).where(Employer.code == code))).first()
    if employer is None:
        raise NotFound("No employer with this code.", "Không có đơn vị với mã này.")
    return employer


async def plans(db: AsyncSession, *, employer: Employer) -> list[PaymentPlanPublic]:
    """The employer's payment plans, newest first."""
    found = (
        await db.exec(
            select(PaymentPlan)
            .where(PaymentPlan.employer_id == employer.id)
            .order_by(col(PaymentPlan.created_at).desc(), col(PaymentPlan.id).desc())
        )
    ).all()
    instalments: dict[int, list[InstalmentIn]] = defaultdict(list)
    if found:
        rows = await db.exec(
            select(PaymentPlanInstalment)
            .where(col(PaymentPlanInstalment.plan_id).in_([p.id for p in found]))
            .order_by(col(PaymentPlanInstalment.due_on))
        )
        for row in rows.all():
            instalments[row.plan_id].append(InstalmentIn(due_on=row.due_on, amount=row.amount))
    return [
        PaymentPlanPublic(
            id=p.id,  # type: ignore[arg-type]
            employer_code=employer.code,
            owed_at_start=p.owed_at_start,
            interest_at_start=p.interest_at_start,
            total=p.owed_at_start + p.interest_at_start,
            instalments=instalments[p.id],  # type: ignore[index]
            note=p.note,
            recorded_at=p.created_at,
        )
        for p in found
    ]


async def record_plan(
    db: AsyncSession,
    *,
    employer: Employer,
    plan: PaymentPlanIn,
    staff_account_id: int,
    context: RequestContext | None,
    today: date | None = None,
) -> PaymentPlanPublic:
    """Record a payment plan that pays everything owed today (contributions and interest); audited on the staff
    account. Instalments fall today or later, one a day at most, in order."""
    day = today or today_vn()
    await _lock_employer(db, employer.id)  # type: ignore[arg-type]
    account = await arrears(db, employer=employer, as_of=day)
    if account.total_owed <= 0:
        raise NothingOwed()
    dates = [i.due_on for i in plan.instalments]
    total = account.total_owed + account.total_interest
    if dates[0] < day or any(b <= a for a, b in pairwise(dates)) or sum(i.amount for i in plan.instalments) != total:
        raise PlanMismatch(extra={"owed": account.total_owed, "interest": account.total_interest, "total": total})
    row = PaymentPlan(
        employer_id=employer.id,  # type: ignore[arg-type]
        owed_at_start=account.total_owed,
        interest_at_start=account.total_interest,
        note=plan.note,
        recorded_by=staff_account_id,
    )
    db.add(row)
    await db.flush()
    for instalment in plan.instalments:
        db.add(PaymentPlanInstalment(plan_id=row.id, due_on=instalment.due_on, amount=instalment.amount))  # type: ignore[arg-type]
    record_event(
        db,
        account_id=staff_account_id,
        kind="employer_payment_plan",
        context=context,
        employer_code=employer.code,
        plan_id=str(row.id),
        total=str(total),
        instalments=str(len(plan.instalments)),
    )
    await db.commit()
    return next(p for p in await plans(db, employer=employer) if p.id == row.id)


async def staff_arrears(db: AsyncSession, *, employer: Employer) -> StaffArrears:
    """An employer's account as staff see it, with its payment plans and the card rule during arrears."""
    today = today_vn()
    in_force = rules.card_in_force_during_arrears(today)
    basis = rules.CARD_DURING_ARREARS.latest().legal_basis
    return StaffArrears(
        employer=employer_public(employer),
        arrears=await arrears(db, employer=employer, as_of=today),
        plans=await plans(db, employer=employer),
        card_rule=("Workers' cards stay in force while they are declared: " if in_force else "Cards lapse: ") + basis,
    )


async def owing(db: AsyncSession, *, limit: int, offset: int) -> tuple[list[EmployerOwing], int]:
    """Employers with dues not fully paid, most owed first."""
    owed = func.sum(col(EmployerDue.employer_amount) + col(EmployerDue.employee_amount) - col(EmployerDue.paid))
    unpaid = col(EmployerDue.paid) < col(EmployerDue.employer_amount) + col(EmployerDue.employee_amount)
    grouped = (
        select(Employer.code, Employer.name, func.count(func.distinct(EmployerDue.month)), owed)
        .join(Employer, col(Employer.id) == col(EmployerDue.employer_id))
        .where(unpaid)
        .group_by(col(Employer.code), col(Employer.name))
    )
    total = (await db.exec(select(func.count()).select_from(grouped.subquery()))).one()
    rows = await db.exec(grouped.order_by(owed.desc(), col(Employer.code)).limit(limit).offset(offset))
    return [EmployerOwing(code=c, name=n, months=m, owed=int(o)) for c, n, m, o in rows.all()], total


__all__ = [
    "BatchSource",
    "DeclarationRejected",
    "acting_employer",
    "arrears",
    "declare",
    "dues",
    "employer_public",
    "employers_of",
    "issue_employer_token",
    "record_payment",
    "request_hash",
    "workers",
]
