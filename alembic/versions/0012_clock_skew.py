"""camera clock skew on frames and records

GA/T 832 asks for a device clock within 1.0 s of standard time. ingest_frames.clock_skew_s holds captured_at -
received_at (seconds) when a pushed frame's camera clock is off beyond that; enforcement_records.clock_skew_s the
worst of its evidence frames. NULL means not flagged, which is also what every older row reads as: their frames
were never checked (traffic/services/clock_skew.py, docs/operations.md "Camera clocks").

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 11:45:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_frames") as batch:
        batch.add_column(sa.Column("clock_skew_s", sa.Float(), nullable=True))
    with op.batch_alter_table("enforcement_records") as batch:
        batch.add_column(sa.Column("clock_skew_s", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enforcement_records") as batch:
        batch.drop_column("clock_skew_s")
    with op.batch_alter_table("ingest_frames") as batch:
        batch.drop_column("clock_skew_s")
