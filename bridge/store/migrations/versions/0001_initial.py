"""The initial schema: tracker records, sync state, outbox and runs.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _person(prefix: str) -> list[sa.Column[str]]:
    return [
        sa.Column(f"{prefix}_id", sa.String(), nullable=False),
        sa.Column(f"{prefix}_name", sa.String(), nullable=False),
        sa.Column(f"{prefix}_email", sa.String(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        *_person("requester"),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("client", "remote_id"),
    )
    op.create_table(
        "status_changes",
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("ticket_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        *_person("by"),
        sa.Column("from_status", sa.String(), nullable=True),
        sa.Column("to_status", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("client", "remote_id"),
    )
    op.create_index("ix_status_changes_ticket", "status_changes", ["client", "ticket_id"])
    op.create_table(
        "comments",
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("ticket_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        *_person("by"),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("client", "remote_id"),
    )
    op.create_index("ix_comments_ticket", "comments", ["client", "ticket_id"])
    op.create_table(
        "time_entries",
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("ticket_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        *_person("by"),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client", "remote_id"),
    )
    op.create_index("ix_time_entries_ticket", "time_entries", ["client", "ticket_id"])
    op.create_table(
        "sync_state",
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("ticket_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("marker", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("remote_comment_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )
    op.create_index("ix_outbox_client_state", "outbox", ["client", "state"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("requests_made", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_runs_client_started", "runs", ["client", "started_at"])


def downgrade() -> None:
    tables = ("runs", "outbox", "sync_state", "time_entries", "comments")
    for table in (*tables, "status_changes", "tickets"):
        op.drop_table(table)
