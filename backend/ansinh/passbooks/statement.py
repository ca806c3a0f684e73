"""The passbook statement: the printed rows, their totals and the canonical hash the signed QR carries.

Pure functions over the records' period rows (``records.service.load_periods``), so the PDF, the signed
token and the verifier's recomputation all agree on one definition. ``docs/passbook.md`` states the
canonical form so that anyone can recompute the hash from a printed passbook.
"""

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ansinh.core.signing import b64url
from ansinh.core.time import month_of
from ansinh.records import rules
from ansinh.records.service import PeriodRow, summarize
from ansinh.records.tables import FUNDS

CANONICAL_FORMAT = "ansinh-passbook-statement/1"


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One printed line: a run of months at one salary base, amounts per month."""

    from_month: str
    to_month: str
    employer_code: str | None  # None for voluntary SI
    employer_name: str | None
    scheme: str
    salary_base: int
    funds: tuple[str, ...]  # in the order RS, SM, OA, UI, HI
    employer_amount: int
    employee_amount: int
    status: str  # paid or arrears
    months: int

    def canonical(self) -> dict[str, Any]:
        """The row as it enters the canonical statement."""
        employer = {"code": self.employer_code, "name": _nfc(self.employer_name or "")} if self.employer_code else None
        return {
            "from": self.from_month,
            "to": self.to_month,
            "employer": employer,
            "scheme": self.scheme,
            "salary_base": self.salary_base,
            "funds": list(self.funds),
            "employer_amount": self.employer_amount,
            "employee_amount": self.employee_amount,
            "status": self.status,
            "months": self.months,
        }


@dataclass(frozen=True, slots=True)
class Totals:
    """The key totals printed and signed: paid months per fund and months in arrears."""

    paid_months: dict[str, int]  # every fund code in FUNDS
    arrears_months: int

    def as_claim(self) -> dict[str, Any]:
        """The ``totals`` object of the token payload."""
        return {"paid_months": {fund: self.paid_months[fund] for fund in FUNDS}, "arrears_months": self.arrears_months}


@dataclass(frozen=True, slots=True)
class Statement:
    """Everything a passbook states about its holder over one period."""

    si_code: str
    holder_name: str
    birth_date: str  # YYYY-MM-DD, or YYYY when only the year is on record
    period_from: str
    period_to: str
    rows: tuple[StatementRow, ...]  # oldest first, in canonical order
    totals: Totals

    def canonical_json(self) -> bytes:
        """The canonical statement: RFC 8785 (JCS) JSON in UTF-8; see docs/passbook.md."""
        document = {
            "format": CANONICAL_FORMAT,
            "si": self.si_code,
            "name": _nfc(self.holder_name),
            "birth_date": self.birth_date,
            "period": {"from": self.period_from, "to": self.period_to},
            "rows": [row.canonical() for row in self.rows],
        }
        return canonical_json(document)

    def sha256(self) -> str:
        """Unpadded base64url SHA-256 of the canonical statement (the ``sha256`` claim)."""
        return b64url(hashlib.sha256(self.canonical_json()).digest())


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys, no whitespace and raw UTF-8: for objects of ASCII keys, strings and integers, JCS."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _nfc(text: str) -> str:
    # Vietnamese can be typed precomposed or with combining marks; one spelling, one hash.
    return unicodedata.normalize("NFC", text)


def statement_row(period: PeriodRow) -> StatementRow:
    """A records period row as a printed line."""
    return StatementRow(
        from_month=period.from_month,
        to_month=period.to_month,
        employer_code=period.employer_code,
        employer_name=_nfc(period.employer_name) if period.employer_name is not None else None,
        scheme=period.scheme,
        salary_base=period.salary_base,
        funds=tuple(fund for fund in FUNDS if fund in period.funds),
        employer_amount=period.employer_amount,
        employee_amount=period.employee_amount,
        status=period.status,
        months=period.months,
    )


def _row_order(row: StatementRow) -> tuple[str, str, bytes]:
    # Chronological, then the row's own canonical JSON: a total order a third party can reproduce.
    return row.from_month, row.to_month, canonical_json(row.canonical())


def totals(periods: Sequence[PeriodRow]) -> Totals:
    """Paid months per fund (overlapping periods count a month once) and arrears months, as records counts them."""
    paid = [p for p in periods if p.paid]
    per_fund = {
        fund: rules.count_contribution_months((p.from_month, p.to_month) for p in paid if fund in p.funds)
        for fund in FUNDS
    }
    return Totals(paid_months=per_fund, arrears_months=summarize(list(periods)).arrears_months)


def resolve_period(
    periods: Iterable[PeriodRow], *, from_month: str | None, to_month: str | None, today: date
) -> tuple[str, str]:
    """The period a passbook states: as asked, else the first and last months on record (this month if none)."""
    spans = [(p.from_month, p.to_month) for p in periods]
    last = to_month or max((last for _, last in spans), default=None) or month_of(today)
    first = from_month or min((first for first, _ in spans), default=None) or last
    # "from" alone may lie after the last month on record: the statement is then of that single empty stretch.
    return first, max(first, last)


def build_statement(
    periods: Sequence[PeriodRow],
    *,
    si_code: str,
    holder_name: str,
    birth_date: str,
    period_from: str,
    period_to: str,
) -> Statement:
    """The statement of ``periods`` (already clipped to the period by ``load_periods``)."""
    rows = tuple(sorted((statement_row(p) for p in periods), key=_row_order))
    return Statement(
        si_code=si_code,
        holder_name=_nfc(holder_name),
        birth_date=birth_date,
        period_from=period_from,
        period_to=period_to,
        rows=rows,
        totals=totals(periods),
    )
