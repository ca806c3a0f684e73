"""salary revaluation tables (published coefficients) and the salary scale of contribution periods

Loads the published tables of salary revaluation coefficients as dated reference data: one row per table kind
(compulsory salaries / voluntary incomes), effective date and year of contribution. Next year's table is a new
migration adding a row set with a later effective date; no code changes.

Where the values come from (the circulars' own text could not be consulted here; see docs/REVALUATION.md):
- 2025, salaries: Thông tư 01/2025/TT-BLĐTBXH, as quoted alike by several independent public calculators.
- 2025, voluntary incomes: not loaded (only one source quoting the income table was found).
- 2026, salaries and incomes: Công văn 340/BHXH-CSXH ngày 03/02/2026 of Vietnam Social Security, as quoted alike by
  several independent public calculators (one quoting the income column of the PDF).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 19:10:00
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TT_01_2025 = "Thông tư 01/2025/TT-BLĐTBXH (giải quyết chế độ từ 01/01/2025 đến 31/12/2025)"
TT_01_2025_SOURCE = (
    "Values of the circular as quoted alike by independent public calculators (code index ids 68933945885, "
    "61928447374, 45794937911); other copies disagree and were not used. The circular's own text was not consulted."
)
CV_340_2026 = "Công văn 340/BHXH-CSXH ngày 03/02/2026 (BHXH Việt Nam), giải quyết chế độ năm 2026"
CV_340_2026_SALARY = CV_340_2026 + "; Nghị định 158/2025/NĐ-CP Điều 16"
CV_340_2026_INCOME = CV_340_2026 + "; Nghị định 159/2025/NĐ-CP Điều 10"
CV_340_2026_SOURCE = (
    "Values of the letter as quoted alike by independent public calculators (code index ids 68933945885, "
    "61970297327, 70960957059; the income column 2008-2026 from id 62226488048, which quotes the letter's PDF). "
    "The letter's own text was not consulted."
)

# (first year the table lists on its own, coefficients from that year on); the year before it is the
# "trước năm 1995" row, which covers every earlier year.
SALARY_2025 = (
    "5.63 4.78 4.51 4.37 4.06 3.89 3.95 3.97 3.82 3.70 3.43 3.17 2.95 2.72 2.21 2.07 1.90 1.60 1.47 1.37 1.32 1.31 "
    "1.28 1.23 1.19 1.16 1.12 1.10 1.07 1.04 1.00 1.00"
)  # before 1995, then 1995 … 2025
SALARY_2026 = (
    "5.81 4.91 4.65 4.50 4.18 4.01 4.07 4.09 3.94 3.81 3.54 3.27 3.05 2.81 2.29 2.14 1.96 1.65 1.51 1.42 1.36 1.36 "
    "1.32 1.28 1.23 1.20 1.16 1.14 1.11 1.07 1.03 1.00 1.00"
)  # before 1995, then 1995 … 2026
INCOME_2026 = "2.29 2.14 1.96 1.65 1.51 1.42 1.36 1.36 1.32 1.28 1.23 1.20 1.16 1.14 1.11 1.07 1.03 1.00 1.00"  # 2008 …


def _rows(
    kind: str, effective_from: date, first_year: int, values: str, legal_basis: str, source: str, *, earlier: bool
) -> list[dict[str, object]]:
    """One row per year; with ``earlier`` the first value is the row for every year before ``first_year``."""
    coefficients = [Decimal(value) for value in values.split()]
    start = first_year - 1 if earlier else first_year
    return [
        {
            "kind": kind,
            "effective_from": effective_from,
            "contribution_year": start + offset,
            "and_earlier": earlier and offset == 0,
            "coefficient": coefficient,
            "legal_basis": legal_basis,
            "source": source,
        }
        for offset, coefficient in enumerate(coefficients)
    ]


def upgrade() -> None:
    op.add_column(
        "contribution_period",
        sa.Column("salary_scale", sa.String(length=8), server_default="market", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_contribution_period_salary_scale_value"), "contribution_period", "salary_scale IN ('market', 'state')"
    )
    table = op.create_table(
        "salary_revaluation",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("contribution_year", sa.Integer(), nullable=False),
        sa.Column("and_earlier", sa.Boolean(), nullable=False),
        sa.Column("coefficient", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("legal_basis", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=600), nullable=False),
        sa.CheckConstraint("coefficient > 0", name=op.f("ck_salary_revaluation_coefficient_positive")),
        sa.CheckConstraint("kind IN ('salary', 'income')", name=op.f("ck_salary_revaluation_kind_value")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_salary_revaluation")),
        sa.UniqueConstraint(
            "kind",
            "effective_from",
            "contribution_year",
            name=op.f("uq_salary_revaluation_kind"),
        ),
    )
    assert table is not None
    op.bulk_insert(
        table,
        _rows("salary", date(2025, 1, 1), 1995, SALARY_2025, TT_01_2025, TT_01_2025_SOURCE, earlier=True)
        + _rows("salary", date(2026, 1, 1), 1995, SALARY_2026, CV_340_2026_SALARY, CV_340_2026_SOURCE, earlier=True)
        + _rows("income", date(2026, 1, 1), 2008, INCOME_2026, CV_340_2026_INCOME, CV_340_2026_SOURCE, earlier=False),
    )


def downgrade() -> None:
    op.drop_table("salary_revaluation")
    op.drop_constraint(op.f("ck_contribution_period_salary_scale_value"), "contribution_period", type_="check")
    op.drop_column("contribution_period", "salary_scale")
