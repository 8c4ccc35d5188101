"""frame store and legal holds

Frame bytes leave the database for the content-addressed frame store under TRAFFIC_DATA_DIR/frames: each row keeps
its SHA-256 and the file's relative path (ingest_frames.image_path), and the image column is dropped rather than
kept empty, so nothing can write bytes into the database again by mistake. Downgrade reads the files back into a
recreated image column. Records under a legal hold are listed in legal_holds (docs/operations.md).

The store is the local one under the data dir the caller hands in (config.attributes["data_dir"]), else the
deployment's from the environment (TRAFFIC_FRAME_STORE_URL, or TRAFFIC_DATA_DIR/frames). Rows are moved in batches, so memory stays bounded on a large table.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-02 10:40:00
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 200
_frames = sa.table(
    "ingest_frames", sa.column("id", sa.Integer), sa.column("sha256", sa.String), sa.column("content_type", sa.String),
    sa.column("image", sa.LargeBinary), sa.column("image_path", sa.String),
)


def _store():
    """The frame store named by the caller's data dir, else the deployment's (TRAFFIC_FRAME_STORE_URL or DATA_DIR)."""
    from traffic.services.frame_store import LocalFrameStore, frame_store

    data_dir = op.get_context().config.attributes.get("data_dir")
    if data_dir is None:
        from traffic.settings import Settings

        return frame_store(Settings())
    return LocalFrameStore(Path(data_dir) / "frames")


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["enforcement_records.id"],
                                name=op.f("fk_legal_holds_record_id_enforcement_records"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("ingest_frames") as batch:
        batch.add_column(sa.Column("image_path", sa.String(length=160), nullable=True))
    _move_out()
    with op.batch_alter_table("ingest_frames") as batch:
        batch.alter_column("image_path", existing_type=sa.String(length=160), nullable=False)
        batch.create_index(batch.f("ix_ingest_frames_image_path"), ["image_path"], unique=False)
        batch.drop_column("image")


def _move_out() -> None:
    from traffic.services.frame_store import store_frame_bytes

    connection = op.get_bind()
    store = None
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_frames.c.id, _frames.c.sha256, _frames.c.content_type, _frames.c.image)
            .where(_frames.c.id > last).order_by(_frames.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        store = store or _store()
        for row in rows:
            data = bytes(row.image or b"")
            if hashlib.sha256(data).hexdigest() != row.sha256:
                raise RuntimeError(f"ingest frame #{row.id}: its bytes do not match their SHA-256; nothing moved")
            _, key = store_frame_bytes(store, data, row.content_type)  # fsynced before the row names it
            connection.execute(sa.update(_frames).where(_frames.c.id == row.id).values(image_path=key))
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("ingest_frames") as batch:
        batch.add_column(sa.Column("image", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    store = None
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_frames.c.id, _frames.c.image_path).where(_frames.c.id > last).order_by(_frames.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        store = store or _store()
        for row in rows:
            # The files stay: another deployment (or a second downgrade attempt) may still read them.
            connection.execute(sa.update(_frames).where(_frames.c.id == row.id).values(image=store.get(row.image_path)))
        last = rows[-1].id
    with op.batch_alter_table("ingest_frames") as batch:
        batch.drop_index(batch.f("ix_ingest_frames_image_path"))
        batch.drop_column("image_path")
    op.drop_table("legal_holds")
