"""card states of the national result table, registered checking staff, facility admins and gateway accounts

A card once ``revoked`` becomes ``replaced`` when a later card has its number (a reissue) and ``withdrawn``
otherwise; ``decreased`` (reported reduced) carries its reason. Card checks may come from the gateway.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CARD = "health_insurance_card"
_REASONS = "'reported', 'moved_out_of_province', 'moved_within_province', 're_enrolled_same_employer', 'stopped'"


def upgrade() -> None:
    op.drop_index("uq_health_insurance_card_live_number", table_name=_CARD)
    op.drop_constraint(op.f("ck_health_insurance_card_status_value"), _CARD, type_="check")
    op.add_column(_CARD, sa.Column("decrease_reason", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE health_insurance_card AS old SET status = CASE WHEN EXISTS ("
        " SELECT 1 FROM health_insurance_card AS new WHERE new.number = old.number AND new.id <> old.id"
        " AND new.issued_at >= old.issued_at) THEN 'replaced' ELSE 'withdrawn' END"
        " WHERE old.status = 'revoked'"
    )
    op.create_check_constraint(
        op.f("ck_health_insurance_card_status_value"),
        _CARD,
        "status IN ('active', 'suspended', 'replaced', 'withdrawn', 'decreased')",
    )
    op.create_check_constraint(
        op.f("ck_health_insurance_card_decrease_reason_value"), _CARD, f"decrease_reason IN ({_REASONS})"
    )
    op.create_check_constraint(
        op.f("ck_health_insurance_card_decrease_reason_status"),
        _CARD,
        "(status = 'decreased') = (decrease_reason IS NOT NULL)",
    )
    op.create_index(
        "uq_health_insurance_card_live_number",
        _CARD,
        ["number"],
        unique=True,
        postgresql_where=sa.text("status NOT IN ('replaced', 'withdrawn')"),
    )

    op.drop_constraint(op.f("ck_card_check_method_value"), "card_check", type_="check")
    op.create_check_constraint(
        op.f("ck_card_check_method_value"), "card_check", "method IN ('qr', 'lookup', 'gateway')"
    )

    op.drop_constraint(op.f("ck_account_role_value"), "account", type_="check")
    op.drop_constraint(op.f("ck_account_role_person"), "account", type_="check")
    op.create_check_constraint(
        op.f("ck_account_role_value"), "account", "role IN ('citizen', 'staff', 'facility_admin')"
    )
    op.create_check_constraint(
        op.f("ck_account_role_person"),
        "account",
        "(role = 'citizen' AND person_id IS NOT NULL) OR (role IN ('staff', 'facility_admin') AND person_id IS NULL)",
    )

    op.create_table(
        "facility_staff",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("public_id", sa.String(length=24), nullable=False),
        sa.Column("facility_id", sa.BigInteger(), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("citizen_id", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(citizen_id) = 12 AND ltrim(citizen_id, '0123456789') = ''",
            name=op.f("ck_facility_staff_citizen_id_format"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["medical_facility.id"],
            name=op.f("fk_facility_staff_facility_id_medical_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility_staff")),
        sa.UniqueConstraint("facility_id", "citizen_id", name=op.f("uq_facility_staff_facility_id")),
        sa.UniqueConstraint("public_id", name=op.f("uq_facility_staff_public_id")),
    )
    op.create_table(
        "facility_admin",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("facility_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_facility_admin_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["medical_facility.id"],
            name=op.f("fk_facility_admin_facility_id_medical_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility_admin")),
        sa.UniqueConstraint("account_id", name=op.f("uq_facility_admin_account_id")),
    )
    op.create_index(op.f("ix_facility_admin_facility_id"), "facility_admin", ["facility_id"], unique=False)
    op.create_table(
        "gateway_account",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clinic_client.id"],
            name=op.f("fk_gateway_account_client_id_clinic_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_account")),
        sa.UniqueConstraint("username", name=op.f("uq_gateway_account_username")),
    )
    op.create_index(op.f("ix_gateway_account_client_id"), "gateway_account", ["client_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_gateway_account_client_id"), table_name="gateway_account")
    op.drop_table("gateway_account")
    op.drop_index(op.f("ix_facility_admin_facility_id"), table_name="facility_admin")
    op.drop_table("facility_admin")
    op.drop_table("facility_staff")

    op.execute("DELETE FROM account WHERE role = 'facility_admin'")
    op.drop_constraint(op.f("ck_account_role_person"), "account", type_="check")
    op.drop_constraint(op.f("ck_account_role_value"), "account", type_="check")
    op.create_check_constraint(op.f("ck_account_role_value"), "account", "role IN ('citizen', 'staff')")
    op.create_check_constraint(
        op.f("ck_account_role_person"),
        "account",
        "(role = 'citizen' AND person_id IS NOT NULL) OR (role = 'staff' AND person_id IS NULL)",
    )

    op.execute("UPDATE card_check SET method = 'lookup' WHERE method = 'gateway'")
    op.drop_constraint(op.f("ck_card_check_method_value"), "card_check", type_="check")
    op.create_check_constraint(op.f("ck_card_check_method_value"), "card_check", "method IN ('qr', 'lookup')")

    op.drop_index("uq_health_insurance_card_live_number", table_name=_CARD)
    op.drop_constraint(op.f("ck_health_insurance_card_decrease_reason_status"), _CARD, type_="check")
    op.drop_constraint(op.f("ck_health_insurance_card_decrease_reason_value"), _CARD, type_="check")
    op.drop_constraint(op.f("ck_health_insurance_card_status_value"), _CARD, type_="check")
    # The old schema knew no decrease: a reported-reduced card goes back to suspended, the closest it had.
    op.execute(
        "UPDATE health_insurance_card SET status = CASE status WHEN 'decreased' THEN 'suspended' ELSE 'revoked' END"
        " WHERE status IN ('replaced', 'withdrawn', 'decreased')"
    )
    op.drop_column(_CARD, "decrease_reason")
    op.create_check_constraint(
        op.f("ck_health_insurance_card_status_value"), _CARD, "status IN ('active', 'suspended', 'revoked')"
    )
    op.create_index(
        "uq_health_insurance_card_live_number",
        _CARD,
        ["number"],
        unique=True,
        postgresql_where=sa.text("status != 'revoked'"),
    )
