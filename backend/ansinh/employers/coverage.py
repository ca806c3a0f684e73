"""Coverage follows the declarations: a hire's card, a leave's end of coverage (and what takes over), and what the
workers are told. Cards change only through ``cards.service``; notices through ``notifications.service``."""

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import DEAD_STATUSES, CardStatus, DecreaseReason, HealthInsuranceCard
from ansinh.cards.results import DECREASE_CODES
from ansinh.cards.service import (
    Coverage,
    cover_people,
    cover_person,
    end_validity,
    live_card,
    set_card_status_in_transaction,
)
from ansinh.core.settings import Settings
from ansinh.core.time import add_months, month_of, utcnow
from ansinh.employers import rules
from ansinh.employers.models import (
    CoverageChange,
    CoverageOutcome,
    Declaration,
    DeclarationBatch,
    DeclarationKind,
    EmployerDue,
)
from ansinh.households.billing import paid_cover_until
from ansinh.households.service import HOUSEHOLD_GROUP
from ansinh.notifications.models import NotificationKind
from ansinh.notifications.service import Notice, notify_many
from ansinh.records.models import Employer

HIRE_LINK = "#/card"
LEAVE_LINK = "#/household"  # where the app offers household health insurance (voluntary SI is under #/services)


async def follow_batch(db: AsyncSession, *, employer: Employer, batch: DeclarationBatch, today: date) -> None:
    """The cards and notices a just-applied batch calls for (in the caller's transaction, not committed)."""
    found = await db.exec(
        select(Declaration)
        .where(
            Declaration.batch_id == batch.id,
            col(Declaration.kind).in_([DeclarationKind.HIRE.value, DeclarationKind.LEAVE.value]),
        )
        .order_by(col(Declaration.row_no))
    )
    lines = found.all()
    notices = await _hires(db, employer=employer, lines=[d for d in lines if d.kind == DeclarationKind.HIRE])
    for line in lines:
        if line.kind == DeclarationKind.LEAVE:
            notices.append(await _leave(db, employer=employer, line=line, today=today))
    await notify_many(db, notices)


async def _hires(db: AsyncSession, *, employer: Employer, lines: list[Declaration]) -> list[Notice]:
    """Hires: each worker's employee card runs from the hire's month (issued when they have none in force), all in
    a few statements (an employer's list may hire thousands).

    A live card of another scheme that is in force (pension, pupil, household…) is left as it is: AnSinh does not
    move a paid household card or a pensioner's card to the employer.
    """
    if not lines:
        return []
    cards = {
        card.person_id: card
        for card in (
            await db.exec(
                select(HealthInsuranceCard).where(
                    col(HealthInsuranceCard.person_id).in_([line.person_id for line in lines]),
                    col(HealthInsuranceCard.status).not_in(DEAD_STATUSES),
                )
            )
        ).all()
    }
    wanted = []
    for line in lines:
        card = cards.get(line.person_id)
        other_scheme = (
            card is not None
            and card.status == CardStatus.ACTIVE
            and card.beneficiary_group not in rules.EMPLOYEE_GROUPS
            and card.valid_to >= rules.coverage_start(line.from_month)
        )
        if not other_scheme:
            wanted.append(
                Coverage(
                    person_id=line.person_id,
                    beneficiary_group=rules.EMPLOYEE_GROUP,
                    valid_from=rules.coverage_start(line.from_month),
                    valid_to=rules.employee_card_valid_to(line.from_month),
                    reason=f"declared by employer {employer.code} from {line.from_month}",
                )
            )
    covered = await cover_people(db, wanted) if wanted else {}
    notices = []
    for line in lines:
        result, card = covered.get(line.person_id), cards.get(line.person_id)
        issued = result is not None and (card is None or result.serial != card.serial)
        notices.append(
            Notice(
                person_id=line.person_id,
                kind=NotificationKind.EMPLOYMENT_STARTED,
                dedupe_key=f"hire:{line.id}",
                params={
                    "employer": employer.name,
                    "employer_id": employer.id,
                    "month": line.from_month,
                    "card_issued": issued,
                    "card_valid_from": rules.coverage_start(line.from_month).isoformat(),
                },
                link=HIRE_LINK,
            )
        )
    return notices


