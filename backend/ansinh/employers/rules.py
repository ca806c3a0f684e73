"""Employer ledger rules as pure dated functions: salary bounds, monthly dues, the employment timeline a list of
declarations makes, payments allocated oldest due first, and the late-payment interest (no database, no I/O).

Money is integer VND rounded half up; months are ``YYYY-MM``; rates are basis points (1% = 100 bp).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ansinh.core.time import add_months, iter_months, parse_month
from ansinh.records import rules
from ansinh.records.tables import FUNDS, REGIONAL_MINIMUM_WAGE, DatedTable, in_force

__all__ = [
    "ARREARS_NOTICE_DAY",
    "CARD_DURING_ARREARS",
    "DECREASE_REASON",
    "EMPLOYEE_GROUP",
    "LATE_PAYMENT_INTEREST",
    "Due",
    "Line",
    "LineProblem",
    "Settlement",
    "Span",
    "allocate",
    "arrears_notice_due",
    "card_in_force_during_arrears",
    "check_lines",
    "contribution_months",
    "coverage_end",
    "coverage_start",
    "employed_in",
    "employee_card_valid_to",
    "late_interest",
    "month_due",
    "payment_deadline",
    "salary_bounds",
    "spans",
]

BP = 10_000
OPENING, HIRE, LEAVE, SALARY, SUSPEND = "opening", "hire", "leave", "salary", "suspend"
STARTS = (OPENING, HIRE)


@dataclass(frozen=True, slots=True)
class InterestRow:
    """Late-payment interest per day on the amount paid late, in force from a date."""

    effective_from: date
    daily_bp: int
    legal_basis: str


# Luật Bảo hiểm xã hội 2024 (41/2024/QH15), in force from 2025-07-01, Điều 40 khoản 1: an employer that pays late
# pays, on top, 0.03 % a day of the amount paid late for every day it is late. Earlier days are not charged here.
LATE_PAYMENT_INTEREST: DatedTable[InterestRow] = DatedTable(
    "late-payment interest",
    (InterestRow(date(2025, 7, 1), 3, "Luật BHXH 2024 (41/2024/QH15) Điều 40 khoản 1"),),
)


# --- health-insurance coverage of declared workers -------------------------------------------------------------

# Beneficiary group of the cards AnSinh issues to declared workers: DN, workers of enterprises (người lao động làm
# việc trong doanh nghiệp). Employers have no sector on record yet, so state bodies' workers (HC) get DN too.
EMPLOYEE_GROUP = "DN"
EMPLOYEE_GROUPS = ("DN", "HC")  # the live cards a leave may end: an employee's; another scheme's card is left alone

# A leave's reason → the card's reported-decrease reason (cards/results.py: 121, 122, 124, else 120 "reported").
# Retirement and death have no code of their own in the national table: they answer 120.
DECREASE_REASON: dict[str, str] = {
    "moved_out_of_province": "moved_out_of_province",
    "moved_within_province": "moved_within_province",
    "stopped": "stopped",
    "retired": "reported",
    "deceased": "reported",
}


def coverage_start(month: str) -> date:
    """A hire's card is in force from the first day of its month."""
    return _first_day(month)


def coverage_end(leave_month: str) -> date:
    """A reported leave keeps the card in force to the end of its month (issue 24's rule); the reduced state starts
    the next day. The dues stop with the leave's month (``contribution_months``): the month of leaving is covered,
    not charged, as the employers' D02-LT practice has it — check against Decision 595/QĐ-BHXH before relying on it.
    """
    return _first_day(add_months(leave_month, 1)) - timedelta(days=1)


def employee_card_valid_to(month: str) -> date:
    """How long a card issued or extended for a declared worker runs: to 31 December of the following year (as the
    demo's cards do); a leave shortens it to ``coverage_end``. AnSinh's choice, not a published rule."""
    year, _ = parse_month(month)
    return date(year + 1, 12, 31)


@dataclass(frozen=True, slots=True)
class ArrearsCardRow:
    """Whether a declared worker's card stays in force while the employer is in arrears, from a date."""

    effective_from: date
    in_force: bool
    legal_basis: str


# The card of a declared worker stays in force while the employer owes contributions: arrears are the employer's
# debt (paid with interest, Luật BHXH 2024 Điều 40), not the worker's loss, and the months stay theirs (they count
# once paid). Researched for issue 24 and NOT confirmed against the text: the 2014 HI law as amended by Luật
# 51/2024/QH15 (from 2025-07-01) and its Decree 188/2025/NĐ-CP are understood to keep the card of an employee whose
# employer pays late in force and to make the employer answer for the costs; a 2017 press report (ngaynay.vn,
# 2017-09-01) described an older practice of cards losing validity after 30 days of late HI payment. The table is
# dated so a confirmed rule can replace this row without touching the code that reads it.
CARD_DURING_ARREARS: DatedTable[ArrearsCardRow] = DatedTable(
    "card during employer arrears",
    (
        ArrearsCardRow(
            date(2025, 7, 1),
            True,
            "Luật BHYT (25/2008/QH12, sửa đổi 46/2014/QH13, 51/2024/QH15); Luật BHXH 2024 (41/2024/QH15) Điều 40 — "
            "unconfirmed reading, see employers/rules.py",
        ),
    ),
)


