"""The statement as pure functions: printed rows, totals counted as records counts them, the canonical hash."""

import base64
import hashlib
import unicodedata
from dataclasses import replace
from datetime import date

import pytest

from ansinh.passbooks.statement import Statement, build_statement, resolve_period, totals
from ansinh.records.service import PeriodRow, summarize

ALL = ("RS", "SM", "OA", "UI", "HI")


def period(
    first: str,
    last: str,
    *,
    employer: str | None = "TA00001",
    funds: tuple[str, ...] = ALL,
    status: str = "paid",
    salary: int = 10_000_000,
) -> PeriodRow:
    return PeriodRow(
        from_month=first,
        to_month=last,
        scheme="compulsory" if employer else "voluntary",
        salary_base=salary,
        funds=funds,
        employer_amount=2_150_000 if employer else 0,
        employee_amount=1_050_000,
        status=status,
        employer_code=employer,
        employer_name=f"Công ty {employer}" if employer else None,
        wage_region="I" if employer else None,
    )


def statement_of(rows: list[PeriodRow], name: str = "Nguyễn Văn An") -> Statement:
    return build_statement(
        rows,
        si_code="0100000001",
        holder_name=name,
        birth_date="1980-03-04",
        period_from="2020-01",
        period_to="2025-12",
    )


def test_paid_months_per_fund_count_only_paid_periods_that_include_the_fund() -> None:
    rows = [
        period("2023-01", "2023-06", employer=None, funds=("RS",)),  # voluntary: retirement only
        period("2024-01", "2024-12"),
        period("2025-01", "2025-03", status="arrears"),  # owed months are not paid months
        period("2025-04", "2025-06"),
        period("2022-01", "2022-04", funds=("HI",)),
    ]
    result = totals(rows)
    assert result.paid_months == {"RS": 21, "SM": 15, "OA": 15, "UI": 15, "HI": 19}
    assert result.arrears_months == 3
    assert result.as_claim() == {
        "paid_months": {"RS": 21, "SM": 15, "OA": 15, "UI": 15, "HI": 19},
        "arrears_months": 3,
    }


def test_overlapping_periods_count_as_records_counts_them() -> None:
    """Two jobs at once: a paid month counts once per fund; an owed month counts once per employer that owes it."""
    rows = [
        period("2024-01", "2024-06", employer="TA00001"),
        period("2024-04", "2024-09", employer="TB00002"),
        period("2025-01", "2025-02", employer="TA00001", status="arrears"),
        period("2025-01", "2025-02", employer="TB00002", status="arrears"),
    ]
    result = totals(rows)
    assert result.paid_months["RS"] == 9
    assert result.arrears_months == 4
    summary = summarize(rows)
    assert result.paid_months["RS"] == summary.paid_months_by_fund["SI"]
    assert result.paid_months["UI"] == summary.paid_months_by_fund["UI"]
    assert result.paid_months["HI"] == summary.paid_months_by_fund["HI"]
    assert result.arrears_months == summary.arrears_months


def test_rows_are_printed_oldest_first_whatever_order_records_gives() -> None:
    rows = [period("2025-04", "2025-06"), period("2023-01", "2023-06", employer=None, funds=("RS",))]
    statement = statement_of(rows)
    assert [r.from_month for r in statement.rows] == ["2023-01", "2025-04"]
    assert statement_of(list(reversed(rows))).sha256() == statement.sha256()


def test_funds_are_printed_in_the_legal_order() -> None:
    (row,) = statement_of([period("2024-01", "2024-02", funds=("HI", "RS", "UI"))]).rows
    assert row.funds == ("RS", "UI", "HI")


def test_canonical_statement_is_the_documented_json_and_its_hash() -> None:
    statement = statement_of([period("2024-01", "2024-12")])
    expected = (
        '{"birth_date":"1980-03-04","format":"ansinh-passbook-statement/1","name":"Nguyễn Văn An",'
        '"period":{"from":"2020-01","to":"2025-12"},"rows":[{"employee_amount":1050000,"employer":'
        '{"code":"TA00001","name":"Công ty TA00001"},"employer_amount":2150000,"from":"2024-01",'
        '"funds":["RS","SM","OA","UI","HI"],"months":12,"salary_base":10000000,"scheme":"compulsory",'
        '"status":"paid","to":"2024-12"}],"si":"0100000001"}'
    ).encode()
    assert statement.canonical_json() == expected
    digest = base64.urlsafe_b64encode(hashlib.sha256(expected).digest()).rstrip(b"=").decode()
    assert statement.sha256() == digest
    assert len(digest) == 43


def test_a_voluntary_row_has_no_employer_in_the_canonical_form() -> None:
    (row,) = statement_of([period("2023-01", "2023-06", employer=None, funds=("RS",))]).rows
    assert row.canonical()["employer"] is None
    assert row.canonical()["scheme"] == "voluntary"


@pytest.mark.parametrize(
    "change",
    [
        {"salary_base": 10_000_001},
        {"status": "arrears"},
        {"employee_amount": 1},
        {"employer_amount": 1},
        {"to_month": "2024-11"},
        {"employer_name": "Công ty khác"},
        {"funds": ("RS", "SM", "OA", "UI")},
    ],
)
def test_any_printed_change_changes_the_hash(change: dict[str, object]) -> None:
    original = period("2024-01", "2024-12")
    assert statement_of([replace(original, **change)]).sha256() != statement_of([original]).sha256()


def test_holder_and_period_are_covered_by_the_hash() -> None:
    rows = [period("2024-01", "2024-12")]
    base = statement_of(rows)
    assert statement_of(rows, name="Nguyễn Văn Ân").sha256() != base.sha256()
    assert replace(base, period_to="2025-11").sha256() != base.sha256()
    assert replace(base, birth_date="1980").sha256() != base.sha256()


def test_a_name_typed_with_combining_marks_hashes_like_the_precomposed_one() -> None:
    rows = [period("2024-01", "2024-12")]
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert decomposed != "Nguyễn Văn An"
    assert statement_of(rows, name=decomposed).sha256() == statement_of(rows).sha256()


def test_period_defaults_to_the_whole_history() -> None:
    rows = [period("2019-03", "2020-12"), period("2024-01", "2025-06")]
    today = date(2026, 11, 26)
    assert resolve_period(rows, from_month=None, to_month=None, today=today) == ("2019-03", "2025-06")
    assert resolve_period(rows, from_month="2020-01", to_month=None, today=today) == ("2020-01", "2025-06")
    assert resolve_period(rows, from_month=None, to_month="2024-06", today=today) == ("2019-03", "2024-06")
    # No history: this month; "from" alone after the history: that month alone.
    assert resolve_period([], from_month=None, to_month=None, today=today) == ("2026-11", "2026-11")
    assert resolve_period([], from_month="2027-02", to_month=None, today=today) == ("2027-02", "2027-02")