async def _leave(db: AsyncSession, *, employer: Employer, line: Declaration, today: date) -> Notice:
    """A leave: the employee card now ends with the leave's month; the day after, the due job decides what follows
    (at once when that day has already come: a back-dated leave)."""
    ends_on = rules.coverage_end(line.from_month)
    change = CoverageChange(
        declaration_id=line.id,  # type: ignore[arg-type]
        employer_id=employer.id,  # type: ignore[arg-type]
        person_id=line.person_id,
        ends_on=ends_on,
        reason=line.reason or "stopped",
    )
    db.add(change)
    await db.flush()
    if await _declaring_employer(db, person_id=line.person_id, month=add_months(line.from_month, 1)) is None:
        # Nobody declares them next month (yet): the card's own dates say it ends with the leave's month, so it is
        # not in force after it even before the due job reports it reduced.
        await end_validity(
            db,
            person_id=line.person_id,
            beneficiary_groups=rules.EMPLOYEE_GROUPS,
            valid_to=ends_on,
            reason=f"leave declared by employer {employer.code} from {line.from_month}",
        )
    if ends_on < today:
        await apply_change(db, change=change, today=today)
    return Notice(
        person_id=line.person_id,
        kind=NotificationKind.EMPLOYMENT_ENDED,
        dedupe_key=f"leave:{line.id}",
        params={
            "employer": employer.name,
            "employer_id": employer.id,
            "month": line.from_month,
            "reason": change.reason,
            "covered_until": ends_on.isoformat(),
        },
        link=LEAVE_LINK,
    )


async def _declaring_employer(db: AsyncSession, *, person_id: int, month: str) -> Employer | None:
    """An employer whose declarations have the person employed in ``month`` (the one declared most recently)."""
    found = await db.exec(
        select(Declaration, Employer)
        .join(Employer, col(Employer.id) == col(Declaration.employer_id))
        .where(Declaration.person_id == person_id, col(Declaration.from_month) <= month)
        .order_by(col(Declaration.id))
    )
    lines: dict[int, list[rules.Line]] = defaultdict(list)
    employers: dict[int, Employer] = {}
    for d, employer in found.all():
        lines[employer.id].append(rules.Line(kind=d.kind, from_month=d.from_month, to_month=d.to_month))  # type: ignore[index]
        employers[employer.id] = employer  # type: ignore[index]
    for employer_id in reversed(list(employers)):
        if rules.employed_in(lines[employer_id], month):
            return employers[employer_id]
    return None


async def apply_change(db: AsyncSession, *, change: CoverageChange, today: date) -> str:
    """Decide, the day after a leave's coverage ended, what the card becomes (caller's transaction): it carries on
    when an employer declares the worker for the next month, moves to the household scheme when a paid household
    coverage runs that day, and is otherwise reported reduced with the leave's code (120-124)."""
    after = change.ends_on + timedelta(days=1)
    next_month = month_of(after)
    person_id = change.person_id
    params: dict[str, object] = {"since": after.isoformat(), "employer_id": change.employer_id}
    employer = await _declaring_employer(db, person_id=person_id, month=next_month)
    found = await live_card(db, person_id=person_id)
    card = found[0] if found else None
    if card is not None and card.status == CardStatus.ACTIVE and card.beneficiary_group not in rules.EMPLOYEE_GROUPS:
        outcome = CoverageOutcome.OTHER_SCHEME  # a pension, pupil or household card in force: not the employer's
    elif employer is not None:
        outcome = CoverageOutcome.EMPLOYER
        await cover_person(
            db,
            person_id=person_id,
            beneficiary_group=rules.EMPLOYEE_GROUP,
            valid_from=after,
            valid_to=rules.employee_card_valid_to(next_month),
            reason=f"declared by employer {employer.code} in {next_month}",
        )
        params["employer"] = employer.name
    elif card is None:
        outcome = CoverageOutcome.NO_CARD
    elif (until := await paid_cover_until(db, person_id=person_id, on=after)) is not None:
        outcome = CoverageOutcome.HOUSEHOLD
        await cover_person(
            db,
            person_id=person_id,
            beneficiary_group=HOUSEHOLD_GROUP,
            valid_from=after,
            valid_to=until,
            reason="paid household coverage takes over after the employer's leave",
        )
        params["valid_to"] = until.isoformat()
    else:
        outcome = CoverageOutcome.DECREASED
        decrease = DecreaseReason(rules.DECREASE_REASON.get(change.reason, DecreaseReason.REPORTED.value))
        if card.status != CardStatus.DECREASED:
            await set_card_status_in_transaction(
                db,
                number=card.number,
                status=CardStatus.DECREASED,
                decrease_reason=decrease,
                reason=f"leave declared by the employer, coverage ended {change.ends_on.isoformat()}",
                staff_account_id=None,
            )
        params["code"] = DECREASE_CODES[decrease.value].value
    change.applied_at, change.outcome = utcnow(), outcome.value
    db.add(change)
    if outcome in (CoverageOutcome.EMPLOYER, CoverageOutcome.HOUSEHOLD, CoverageOutcome.DECREASED):
        params["outcome"] = outcome.value
        await notify_many(
            db,
            [
                Notice(
                    person_id=person_id,
                    kind=NotificationKind.COVERAGE_CHANGED,
                    dedupe_key=f"coverage:{change.id}",
                    params=params,
                    link=HIRE_LINK if outcome != CoverageOutcome.DECREASED else LEAVE_LINK,
                )
            ],
        )
    return outcome.value


