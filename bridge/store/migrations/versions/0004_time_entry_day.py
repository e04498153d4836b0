"""Time entries: the day the work was done (``day``) and entries with no author.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("time_entries") as batch:
        batch.add_column(sa.Column("day", sa.Date(), nullable=True))
        batch.alter_column("by_id", existing_type=sa.String(), nullable=True)
        batch.alter_column("by_name", existing_type=sa.String(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM time_entries WHERE by_id IS NULL")
    with op.batch_alter_table("time_entries") as batch:
        batch.alter_column("by_name", existing_type=sa.String(), nullable=False)
        batch.alter_column("by_id", existing_type=sa.String(), nullable=False)
        batch.drop_column("day")
