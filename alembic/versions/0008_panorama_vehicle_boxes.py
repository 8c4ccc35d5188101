"""panorama vehicle boxes

Each panorama keeps the vehicle's box in the image's pixels (evidence_files.box_xyxy), sealed with the package, so the
record page can draw it over the unaltered panorama (docs/evidence.md).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_files") as batch:
        batch.add_column(sa.Column("box_xyxy", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_files") as batch:
        batch.drop_column("box_xyxy")
