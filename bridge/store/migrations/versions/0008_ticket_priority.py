"""Tickets keep their priority: the tracker's own field (``priority``, Jira) and their
single-choice custom fields (``custom_fields``, Asana enum fields) as ``[[name, option], ...]``.

Tickets stored before have neither until their next pull (``NULL`` and ``[]``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("priority", sa.String(), nullable=True))
        batch.add_column(sa.Column("custom_fields", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("custom_fields")
        batch.drop_column("priority")
