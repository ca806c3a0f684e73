"""employers: HR memberships, software clients, declarations, dues and payments; the employer's tax code and
address; the account role of an employer's HR clerk.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 19:09:40.967423
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "declaration_batch",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(month) = 7 AND substr(month, 5, 1) = '-' AND ltrim(substr(month, 1, 4) || substr(month, 6, 2), '0123456789') = '' AND substr(month, 6, 2) BETWEEN '01' AND '12'",
            name=op.f("ck_declaration_batch_month_format"),
        ),
        sa.CheckConstraint(
            "source IN ('json', 'csv', 'xlsx', 'opening')", name=op.f("ck_declaration_batch_source_value")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_declaration_batch_employer_id_employer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_batch")),
        sa.UniqueConstraint("employer_id", "idempotency_key", name=op.f("uq_declaration_batch_employer_id")),
    )
    op.create_table(
        "employer_client",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_employer_client_employer_id_employer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_employer_client_client_id")),
    )
    op.create_index(op.f("ix_employer_client_employer_id"), "employer_client", ["employer_id"], unique=False)
    op.create_table(
        "employer_due",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("salary_base", sa.BigInteger(), nullable=False),
        sa.Column("funds", sa.String(length=32), nullable=False),
        sa.Column("employer_amount", sa.BigInteger(), nullable=False),
        sa.Column("employee_amount", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=True),
        sa.Column("rule_version", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "length(month) = 7 AND substr(month, 5, 1) = '-' AND ltrim(substr(month, 1, 4) || substr(month, 6, 2), '0123456789') = '' AND substr(month, 6, 2) BETWEEN '01' AND '12'",
            name=op.f("ck_employer_due_month_format"),
        ),
        sa.CheckConstraint(
            "salary_base >= 0 AND employer_amount >= 0 AND employee_amount >= 0 AND paid >= 0 AND paid <= employer_amount + employee_amount",
            name=op.f("ck_employer_due_money_range"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_employer_due_employer_id_employer"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_employer_due_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_due")),
        sa.UniqueConstraint("employer_id", "person_id", "month", name=op.f("uq_employer_due_employer_id")),
    )
    op.create_index("ix_employer_due_employer_month", "employer_due", ["employer_id", "month"], unique=False)
    op.create_index(op.f("ix_employer_due_person_id"), "employer_due", ["person_id"], unique=False)
    op.create_table(
        "employer_payment",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("bank_ref", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_employer_payment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_employer_payment_employer_id_employer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_payment")),
        sa.UniqueConstraint("bank_ref", name=op.f("uq_employer_payment_bank_ref")),
    )
    op.create_index(op.f("ix_employer_payment_employer_id"), "employer_payment", ["employer_id"], unique=False)
    op.create_table(
        "declaration",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("from_month", sa.String(length=7), nullable=False),
        sa.Column("to_month", sa.String(length=7), nullable=True),
        sa.Column("salary", sa.BigInteger(), nullable=True),
        sa.Column("allowances", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "kind IN ('opening', 'hire', 'leave', 'salary', 'suspend')", name=op.f("ck_declaration_kind_value")
        ),
        sa.CheckConstraint(
            "length(from_month) = 7 AND substr(from_month, 5, 1) = '-' AND ltrim(substr(from_month, 1, 4) || substr(from_month, 6, 2), '0123456789') = '' AND substr(from_month, 6, 2) BETWEEN '01' AND '12'",
            name=op.f("ck_declaration_from_month_format"),
        ),
        sa.CheckConstraint("salary >= 0 AND allowances >= 0", name=op.f("ck_declaration_money_nonneg")),
        sa.CheckConstraint("to_month IS NULL OR from_month <= to_month", name=op.f("ck_declaration_month_order")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["declaration_batch.id"],
            name=op.f("fk_declaration_batch_id_declaration_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_declaration_employer_id_employer"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_declaration_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
    )
    op.create_index(op.f("ix_declaration_batch_id"), "declaration", ["batch_id"], unique=False)
    op.create_index(
        "ix_declaration_employer_person", "declaration", ["employer_id", "person_id", "from_month"], unique=False
    )
    op.create_table(
        "employer_membership",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_employer_membership_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_employer_membership_employer_id_employer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_membership")),
        sa.UniqueConstraint("account_id", "employer_id", name=op.f("uq_employer_membership_account_id")),
    )
    op.create_index(op.f("ix_employer_membership_employer_id"), "employer_membership", ["employer_id"], unique=False)
    op.add_column("employer", sa.Column("tax_code", sa.String(length=14), nullable=True))
    op.add_column("employer", sa.Column("address", sa.String(length=255), nullable=True))
    op.drop_constraint(op.f("ck_account_role_value"), "account", type_="check")
    op.create_check_constraint(
        op.f("ck_account_role_value"), "account", "role IN ('citizen', 'staff', 'facility_admin', 'employer_staff')"
    )
    op.drop_constraint(op.f("ck_account_role_person"), "account", type_="check")
    op.create_check_constraint(
        op.f("ck_account_role_person"),
        "account",
        "(role = 'citizen' AND person_id IS NOT NULL)"
        " OR (role IN ('staff', 'facility_admin', 'employer_staff') AND person_id IS NULL)",
    )


def downgrade() -> None:
    op.execute("DELETE FROM account WHERE role = 'employer_staff'")
    op.drop_constraint(op.f("ck_account_role_person"), "account", type_="check")
    op.create_check_constraint(
        op.f("ck_account_role_person"),
        "account",
        "(role = 'citizen' AND person_id IS NOT NULL) OR (role IN ('staff', 'facility_admin') AND person_id IS NULL)",
    )
    op.drop_constraint(op.f("ck_account_role_value"), "account", type_="check")
    op.create_check_constraint(
        op.f("ck_account_role_value"), "account", "role IN ('citizen', 'staff', 'facility_admin')"
    )
    op.drop_column("employer", "address")
    op.drop_column("employer", "tax_code")
    op.drop_index(op.f("ix_employer_membership_employer_id"), table_name="employer_membership")
    op.drop_table("employer_membership")
    op.drop_index("ix_declaration_employer_person", table_name="declaration")
    op.drop_index(op.f("ix_declaration_batch_id"), table_name="declaration")
    op.drop_table("declaration")
    op.drop_index(op.f("ix_employer_payment_employer_id"), table_name="employer_payment")
    op.drop_table("employer_payment")
    op.drop_index(op.f("ix_employer_due_person_id"), table_name="employer_due")
    op.drop_index("ix_employer_due_employer_month", table_name="employer_due")
    op.drop_table("employer_due")
    op.drop_index(op.f("ix_employer_client_employer_id"), table_name="employer_client")
    op.drop_table("employer_client")
    op.drop_table("declaration_batch")
