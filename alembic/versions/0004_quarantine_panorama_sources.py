"""camera quarantine and panorama sources

A camera that cannot be opened or processed is set aside and retried with back-off (camera_states); each panorama
names the frame it is and the SHA-256 of the bytes the camera sent (evidence_files).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("camera_states") as batch:
        batch.add_column(sa.Column("quarantined_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("quarantine_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("evidence_files") as batch:
        batch.add_column(sa.Column("source_frame", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("source_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_files") as batch:
        batch.drop_column("source_sha256")
        batch.drop_column("source_frame")
    with op.batch_alter_table("camera_states") as batch:
        batch.drop_column("failures")
        batch.drop_column("quarantine_reason")
        batch.drop_column("quarantined_until")