def card_in_force_during_arrears(on: date) -> bool:
    """Whether arrears leave a declared worker's card in force on ``on`` (see CARD_DURING_ARREARS); days before the
    table are not modelled and answer as its first row does."""
    try:
        return CARD_DURING_ARREARS.in_force(on).in_force
    except LookupError:
        return CARD_DURING_ARREARS.rows[0].in_force


# The monthly arrears notice to workers: sent from the 1st of each month, the day after the deadline of the month
# before last (``payment_deadline``: the last day of the following month) has passed, so from that day its unpaid
# dues are late (chậm đóng). No published rule on a reminder to workers was found (Decision 595/QĐ-BHXH has the
# fund's monthly statement to employers, C12-TS; its date was not confirmed): the day is AnSinh's, documented in
# docs/employers.md.
ARREARS_NOTICE_DAY = 1


def arrears_notice_due(today: date) -> bool:
    """Whether this month's arrears notice may go out on ``today`` (the runner tells each worker once a month)."""
    return today.day >= ARREARS_NOTICE_DAY


def _first_day(month: str) -> date:
    year, mon = parse_month(month)
    return date(year, mon, 1)


def salary_bounds(region: str, month: str) -> tuple[int, int]:
    """Lowest and highest SI salary of a month: the regional minimum wage and 20 × the base salary."""
    on = _first_day(month)
    return in_force(REGIONAL_MINIMUM_WAGE, on).for_region(region), rules.si_salary_cap(on)


def month_due(salary: int, month: str, region: str) -> rules.MonthlyContribution:
    """One worker's compulsory contributions for a month (all five funds), from the rates in force on its first day."""
    return rules.monthly_contribution(salary, FUNDS, _first_day(month), region=region)


def payment_deadline(month: str) -> date:
    """The last day to pay a month's contributions: the last day of the following month."""
    return _first_day(add_months(month, 2)) - timedelta(days=1)


# --- the employment timeline -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """A declaration line as the rules see it; ``salary`` is the contribution salary (salary + allowances)."""

    kind: str
    from_month: str
    to_month: str | None = None
    salary: int = 0
    row_no: int = 0


@dataclass(frozen=True, slots=True)
class LineProblem:
    """Why a line cannot be applied: its row, the column at fault, a stable code and a message."""

    row: int
    column: str
    code: str
    message: str


def _start_or_leave(lines: Iterable[Line]) -> list[Line]:
    return sorted((line for line in lines if line.kind in (*STARTS, LEAVE)), key=lambda line: line.from_month)


def employed_in(lines: Iterable[Line], month: str) -> bool:
    """Whether the latest start or leave declared on or before ``month`` is a start."""
    state = False
    for line in _start_or_leave(lines):
        if line.from_month > month:
            break
        state = line.kind in STARTS
    return state


def contribution_months(lines: Sequence[Line], through: str) -> dict[str, int]:
    """Month → contribution salary of every month the lines make due, up to ``through`` (suspensions excluded)."""
    starts = [line.from_month for line in lines if line.kind in STARTS]
    if not starts:
        return {}
    events: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        if line.kind != SUSPEND:
            events[line.from_month].append(line)
    suspended = {
        month
        for line in lines
        if line.kind == SUSPEND
        for month in iter_months(line.from_month, line.to_month or line.from_month)
    }
    order = {LEAVE: 0, OPENING: 1, HIRE: 1, SALARY: 2}
    employed, salary, due = False, 0, {}
    for month in iter_months(min(starts), through) if min(starts) <= through else ():
        for line in sorted(events.get(month, ()), key=lambda line: order[line.kind]):
            if line.kind == LEAVE:
                employed = False
            else:
                employed, salary = True, line.salary
        if employed and month not in suspended:
            due[month] = salary
    return due


def check_lines(existing: Sequence[Line], new: Sequence[Line]) -> list[LineProblem]:
    """Problems of one person's new lines against the lines already applied and each other (oldest month first)."""
    problems: list[LineProblem] = []
    accepted = list(existing)
    for line in sorted(new, key=lambda line: (line.from_month, line.row_no)):
        problem = _line_problem(accepted, line)
        if problem is None:
            accepted.append(line)
        else:
            problems.append(LineProblem(line.row_no, *problem))
    return problems


