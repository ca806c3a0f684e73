"""visit records from hospital software: a visit per (facility, MA_LK), its parts, times, status, lines and files

medical_visit gains the claim's parts (T_TONGCHI_BH, T_BNCCT, T_BNTT, T_NGUONKHAC), NGAY_VAO/NGAY_RA, MA_LOAI_KCB,
the status (in_progress after a check-in, claimed after the claim) and XML11's sick leave; a visit in progress has
no discharge or diagnosis yet. The CHECK hi_paid + patient_paid = total_cost is replaced by what a judged claim
guarantees (T_BHTT <= T_TONGCHI_BH <= T_TONGCHI_BV): other sources pay part of some visits. Rows already there
were wholly in the insurance's scope, the patient's part a co-payment.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS_BEFORE = (
    "'arrears_found', 'card_expiring', 'household_payment_due', 'application_status', 'card_checked', "
    "'new_device_sign_in'"
)
_MONEY = ("hi_scope_total", "co_payment", "out_of_scope", "other_sources")


def upgrade() -> None:
    op.drop_constraint(op.f("ck_medical_visit_cost_split"), "medical_visit", type_="check")
    op.drop_constraint(op.f("ck_medical_visit_money_nonneg"), "medical_visit", type_="check")
    op.add_column("medical_visit", sa.Column("status", sa.String(length=12), nullable=False, server_default="claimed"))
    op.add_column("medical_visit", sa.Column("visit_key", sa.String(length=100), nullable=True))
    op.add_column("medical_visit", sa.Column("kcb_type", sa.String(length=2), nullable=True))
    op.add_column("medical_visit", sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("medical_visit", sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("medical_visit", sa.Column("admission_reason", sa.String(length=500), nullable=True))
    op.add_column("medical_visit", sa.Column("treatment_result", sa.String(length=2), nullable=True))
    op.add_column("medical_visit", sa.Column("discharge_type", sa.String(length=2), nullable=True))
    for name in _MONEY:
        op.add_column("medical_visit", sa.Column(name, sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("medical_visit", sa.Column("card_result", sa.String(length=3), nullable=True))
    op.add_column("medical_visit", sa.Column("sick_leave_days", sa.Integer(), nullable=True))
    op.add_column("medical_visit", sa.Column("sick_leave_from", sa.Date(), nullable=True))
    op.add_column("medical_visit", sa.Column("sick_leave_to", sa.Date(), nullable=True))
    op.add_column(
        "medical_visit",
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )
    op.execute("UPDATE medical_visit SET hi_scope_total = total_cost, co_payment = patient_paid")
    for name in ("status", *_MONEY, "updated_at"):
        op.alter_column("medical_visit", name, server_default=None)
    op.alter_column("medical_visit", "discharge_date", existing_type=sa.Date(), nullable=True)
    op.alter_column("medical_visit", "icd10_code", existing_type=sa.String(length=8), nullable=True)
    op.alter_column(
        "medical_visit",
        "icd10_name",
        existing_type=sa.String(length=200),
        type_=sa.String(length=1000),
        nullable=True,
    )
    op.create_check_constraint(
        op.f("ck_medical_visit_status_value"), "medical_visit", "status IN ('in_progress', 'claimed')"
    )
    op.create_check_constraint(
        op.f("ck_medical_visit_claim_complete"),
        "medical_visit",
        "status = 'in_progress' OR (discharge_date IS NOT NULL AND icd10_code IS NOT NULL AND icd10_name IS NOT NULL)",
    )
    op.create_check_constraint(
        op.f("ck_medical_visit_money_nonneg"),
        "medical_visit",
        "total_cost >= 0 AND hi_scope_total >= 0 AND hi_paid >= 0 AND co_payment >= 0 AND out_of_scope >= 0 "
        "AND other_sources >= 0 AND patient_paid = co_payment + out_of_scope",
    )
    op.create_check_constraint(
        op.f("ck_medical_visit_cost_parts"),
        "medical_visit",
        "hi_paid <= hi_scope_total AND co_payment <= hi_scope_total AND hi_scope_total <= total_cost",
    )
    op.create_check_constraint(
        op.f("ck_medical_visit_sick_leave_days_nonneg"),
        "medical_visit",
        "sick_leave_days IS NULL OR sick_leave_days >= 0",
    )
    op.create_unique_constraint(op.f("uq_medical_visit_facility_id"), "medical_visit", ["facility_id", "visit_key"])

    op.create_table(
        "medical_visit_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("visit_id", sa.BigInteger(), nullable=False),
        sa.Column("source_table", sa.String(length=4), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=21, scale=6), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("hi_amount", sa.BigInteger(), nullable=False),
        sa.Column("hi_paid", sa.BigInteger(), nullable=False),
        sa.Column("patient_paid", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("source_table IN ('XML2', 'XML3')", name=op.f("ck_medical_visit_line_source_table_value")),
        sa.CheckConstraint(
            "quantity >= 0 AND unit_price >= 0 AND amount >= 0 AND hi_amount >= 0 AND hi_paid >= 0 "
            "AND patient_paid >= 0",
            name=op.f("ck_medical_visit_line_money_nonneg"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["medical_visit.id"],
            name=op.f("fk_medical_visit_line_visit_id_medical_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_visit_line")),
    )
    op.create_index("ix_medical_visit_line_visit", "medical_visit_line", ["visit_id", "position"], unique=False)

    op.create_table(
        "medical_visit_submission",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("visit_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("receipt", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('check_in', 'claim')", name=op.f("ck_medical_visit_submission_kind_value")),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["medical_visit.id"],
            name=op.f("fk_medical_visit_submission_visit_id_medical_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_visit_submission")),
    )
    op.create_index(
        "ix_medical_visit_submission_visit", "medical_visit_submission", ["visit_id", "received_at"], unique=False
    )
    op.create_index("ix_medical_visit_submission_receipt", "medical_visit_submission", ["receipt"], unique=False)

    op.drop_constraint(op.f("ck_notification_kind_value"), "notification", type_="check")
    op.create_check_constraint(
        op.f("ck_notification_kind_value"), "notification", f"kind IN ({_KINDS_BEFORE}, 'visit_recorded')"
    )


def downgrade() -> None:
    # The older schema cannot hold a visit in progress, nor one that other sources paid part of: they go.
    op.execute("DELETE FROM notification WHERE kind = 'visit_recorded'")
    op.drop_constraint(op.f("ck_notification_kind_value"), "notification", type_="check")
    op.create_check_constraint(op.f("ck_notification_kind_value"), "notification", f"kind IN ({_KINDS_BEFORE})")
    op.drop_index("ix_medical_visit_submission_receipt", table_name="medical_visit_submission")
    op.drop_index("ix_medical_visit_submission_visit", table_name="medical_visit_submission")
    op.drop_table("medical_visit_submission")
    op.drop_index("ix_medical_visit_line_visit", table_name="medical_visit_line")
    op.drop_table("medical_visit_line")
    op.execute("DELETE FROM medical_visit WHERE status = 'in_progress' OR hi_paid + patient_paid <> total_cost")
    op.drop_constraint(op.f("uq_medical_visit_facility_id"), "medical_visit", type_="unique")
    for name in ("sick_leave_days_nonneg", "cost_parts", "money_nonneg", "claim_complete", "status_value"):
        op.drop_constraint(op.f(f"ck_medical_visit_{name}"), "medical_visit", type_="check")
    op.execute("UPDATE medical_visit SET icd10_name = left(icd10_name, 200)")
    op.alter_column(
        "medical_visit", "icd10_name", existing_type=sa.String(length=1000), type_=sa.String(length=200), nullable=False
    )
    op.alter_column("medical_visit", "icd10_code", existing_type=sa.String(length=8), nullable=False)
    op.alter_column("medical_visit", "discharge_date", existing_type=sa.Date(), nullable=False)
    for name in (
        "updated_at",
        "sick_leave_to",
        "sick_leave_from",
        "sick_leave_days",
        "card_result",
        *reversed(_MONEY),
        "discharge_type",
        "treatment_result",
        "admission_reason",
        "discharged_at",
        "admitted_at",
        "kcb_type",
        "visit_key",
        "status",
    ):
        op.drop_column("medical_visit", name)
    op.create_check_constraint(
        op.f("ck_medical_visit_money_nonneg"), "medical_visit", "total_cost >= 0 AND hi_paid >= 0 AND patient_paid >= 0"
    )
    op.create_check_constraint(
        op.f("ck_medical_visit_cost_split"), "medical_visit", "hi_paid + patient_paid = total_cost"
    )
