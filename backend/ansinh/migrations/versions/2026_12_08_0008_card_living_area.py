"""the card's living-area code (mã nơi sinh sống, the gateway's maKV): K1, K2, K3 or none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("health_insurance_card", sa.Column("living_area", sa.String(length=2), nullable=True))
    op.create_check_constraint(
        op.f("ck_health_insurance_card_living_area_value"),
        "health_insurance_card",
        "living_area IN ('K1', 'K2', 'K3')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_health_insurance_card_living_area_value"), "health_insurance_card", type_="check")
    op.drop_column("health_insurance_card", "living_area")
