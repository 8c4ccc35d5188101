"""review queue index: oldest first within a status

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:15:00

The review queue reads the oldest records of one status. On the period index alone, every decided record older than
the oldest pending one is read and filtered out, so the queue slows down as the backlog is cleared; leading with the
status keeps it a short index range.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enforcement_records", schema=None) as batch_op:
        batch_op.create_index("ix_enforcement_records_queue", ["status", "captured_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enforcement_records", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_records_queue")
