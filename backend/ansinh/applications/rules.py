"""Pure rules of applications: the status machine, who may move it, and when a facility change takes effect."""

from datetime import date

from ansinh.applications.models import ApplicationKind, ApplicationStatus

S = ApplicationStatus

# The only moves there are. Staff decide; the citizen may only take back an undecided application.
STAFF_TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.REJECTED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.DONE}),
}
CITIZEN_TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.WITHDRAWN}),
    S.IN_REVIEW: frozenset({S.WITHDRAWN}),
}
# A dispute has no "approved, its effect waiting" stage: staff decide it once, upheld (done) or rejected.
DISPUTE_TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.DONE, S.REJECTED}),
    S.IN_REVIEW: frozenset({S.DONE, S.REJECTED}),
}
FINAL_STATUSES: frozenset[str] = frozenset({S.REJECTED, S.DONE, S.WITHDRAWN})

# Kinds whose effect waits for a date after approval; the due-jobs runner applies them.
DATED_KINDS: frozenset[str] = frozenset({ApplicationKind.FACILITY_CHANGE})


def staff_may_move(current: str, target: str, kind: str | None = None) -> bool:
    """True when staff may move an application of ``kind`` from ``current`` to ``target``."""
    moves = DISPUTE_TRANSITIONS if kind == ApplicationKind.VISIT_DISPUTE else STAFF_TRANSITIONS
    return target in moves.get(current, frozenset())


def citizen_may_withdraw(current: str) -> bool:
    """True while nobody has decided the application yet."""
    return S.WITHDRAWN in CITIZEN_TRANSITIONS.get(current, frozenset())


def next_quarter_start(day: date) -> date:
    """The first day of the quarter after ``day``'s (1 Jan, 1 Apr, 1 Jul, 1 Oct).

    The HI law (art. 26) lets a card holder change the primary-care facility at the start of each quarter.
    """
    first_month_next = ((day.month - 1) // 3 + 1) * 3 + 1
    if first_month_next > 12:
        return date(day.year + 1, 1, 1)
    return date(day.year, first_month_next, 1)


def facility_change_date(*, filed_on: date, decided_on: date | None = None) -> date:
    """When an approved facility change applies: the next quarter's start, moved on if the decision came later."""
    effective = next_quarter_start(filed_on)
    if decided_on is not None and decided_on >= effective:
        effective = next_quarter_start(decided_on)
    return effective
