"""initial schema (PostgreSQL): the former revisions 0001-0007 squashed into one

Builds exactly the schema the old chain built (checked by diffing `pg_dump -s` of both), including the
partial unique indexes and the columns' physical order (account.email and webauthn_user_id come last, as
they were added after the table). Constraint and index names follow the naming convention in core/sql.py.

Revision ID: 0001
Revises:
Create Date: 2026-12-07 18:06:24.064605
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "base_salary",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("legal_basis", sa.String(length=120), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_base_salary_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_salary")),
        sa.UniqueConstraint("effective_from", name=op.f("uq_base_salary_effective_from")),
    )
    op.create_table(
        "card_signing_key",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("private_key_sealed", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verify_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('next', 'current', 'retiring', 'retired')", name=op.f("ck_card_signing_key_state_value")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_signing_key")),
        sa.UniqueConstraint("kid", name=op.f("uq_card_signing_key_kid")),
    )
    op.create_index(
        "uq_card_signing_key_active_state",
        "card_signing_key",
        ["state"],
        unique=True,
        postgresql_where=sa.text("state IN ('current', 'next')"),
    )
    op.create_table(
        "employer",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("wage_region", sa.String(length=3), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "length(province_code) = 2 AND ltrim(province_code, '0123456789') = ''",
            name=op.f("ck_employer_province_code_format"),
        ),
        sa.CheckConstraint("wage_region IN ('I', 'II', 'III', 'IV')", name=op.f("ck_employer_wage_region_value")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer")),
        sa.UniqueConstraint("code", name=op.f("uq_employer_code")),
    )
    op.create_table(
        "medical_facility",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "length(code) = 5 AND ltrim(substr(code, 1, 2), '0123456789') = ''",
            name=op.f("ck_medical_facility_code_format"),
        ),
        sa.CheckConstraint(
            "length(province_code) = 2 AND ltrim(province_code, '0123456789') = ''",
            name=op.f("ck_medical_facility_province_code_format"),
        ),
        sa.CheckConstraint(
            "level IN ('central', 'provincial', 'district', 'commune')", name=op.f("ck_medical_facility_level_value")
        ),
        sa.CheckConstraint("substr(code, 1, 2) = province_code", name=op.f("ck_medical_facility_code_province")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_facility")),
        sa.UniqueConstraint("code", name=op.f("uq_medical_facility_code")),
    )
    op.create_table(
        "person",
        sa.Column("si_code", sa.String(length=10), nullable=False),
        sa.Column("citizen_id", sa.String(length=12), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("birth_date_precision", sa.String(length=4), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("birth_date_precision IN ('day', 'year')", name=op.f("ck_person_precision_value")),
        sa.CheckConstraint(
            "length(citizen_id) = 12 AND ltrim(citizen_id, '0123456789') = ''", name=op.f("ck_person_citizen_id_format")
        ),
        sa.CheckConstraint(
            "length(province_code) = 2 AND ltrim(province_code, '0123456789') = ''",
            name=op.f("ck_person_province_code_format"),
        ),
        sa.CheckConstraint(
            "length(si_code) = 10 AND ltrim(si_code, '0123456789') = ''", name=op.f("ck_person_si_code_format")
        ),
        sa.CheckConstraint("sex IN ('M', 'F')", name=op.f("ck_person_sex_value")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("citizen_id", name=op.f("uq_person_citizen_id")),
        sa.UniqueConstraint("si_code", name=op.f("uq_person_si_code")),
    )
    op.create_table(
        "regional_minimum_wage",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("legal_basis", sa.String(length=120), nullable=False),
        sa.CheckConstraint("region IN ('I', 'II', 'III', 'IV')", name=op.f("ck_regional_minimum_wage_region_value")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_regional_minimum_wage_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regional_minimum_wage")),
        sa.UniqueConstraint("effective_from", "region", name=op.f("uq_regional_minimum_wage_effective_from")),
    )
    op.create_table(
        "account",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assurance_level", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("webauthn_user_id", sa.LargeBinary(length=64), nullable=True),
        sa.CheckConstraint(
            "(role = 'citizen' AND person_id IS NOT NULL) OR (role = 'staff' AND person_id IS NULL)",
            name=op.f("ck_account_role_person"),
        ),
        sa.CheckConstraint("assurance_level IN ('basic', 'chip_verified')", name=op.f("ck_account_assurance_value")),
        sa.CheckConstraint("role IN ('citizen', 'staff')", name=op.f("ck_account_role_value")),
        sa.CheckConstraint("status IN ('pending', 'active', 'disabled')", name=op.f("ck_account_status_value")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_account_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("person_id", name=op.f("uq_account_person_id")),
        sa.UniqueConstraint("username", name=op.f("uq_account_username")),
    )
    op.create_table(
        "benefit",
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("monthly", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("payment_channel", sa.String(length=8), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("payment_channel IN ('bank', 'cash', 'post')", name=op.f("ck_benefit_channel_value")),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'paid', 'active', 'rejected', 'ended')",
            name=op.f("ck_benefit_status_value"),
        ),
        sa.CheckConstraint(
            "type IN ('sickness', 'maternity', 'convalescence', 'pension', 'one_time', 'unemployment', 'occupational')",
            name=op.f("ck_benefit_type_value"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_benefit_amount_nonneg")),
        sa.CheckConstraint("period_to IS NULL OR period_to >= period_from", name=op.f("ck_benefit_period_order")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_benefit_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit")),
    )
    op.create_index("ix_benefit_person_period", "benefit", ["person_id", "period_from"], unique=False)
    op.create_table(
        "clinic_client",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("facility_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["medical_facility.id"],
            name=op.f("fk_clinic_client_facility_id_medical_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_clinic_client_client_id")),
    )
    op.create_index(op.f("ix_clinic_client_facility_id"), "clinic_client", ["facility_id"], unique=False)
    op.create_table(
        "contribution_period",
        sa.Column("from_month", sa.String(length=7), nullable=False),
        sa.Column("to_month", sa.String(length=7), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("salary_base", sa.BigInteger(), nullable=False),
        sa.Column("funds", sa.String(length=32), nullable=False),
        sa.Column("employer_amount", sa.BigInteger(), nullable=True),
        sa.Column("employee_amount", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "(scheme = 'voluntary' AND employer_id IS NULL) OR (scheme = 'compulsory' AND employer_id IS NOT NULL)",
            name=op.f("ck_contribution_period_scheme_employer"),
        ),
        sa.CheckConstraint(
            "length(from_month) = 7 AND substr(from_month, 5, 1) = '-' AND ltrim(substr(from_month, 1, 4) || substr(from_month, 6, 2), '0123456789') = '' AND substr(from_month, 6, 2) BETWEEN '01' AND '12'",
            name=op.f("ck_contribution_period_from_month_format"),
        ),
        sa.CheckConstraint(
            "length(to_month) = 7 AND substr(to_month, 5, 1) = '-' AND ltrim(substr(to_month, 1, 4) || substr(to_month, 6, 2), '0123456789') = '' AND substr(to_month, 6, 2) BETWEEN '01' AND '12'",
            name=op.f("ck_contribution_period_to_month_format"),
        ),
        sa.CheckConstraint("scheme IN ('compulsory', 'voluntary')", name=op.f("ck_contribution_period_scheme_value")),
        sa.CheckConstraint("status IN ('paid', 'arrears')", name=op.f("ck_contribution_period_status_value")),
        sa.CheckConstraint("from_month <= to_month", name=op.f("ck_contribution_period_month_order")),
        sa.CheckConstraint(
            "salary_base >= 0 AND employer_amount >= 0 AND employee_amount >= 0",
            name=op.f("ck_contribution_period_money_nonneg"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_contribution_period_employer_id_employer")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_contribution_period_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_period")),
    )
    op.create_index(op.f("ix_contribution_period_employer_id"), "contribution_period", ["employer_id"], unique=False)
    op.create_index(
        "ix_contribution_period_person_month", "contribution_period", ["person_id", "from_month"], unique=False
    )
    op.create_table(
        "health_insurance_card",
        sa.Column("serial", sa.String(length=24), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("legacy_code", sa.String(length=15), nullable=True),
        sa.Column("beneficiary_group", sa.String(length=2), nullable=False),
        sa.Column("benefit_level", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("five_year_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("primary_facility_id", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(number) = 10 AND ltrim(number, '0123456789') = ''",
            name=op.f("ck_health_insurance_card_number_format"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'revoked')", name=op.f("ck_health_insurance_card_status_value")
        ),
        sa.CheckConstraint("benefit_level BETWEEN 1 AND 5", name=op.f("ck_health_insurance_card_benefit_level_range")),
        sa.CheckConstraint(
            "legacy_code IS NULL OR length(legacy_code) = 15", name=op.f("ck_health_insurance_card_legacy_code_format")
        ),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_health_insurance_card_validity_order")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_health_insurance_card_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["primary_facility_id"],
            ["medical_facility.id"],
            name=op.f("fk_health_insurance_card_primary_facility_id_medical_facility"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_insurance_card")),
        sa.UniqueConstraint("serial", name=op.f("uq_health_insurance_card_serial")),
    )
    op.create_index("ix_health_insurance_card_legacy_code", "health_insurance_card", ["legacy_code"], unique=False)
    op.create_index("ix_health_insurance_card_number", "health_insurance_card", ["number"], unique=False)
    op.create_index(op.f("ix_health_insurance_card_person_id"), "health_insurance_card", ["person_id"], unique=False)
    op.create_index(
        "uq_health_insurance_card_live_number",
        "health_insurance_card",
        ["number"],
        unique=True,
        postgresql_where=sa.text("status != 'revoked'"),
    )
    op.create_table(
        "household",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("head_person_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["head_person_id"], ["person.id"], name=op.f("fk_household_head_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
        sa.UniqueConstraint("code", name=op.f("uq_household_code")),
    )
    op.create_index(op.f("ix_household_head_person_id"), "household", ["head_person_id"], unique=False)
    op.create_table(
        "medical_visit",
        sa.Column("visit_type", sa.String(length=12), nullable=False),
        sa.Column("admission_date", sa.Date(), nullable=False),
        sa.Column("discharge_date", sa.Date(), nullable=False),
        sa.Column("icd10_code", sa.String(length=8), nullable=False),
        sa.Column("icd10_name", sa.String(length=200), nullable=False),
        sa.Column("total_cost", sa.BigInteger(), nullable=False),
        sa.Column("hi_paid", sa.BigInteger(), nullable=False),
        sa.Column("patient_paid", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("facility_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("visit_type IN ('outpatient', 'inpatient')", name=op.f("ck_medical_visit_visit_type_value")),
        sa.CheckConstraint("discharge_date >= admission_date", name=op.f("ck_medical_visit_date_order")),
        sa.CheckConstraint("hi_paid + patient_paid = total_cost", name=op.f("ck_medical_visit_cost_split")),
        sa.CheckConstraint(
            "total_cost >= 0 AND hi_paid >= 0 AND patient_paid >= 0", name=op.f("ck_medical_visit_money_nonneg")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["medical_facility.id"], name=op.f("fk_medical_visit_facility_id_medical_facility")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_medical_visit_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_visit")),
    )
    op.create_index(op.f("ix_medical_visit_facility_id"), "medical_visit", ["facility_id"], unique=False)
    op.create_index("ix_medical_visit_person_admission", "medical_visit", ["person_id", "admission_date"], unique=False)
    op.create_table(
        "notification",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("push_state", sa.String(length=8), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('arrears_found', 'card_expiring', 'household_payment_due', 'application_status', 'card_checked', 'new_device_sign_in')",
            name=op.f("ck_notification_kind_value"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_notification_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("person_id", "dedupe_key", name=op.f("uq_notification_person_id")),
    )
    op.create_index("ix_notification_person_created", "notification", ["person_id", "created_at"], unique=False)
    op.create_index("ix_notification_push_pending", "notification", ["push_state"], unique=False)
    op.create_table(
        "notification_preference",
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("card_checked", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_notification_preference_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_notification_preference")),
    )
    op.create_table(
        "push_subscription",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("p256dh", sa.String(length=100), nullable=False),
        sa.Column("auth", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_push_subscription_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscription")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscription_endpoint")),
    )
    op.create_index(op.f("ix_push_subscription_person_id"), "push_subscription", ["person_id"], unique=False)
    op.create_table(
        "service_application",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('card_reissue', 'facility_change', 'info_correction', 'voluntary_registration')",
            name=op.f("ck_service_application_kind_value"),
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'in_review', 'approved', 'rejected', 'done', 'withdrawn')",
            name=op.f("ck_service_application_status_value"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_service_application_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_application")),
        sa.UniqueConstraint("person_id", "idempotency_key", name=op.f("uq_service_application_person_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_service_application_reference")),
    )
    op.create_index(op.f("ix_service_application_person_id"), "service_application", ["person_id"], unique=False)
    op.create_index(
        "ix_service_application_status_created", "service_application", ["status", "created_at"], unique=False
    )
    op.create_index(
        "uq_service_application_open_kind",
        "service_application",
        ["person_id", "kind"],
        unique=True,
        postgresql_where=sa.text("status IN ('submitted', 'in_review', 'approved')"),
    )
    op.create_table(
        "application_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_account_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_role", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_account_id"],
            ["account.id"],
            name=op.f("fk_application_event_actor_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["service_application.id"],
            name=op.f("fk_application_event_application_id_service_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_event")),
    )
    op.create_index(
        "ix_application_event_application_time", "application_event", ["application_id", "created_at"], unique=False
    )
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("amr", sa.String(length=16), nullable=False),
        sa.Column("auth_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=32), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_auth_session_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
    )
    op.create_index("ix_auth_session_account_live", "auth_session", ["account_id", "revoked_at"], unique=False)
    op.create_table(
        "card_check",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("facility_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("staff_name", sa.String(length=120), nullable=False),
        sa.Column("staff_citizen_id", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("result", sa.String(length=3), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("card_id", sa.BigInteger(), nullable=True),
        sa.Column("token_id", sa.String(length=64), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(result) = 3 AND ltrim(result, '0123456789') = ''", name=op.f("ck_card_check_result_format")
        ),
        sa.CheckConstraint(
            "length(staff_citizen_id) = 12 AND ltrim(staff_citizen_id, '0123456789') = ''",
            name=op.f("ck_card_check_staff_citizen_id_format"),
        ),
        sa.CheckConstraint("method IN ('qr', 'lookup')", name=op.f("ck_card_check_method_value")),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["health_insurance_card.id"],
            name=op.f("fk_card_check_card_id_health_insurance_card"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["medical_facility.id"],
            name=op.f("fk_card_check_facility_id_medical_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_card_check_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_check")),
    )
    op.create_index("ix_card_check_facility_time", "card_check", ["facility_id", "checked_at"], unique=False)
    op.create_index("ix_card_check_person_time", "card_check", ["person_id", "checked_at"], unique=False)
    op.create_table(
        "chip_verification",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("failed_check", sa.String(length=32), nullable=True),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("data_groups", sa.JSON(), nullable=False),
        sa.Column("document_last_digits", sa.String(length=4), nullable=True),
        sa.Column("ds_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("csca_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("digest_algorithm", sa.String(length=16), nullable=True),
        sa.Column("signature_algorithm", sa.String(length=32), nullable=True),
        sa.Column("aa_algorithm", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('passed', 'failed')", name=op.f("ck_chip_verification_outcome_value")),
        sa.CheckConstraint("purpose IN ('verify', 'activate')", name=op.f("ck_chip_verification_purpose_value")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_chip_verification_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chip_verification")),
    )
    op.create_index(
        "ix_chip_verification_account_time", "chip_verification", ["account_id", "created_at"], unique=False
    )
    op.create_table(
        "household_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_person_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_person_id"],
            ["person.id"],
            name=op.f("fk_household_event_actor_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_household_event_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_event")),
    )
    op.create_index(
        "ix_household_event_household_time", "household_event", ["household_id", "created_at"], unique=False
    )
    op.create_table(
        "household_member",
        sa.Column("relation", sa.String(length=12), nullable=False),
        sa.Column("enrolment_order", sa.Integer(), nullable=False),
        sa.Column("consent", sa.String(length=12), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "consent IN ('not_required', 'pending', 'given', 'withdrawn')",
            name=op.f("ck_household_member_consent_value"),
        ),
        sa.CheckConstraint(
            "relation IN ('head', 'spouse', 'child', 'parent', 'sibling', 'grandparent', 'grandchild', 'other')",
            name=op.f("ck_household_member_relation_value"),
        ),
        sa.CheckConstraint("enrolment_order >= 1", name=op.f("ck_household_member_order_positive")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_household_member_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_household_member_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_member")),
        sa.UniqueConstraint("household_id", "enrolment_order", name=op.f("uq_household_member_household_id")),
        sa.UniqueConstraint("person_id", name=op.f("uq_household_member_person_id")),
    )
    op.create_table(
        "household_payment",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("payer_person_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("base_salary", sa.BigInteger(), nullable=False),
        sa.Column("base_salary_effective_from", sa.Date(), nullable=False),
        sa.Column("priced_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_ref", sa.String(length=64), nullable=False),
        sa.Column("checkout_url", sa.String(length=255), nullable=True),
        sa.Column("receipt_no", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'failed', 'expired')", name=op.f("ck_household_payment_status_value")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_household_payment_amount_positive")),
        sa.CheckConstraint("months IN (3, 6, 12)", name=op.f("ck_household_payment_months_value")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_household_payment_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payer_person_id"], ["person.id"], name=op.f("fk_household_payment_payer_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_payment")),
        sa.UniqueConstraint("household_id", "idempotency_key", name=op.f("uq_household_payment_household_id")),
        sa.UniqueConstraint("provider_ref", name=op.f("uq_household_payment_provider_ref")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_household_payment_receipt_no")),
    )
    op.create_table(
        "passkey",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(length=1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=2048), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=False),
        sa.Column("aaguid", sa.String(length=36), nullable=False),
        sa.Column("backup_eligible", sa.Boolean(), nullable=False),
        sa.Column("backed_up", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_passkey_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkey")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkey_credential_id")),
    )
    op.create_index(op.f("ix_passkey_account_id"), "passkey", ["account_id"], unique=False)
    op.create_table(
        "security_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_security_event_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_event")),
    )
    op.create_index("ix_security_event_account_time", "security_event", ["account_id", "created_at"], unique=False)
    op.create_table(
        "household_payment_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("order_k", sa.Integer(), nullable=False),
        sa.Column("factor_permille", sa.Integer(), nullable=False),
        sa.Column("monthly_amount", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("covered_from", sa.Date(), nullable=False),
        sa.Column("covered_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'failed', 'expired')",
            name=op.f("ck_household_payment_line_status_value"),
        ),
        sa.CheckConstraint("covered_until >= covered_from", name=op.f("ck_household_payment_line_coverage_order")),
        sa.CheckConstraint(
            "monthly_amount > 0 AND amount > 0", name=op.f("ck_household_payment_line_amounts_positive")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["household_member.id"],
            name=op.f("fk_household_payment_line_member_id_household_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["household_payment.id"],
            name=op.f("fk_household_payment_line_payment_id_household_payment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_household_payment_line_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_payment_line")),
        sa.UniqueConstraint("payment_id", "person_id", name=op.f("uq_household_payment_line_payment_id")),
    )
    op.create_index(
        op.f("ix_household_payment_line_payment_id"), "household_payment_line", ["payment_id"], unique=False
    )
    op.create_index(
        "uq_household_payment_line_pending_person",
        "household_payment_line",
        ["person_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "payment_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["household_payment.id"],
            name=op.f("fk_payment_event_payment_id_household_payment"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_payment_event_event_id")),
    )
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_session.id"],
            name=op.f("fk_refresh_token_session_id_auth_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_token_token_hash")),
    )
    op.create_index(op.f("ix_refresh_token_session_id"), "refresh_token", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_refresh_token_session_id"), table_name="refresh_token")
    op.drop_table("refresh_token")
    op.drop_table("payment_event")
    op.drop_index(
        "uq_household_payment_line_pending_person",
        table_name="household_payment_line",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index(op.f("ix_household_payment_line_payment_id"), table_name="household_payment_line")
    op.drop_table("household_payment_line")
    op.drop_index("ix_security_event_account_time", table_name="security_event")
    op.drop_table("security_event")
    op.drop_index(op.f("ix_passkey_account_id"), table_name="passkey")
    op.drop_table("passkey")
    op.drop_table("household_payment")
    op.drop_table("household_member")
    op.drop_index("ix_household_event_household_time", table_name="household_event")
    op.drop_table("household_event")
    op.drop_index("ix_chip_verification_account_time", table_name="chip_verification")
    op.drop_table("chip_verification")
    op.drop_index("ix_card_check_person_time", table_name="card_check")
    op.drop_index("ix_card_check_facility_time", table_name="card_check")
    op.drop_table("card_check")
    op.drop_index("ix_auth_session_account_live", table_name="auth_session")
    op.drop_table("auth_session")
    op.drop_index("ix_application_event_application_time", table_name="application_event")
    op.drop_table("application_event")
    op.drop_index(
        "uq_service_application_open_kind",
        table_name="service_application",
        postgresql_where=sa.text("status IN ('submitted', 'in_review', 'approved')"),
    )
    op.drop_index("ix_service_application_status_created", table_name="service_application")
    op.drop_index(op.f("ix_service_application_person_id"), table_name="service_application")
    op.drop_table("service_application")
    op.drop_index(op.f("ix_push_subscription_person_id"), table_name="push_subscription")
    op.drop_table("push_subscription")
    op.drop_table("notification_preference")
    op.drop_index("ix_notification_push_pending", table_name="notification")
    op.drop_index("ix_notification_person_created", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_medical_visit_person_admission", table_name="medical_visit")
    op.drop_index(op.f("ix_medical_visit_facility_id"), table_name="medical_visit")
    op.drop_table("medical_visit")
    op.drop_index(op.f("ix_household_head_person_id"), table_name="household")
    op.drop_table("household")
    op.drop_index(
        "uq_health_insurance_card_live_number",
        table_name="health_insurance_card",
        postgresql_where=sa.text("status != 'revoked'"),
    )
    op.drop_index(op.f("ix_health_insurance_card_person_id"), table_name="health_insurance_card")
    op.drop_index("ix_health_insurance_card_number", table_name="health_insurance_card")
    op.drop_index("ix_health_insurance_card_legacy_code", table_name="health_insurance_card")
    op.drop_table("health_insurance_card")
    op.drop_index("ix_contribution_period_person_month", table_name="contribution_period")
    op.drop_index(op.f("ix_contribution_period_employer_id"), table_name="contribution_period")
    op.drop_table("contribution_period")
    op.drop_index(op.f("ix_clinic_client_facility_id"), table_name="clinic_client")
    op.drop_table("clinic_client")
    op.drop_index("ix_benefit_person_period", table_name="benefit")
    op.drop_table("benefit")
    op.drop_table("account")
    op.drop_table("regional_minimum_wage")
    op.drop_table("person")
    op.drop_table("medical_facility")
    op.drop_table("employer")
    op.drop_index(
        "uq_card_signing_key_active_state",
        table_name="card_signing_key",
        postgresql_where=sa.text("state IN ('current', 'next')"),
    )
    op.drop_table("card_signing_key")
    op.drop_table("base_salary")
