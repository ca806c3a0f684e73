"""the card check log by card (the gateway's dsLichSuKT2018, newest first), served by one index alone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Concurrently: card_check takes a row per scan, and a deployment's table is too big to lock for the build.
    with op.get_context().autocommit_block():
        op.create_index(
            op.f("ix_card_check_card_time"),
            "card_check",
            ["card_id", "checked_at", "id"],
            postgresql_include=["client_id", "result"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(op.f("ix_card_check_card_time"), table_name="card_check", postgresql_concurrently=True)