def _line_problem(accepted: Sequence[Line], line: Line) -> tuple[str, str, str] | None:
    """(column, code, message) when ``line`` cannot follow ``accepted``, else None."""
    month = line.from_month
    same_month = [other for other in accepted if other.kind != SUSPEND and other.from_month == month]
    if line.kind != SUSPEND and same_month:
        return "from_month", "overlapping", f"another declaration for this worker is already effective in {month}"
    if line.kind in STARTS:
        if employed_in(accepted, month):
            return "si_code", "overlapping", f"the worker is already declared at this employer in {month}"
        return None
    if line.kind == LEAVE:
        if not employed_in(accepted, month):
            later = [other.from_month for other in accepted if other.kind in STARTS and other.from_month > month]
            if later:
                return "from_month", "leave-before-hire", f"the leave ({month}) is before the hire ({min(later)})"
            return "si_code", "not-employed", f"the worker is not declared at this employer in {month}"
        return None
    if line.kind == SALARY:
        if not employed_in(accepted, month):
            return "si_code", "not-employed", f"the worker is not declared at this employer in {month}"
        return None
    # A suspension: within the employment, not over months already suspended.
    last = line.to_month or month
    months = list(iter_months(month, last))
    if not all(employed_in(accepted, m) for m in months):
        return "from_month", "not-employed", f"the worker is not declared at this employer for all of {month}..{last}"
    taken = {
        m
        for other in accepted
        if other.kind == SUSPEND
        for m in iter_months(other.from_month, other.to_month or other.from_month)
    }
    if taken.intersection(months):
        return "from_month", "overlapping", f"months of {month}..{last} are already declared without contribution"
    return None


@dataclass(frozen=True, slots=True)
class Span:
    """A run of consecutive months with the same salary, amounts and payment state: one contribution period."""

    from_month: str
    to_month: str
    salary_base: int
    employer_amount: int
    employee_amount: int
    paid: bool


def spans(months: Iterable[tuple[str, int, int, int, bool]]) -> list[Span]:
    """Group (month, salary, employer amount, employee amount, paid) into periods of consecutive equal months."""
    result: list[Span] = []
    for month, salary, employer_amount, employee_amount, paid in sorted(months):
        last = result[-1] if result else None
        same = last is not None and (last.salary_base, last.employer_amount, last.employee_amount, last.paid) == (
            salary,
            employer_amount,
            employee_amount,
            paid,
        )
        if last is not None and same and add_months(last.to_month, 1) == month:
            result[-1] = Span(last.from_month, month, salary, employer_amount, employee_amount, paid)
        else:
            result.append(Span(month, month, salary, employer_amount, employee_amount, paid))
    return result


# --- payments and arrears ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """An amount due for a month; ``key`` tells one worker's due from another's within the month."""

    month: str
    key: int
    amount: int


@dataclass(frozen=True, slots=True)
class Settlement:
    """Part of a due paid on a date."""

    paid_on: date
    amount: int


@dataclass(slots=True)
class Allocation:
    """Payments spread over dues: what each due received and when, and what is left over (a credit)."""

    paid: dict[tuple[str, int], int] = field(default_factory=dict)
    settlements: dict[str, list[Settlement]] = field(default_factory=lambda: defaultdict(list))
    credit: int = 0


def allocate(dues: Iterable[Due], payments: Iterable[tuple[date, int]]) -> Allocation:
    """Spread payments (in the order they were paid) over the dues, oldest month first, then by key."""
    queue = sorted(dues, key=lambda due: (due.month, due.key))
    result = Allocation(paid={(due.month, due.key): 0 for due in queue})
    position = 0
    for paid_on, amount in sorted(payments, key=lambda payment: payment[0]):
        left = amount
        while left > 0 and position < len(queue):
            due = queue[position]
            key = (due.month, due.key)
            take = min(left, due.amount - result.paid[key])
            if take > 0:
                result.paid[key] += take
                month = result.settlements[due.month]
                if month and month[-1].paid_on == paid_on:  # one settlement per month and day
                    month[-1] = Settlement(paid_on, month[-1].amount + take)
                else:
                    month.append(Settlement(paid_on, take))
                left -= take
            if result.paid[key] >= due.amount:
                position += 1
        result.credit += left
    return result


def late_interest(amount: int, month: str, settlements: Sequence[Settlement], as_of: date) -> int:
    """Interest on a month's dues paid late: each day after the deadline, the amount still unpaid × the daily rate.

    A payment counts from the day it is paid; days before the rate table starts carry none. Rounded half up once.
    """
    outstanding = amount
    day = payment_deadline(month) + timedelta(days=1)
    end = as_of + timedelta(days=1)
    total = Decimal(0)
    events = [(s.paid_on, s.amount) for s in sorted(settlements, key=lambda settlement: settlement.paid_on)]
    for stop, paid in [*events, (end, 0)]:
        clipped = min(stop, end)
        if clipped > day and outstanding > 0:
            total += _interest(outstanding, day, clipped)
        day = max(day, clipped)
        outstanding -= paid
        if stop >= end:
            break
    return rules.round_half_up(total)


def _interest(outstanding: int, first: date, stop: date) -> Decimal:
    """Interest on ``outstanding`` for the days ``first`` … ``stop`` − 1, at the rate in force each day."""
    total = Decimal(0)
    rows = LATE_PAYMENT_INTEREST.rows
    for row, next_row in zip(rows, (*rows[1:], None), strict=True):
        start = max(first, row.effective_from)
        end = min(stop, next_row.effective_from) if next_row else stop
        if end > start:
            total += Decimal(outstanding) * row.daily_bp * (end - start).days / BP
    return total
