"""Migration 0011 moves frame bytes out of the database into the frame store, and its downgrade moves them back."""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect

from tests.support.databases import fresh_database, selected_backends
from tests.support.ingest import apply_ingest_city
from traffic import migrate
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services.frame_store import LocalFrameStore

THIS = "0011"
FRAMES = 450  # more than one batch of the migration


def _revision_before() -> str:
    path = migrate.MIGRATIONS_DIR / "versions" / "0011_frame_store_legal_holds.py"
    spec = importlib.util.spec_from_file_location("m0011", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.down_revision


@pytest.mark.parametrize("backend", selected_backends())
def test_frame_bytes_move_out_on_upgrade_and_back_on_downgrade(backend: str, tmp_path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            before = _revision_before()
            migrate.upgrade(engine, before)
            with transaction(make_session_factory(engine)) as session:
                apply_ingest_city(session)
            images = [f"frame {n} ".encode() * (n % 7 + 1) for n in range(FRAMES)]
            images[1] = images[0]  # two frames with the same bytes share one file
            frames = sa.table("ingest_frames", *(sa.column(c) for c in (
                "frame_id", "camera_id", "captured_at", "received_at", "content_type", "sha256", "size", "width",
                "height", "image", "status", "attempts")))
            at = dt.datetime(2023, 6, 5, tzinfo=dt.UTC)
            with engine.begin() as connection:
                camera_id = connection.scalar(sa.text("SELECT id FROM cameras WHERE code = 'CAM-A'"))
                connection.execute(frames.insert(), [
                    {"frame_id": f"f{n}", "camera_id": camera_id, "captured_at": at, "received_at": at,
                     "content_type": "image/jpeg", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                     "width": 1280, "height": 720, "image": data, "status": "done", "attempts": 1}
                    for n, data in enumerate(images)])

            data_dir = tmp_path / "data"
            migrate.upgrade(engine, THIS, data_dir=data_dir)
            store = LocalFrameStore(data_dir / "frames")
            columns = {c["name"] for c in inspect(engine).get_columns("ingest_frames")}
            assert "image" not in columns and "image_path" in columns
            with engine.connect() as connection:
                rows = connection.execute(sa.text("SELECT frame_id, image_path FROM ingest_frames")).all()
            assert {frame_id: store.get(path) for frame_id, path in rows} == {
                f"f{n}": data for n, data in enumerate(images)}
            assert len(list(store.blobs())) == FRAMES - 1

            migrate.downgrade(engine, before, data_dir=data_dir)
            with engine.connect() as connection:
                back = dict(connection.execute(sa.text("SELECT frame_id, image FROM ingest_frames")).all())
            assert {k: bytes(v) for k, v in back.items()} == {f"f{n}": data for n, data in enumerate(images)}
            assert "image_path" not in {c["name"] for c in inspect(engine).get_columns("ingest_frames")}
        finally:
            engine.dispose()
