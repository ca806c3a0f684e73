"""visit disputes and the co-payment cap: applications of kind visit_dispute (one open per visit), the visit's
dispute state, the card's co-payment exemption date (NGAY_MIEN_CCT) and the notices they send.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 21:11:50.139620
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('submitted', 'in_review', 'approved')"
KINDS_BEFORE = "'card_reissue', 'facility_change', 'info_correction', 'voluntary_registration'"
NOTICES_BEFORE = (
    "'arrears_found', 'card_expiring', 'household_payment_due', 'application_status', 'card_checked', "
    "'new_device_sign_in', 'visit_recorded'"
)


def _replace_check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)


def upgrade() -> None:
    op.add_column("health_insurance_card", sa.Column("co_payment_exempt_from", sa.Date(), nullable=True))

    op.add_column("medical_visit", sa.Column("dispute_status", sa.String(length=10), nullable=True))
    op.add_column("medical_visit", sa.Column("dispute_ground", sa.String(length=8), nullable=True))
    op.create_check_constraint(
        op.f("ck_medical_visit_dispute_status_value"),
        "medical_visit",
        "dispute_status IN ('open', 'upheld', 'rejected')",
    )
    op.create_check_constraint(
        op.f("ck_medical_visit_dispute_ground_value"), "medical_visit", "dispute_ground IN ('not_me', 'wrong')"
    )
    op.create_check_constraint(
        op.f("ck_medical_visit_dispute_status_ground"),
        "medical_visit",
        "(dispute_status IS NULL) = (dispute_ground IS NULL)",
    )

    op.add_column("service_application", sa.Column("visit_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_service_application_visit_id_medical_visit"),
        "service_application",
        "medical_visit",
        ["visit_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_service_application_visit_id"), "service_application", ["visit_id"], unique=False)
    op.create_index(
        "uq_service_application_open_visit",
        "service_application",
        ["visit_id"],
        unique=True,
        postgresql_where=sa.text(f"{OPEN} AND visit_id IS NOT NULL"),
    )
    # A citizen may dispute several visits at once: the one-open-per-kind rule leaves disputes to the index above.
    op.drop_index("uq_service_application_open_kind", table_name="service_application")
    op.create_index(
        "uq_service_application_open_kind",
        "service_application",
        ["person_id", "kind"],
        unique=True,
        postgresql_where=sa.text(f"{OPEN} AND kind <> 'visit_dispute'"),
    )
    _replace_check("service_application", "kind_value", f"kind IN ({KINDS_BEFORE}, 'visit_dispute')")
    _replace_check(
        "notification",
        "kind_value",
        f"kind IN ({NOTICES_BEFORE}, 'dispute_update', 'copayment_cap_reached', 'copayment_exempt')",
    )


def downgrade() -> None:
    op.execute("DELETE FROM notification WHERE kind IN ('dispute_update', 'copayment_cap_reached', 'copayment_exempt')")
    _replace_check("notification", "kind_value", f"kind IN ({NOTICES_BEFORE})")
    op.execute("DELETE FROM service_application WHERE kind = 'visit_dispute'")
    _replace_check("service_application", "kind_value", f"kind IN ({KINDS_BEFORE})")
    op.drop_index("uq_service_application_open_kind", table_name="service_application")
    op.create_index(
        "uq_service_application_open_kind",
        "service_application",
        ["person_id", "kind"],
        unique=True,
        postgresql_where=sa.text(OPEN),
    )
    op.drop_index("uq_service_application_open_visit", table_name="service_application")
    op.drop_index(op.f("ix_service_application_visit_id"), table_name="service_application")
    op.drop_constraint(op.f("fk_service_application_visit_id_medical_visit"), "service_application", type_="foreignkey")
    op.drop_column("service_application", "visit_id")
    op.drop_constraint(op.f("ck_medical_visit_dispute_status_ground"), "medical_visit", type_="check")
    op.drop_constraint(op.f("ck_medical_visit_dispute_ground_value"), "medical_visit", type_="check")
    op.drop_constraint(op.f("ck_medical_visit_dispute_status_value"), "medical_visit", type_="check")
    op.drop_column("medical_visit", "dispute_ground")
    op.drop_column("medical_visit", "dispute_status")
    op.drop_column("health_insurance_card", "co_payment_exempt_from")