async def apply_due_changes(db: AsyncSession, today: date, settings: Settings) -> int:
    """Due task: every leave whose coverage ended before today and is not applied yet (each once, in order)."""
    done = 0
    while True:
        batch = (
            await db.exec(
                select(CoverageChange)
                .where(col(CoverageChange.applied_at).is_(None), col(CoverageChange.ends_on) < today)
                .order_by(col(CoverageChange.ends_on), col(CoverageChange.id))
                .limit(200)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not batch:
            return done
        for change in batch:
            await apply_change(db, change=change, today=today)
            done += 1
        await db.commit()


def salary_notices(employer: Employer, month: str, salaries: list[tuple[int, int]]) -> list[Notice]:
    """ "Your employer declared your salary of … for …": one per worker, month and salary (a correction tells again)."""
    return [
        Notice(
            person_id=person_id,
            kind=NotificationKind.SALARY_DECLARED,
            dedupe_key=f"salary:{employer.id}:{month}:{salary}",
            params={"employer": employer.name, "employer_id": employer.id, "month": month, "salary": salary},
            link="#/contributions",
        )
        for person_id, salary in salaries
    ]


def paid_notices(employer: Employer, paid: set[tuple[int, str]]) -> list[Notice]:
    """ "Your contributions for … were paid": once per worker and month, when the month's due is fully paid."""
    return [
        Notice(
            person_id=person_id,
            kind=NotificationKind.CONTRIBUTIONS_PAID,
            dedupe_key=f"paid:{employer.id}:{month}",
            params={"employer": employer.name, "employer_id": employer.id, "month": month},
            link="#/contributions",
        )
        for person_id, month in sorted(paid)
    ]


def last_month(today: date) -> str:
    """The month before ``today``'s."""
    return add_months(month_of(today), -1)


async def arrears_notices(db: AsyncSession, today: date, settings: Settings) -> int:
    """Due task: "your employer has not paid N months", computed from the ledger, once a month per worker and
    employer (from ``rules.ARREARS_NOTICE_DAY``): the declared months through last month whose dues are not fully
    paid. It replaces the notice read from arrears periods (which said only "last month")."""
    if not rules.arrears_notice_due(today):
        return 0
    due = EmployerDue
    rows = await db.exec(
        select(
            due.employer_id,
            Employer.name,
            due.person_id,
            func.count(),
            func.min(due.month),
            func.max(due.month),
        )
        .join(Employer, col(Employer.id) == col(due.employer_id))
        .where(col(due.paid) < col(due.employer_amount) + col(due.employee_amount), col(due.month) <= last_month(today))
        .group_by(col(due.employer_id), col(Employer.name), col(due.person_id))
    )
    this_month = month_of(today)
    notices = [
        Notice(
            person_id=person_id,
            kind=NotificationKind.ARREARS_FOUND,
            dedupe_key=f"employer-arrears:{this_month}:{employer_id}",
            params={
                "employer": name,
                "employer_id": employer_id,
                "months": months,
                "first_month": first,
                "last_month": last,
            },
            link="#/contributions",
        )
        for employer_id, name, person_id, months, first, last in rows.all()
    ]
    created = await notify_many(db, notices)
    await db.commit()
    return created
