"""employers II: coverage changes that follow leaves, staff-recorded payment plans, and the notices of declarations,
payments, hires, leaves and card changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 21:11:48.273482
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

_KINDS_BEFORE = (
    "'arrears_found', 'card_expiring', 'household_payment_due', 'application_status', 'card_checked', "
    "'new_device_sign_in', 'visit_recorded', 'dispute_update', 'copayment_cap_reached', 'copayment_exempt'"
)  # 0005's kinds and those 0006 added
_KINDS_NEW = "'salary_declared', 'contributions_paid', 'employment_started', 'employment_ended', 'coverage_changed'"

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "employer_payment_plan",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("owed_at_start", sa.BigInteger(), nullable=False),
        sa.Column("interest_at_start", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("owed_at_start >= 0", name=op.f("ck_employer_payment_plan_owed_nonneg")),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_employer_payment_plan_employer_id_employer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["account.id"], name=op.f("fk_employer_payment_plan_recorded_by_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_payment_plan")),
    )
    op.create_index(
        op.f("ix_employer_payment_plan_employer_id"), "employer_payment_plan", ["employer_id"], unique=False
    )
    op.create_table(
        "coverage_change",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("declaration_id", sa.BigInteger(), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('decreased', 'employer', 'household', 'other_scheme', 'no_card')",
            name=op.f("ck_coverage_change_outcome_value"),
        ),
        sa.CheckConstraint(
            "reason IN ('moved_out_of_province', 'moved_within_province', 'stopped', 'retired', 'deceased')",
            name=op.f("ck_coverage_change_reason_value"),
        ),
        sa.CheckConstraint("(applied_at IS NULL) = (outcome IS NULL)", name=op.f("ck_coverage_change_applied_outcome")),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_coverage_change_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_coverage_change_employer_id_employer"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_coverage_change_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_change")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_coverage_change_declaration_id")),
    )
    op.create_index(
        "ix_coverage_change_pending",
        "coverage_change",
        ["ends_on"],
        unique=False,
        postgresql_where=sa.text("applied_at IS NULL"),
    )
    op.create_index(op.f("ix_coverage_change_person_id"), "coverage_change", ["person_id"], unique=False)
    op.create_table(
        "employer_payment_plan_instalment",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_employer_payment_plan_instalment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["employer_payment_plan.id"],
            name=op.f("fk_employer_payment_plan_instalment_plan_id_employer_payment_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_payment_plan_instalment")),
        sa.UniqueConstraint("plan_id", "due_on", name=op.f("uq_employer_payment_plan_instalment_plan_id")),
    )
    op.drop_constraint(op.f("ck_notification_kind_value"), "notification", type_="check")
    op.create_check_constraint(
        op.f("ck_notification_kind_value"), "notification", f"kind IN ({_KINDS_BEFORE}, {_KINDS_NEW})"
    )


def downgrade() -> None:
    op.execute(f"DELETE FROM notification WHERE kind IN ({_KINDS_NEW})")  # noqa: S608  (constant text)
    op.drop_constraint(op.f("ck_notification_kind_value"), "notification", type_="check")
    op.create_check_constraint(op.f("ck_notification_kind_value"), "notification", f"kind IN ({_KINDS_BEFORE})")
    op.drop_table("employer_payment_plan_instalment")
    op.drop_index(op.f("ix_coverage_change_person_id"), table_name="coverage_change")
    op.drop_index(
        "ix_coverage_change_pending", table_name="coverage_change", postgresql_where=sa.text("applied_at IS NULL")
    )
    op.drop_table("coverage_change")
    op.drop_index(op.f("ix_employer_payment_plan_employer_id"), table_name="employer_payment_plan")
    op.drop_table("employer_payment_plan")
