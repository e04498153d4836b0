"""Request budgets shared by the processes of one PostgreSQL store: a token bucket per
credential (its sha256 only), taken with SELECT ... FOR UPDATE (bridge/store/budgets.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column("credential", sa.String(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("refilled_at", sa.Float(), nullable=False),  # epoch seconds, database clock
        sa.Column("held_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("credential"),
    )


def downgrade() -> None:
    op.drop_table("rate_budgets")
