"""statistics rollup: pre-counted figures, processed camera-minutes, the rollup's layout

The dashboard's queries read counts per local day and bucket instead of the raw rows (docs/statistics.md, "The
rollup"). The tables are filled here from the rows already stored; from now on they are kept in the same
transaction as the rows they count. A partial index lets the "now" figures (review due, overdue) read only the
records whose review deadline can still pass.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEADLINE_CAN_PASS = "reviewed_at IS NULL OR status = 'pending_review'"
KEY = ("grain", "kind", "day", "district_id", "bucket", "segment_id", "camera_id", "vehicle_type", "status",
       "unit_id", "reviewed", "in_time", "deadline_day", "due_day", "slot_id")


def upgrade() -> None:
    small = {"grain", "kind", "bucket", "reviewed", "in_time"}
    columns = [sa.Column(name, sa.String(32) if name in ("vehicle_type", "status") else
                         sa.SmallInteger() if name in small else sa.Integer(), nullable=False) for name in KEY]
    op.create_table("stats_rollup", *columns, sa.Column("n", sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_stats_rollup"), postgresql_include=["n"]))
    op.create_table(
        "camera_minutes",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], name=op.f("fk_camera_minutes_camera_id_cameras"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("camera_id", "minute", name=op.f("pk_camera_minutes")),
    )
    op.create_table(
        "stats_layout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("boundaries", sa.String(4000), nullable=False),
        sa.Column("slots", sa.String(4000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_layout")),
    )
    with op.batch_alter_table("enforcement_records") as batch:
        batch.create_index("ix_enforcement_records_deadline_open", ["review_deadline"], unique=False,
                           postgresql_where=sa.text(DEADLINE_CAN_PASS), sqlite_where=sa.text(DEADLINE_CAN_PASS))
    # Filled by the application's own rebuild, so that a migrated database counts exactly like a maintained one.
    from traffic.services.stats.rollup_build import rebuild

    session = Session(bind=op.get_bind())
    rebuild(session)
    session.close()


def downgrade() -> None:
    with op.batch_alter_table("enforcement_records") as batch:
        batch.drop_index("ix_enforcement_records_deadline_open")
    op.drop_table("stats_layout")
    op.drop_table("camera_minutes")
    op.drop_table("stats_rollup")
