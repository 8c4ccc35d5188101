"""Retention: processed frames leave the database and the frame store once nothing needs them.

- A processed (done or failed) frame that fed no sighting goes after ``frame_retention_hours``.
- A frame that fed a sighting goes after ``sighting_frame_retention_days``.
- A frame of a record that is still open (any status but dismissed or closed) or under a legal hold is never
  removed, whatever its age. Evidence packages are never touched: they hold their own copies (docs/evidence.md).
- A file goes only when no row names it any more, and only when it has not been written or re-stored within
  ``ORPHAN_GRACE`` (an upload of the same bytes may be on its way to naming it). Files no row names (an upload
  whose row never committed) are swept the same way.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, and_, delete, exists, func, not_, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from models import EnforcementRecord, EvidenceFile, IngestFrame, LegalHold, frame_sightings
from models.enums import FrameStatus, RecordStatus
from traffic.db import transaction
from traffic.services.frame_store import BlobStore, StoredBlob

log = logging.getLogger(__name__)
FINAL = (RecordStatus.DISMISSED, RecordStatus.CLOSED)
PROCESSED = (FrameStatus.DONE, FrameStatus.FAILED)
ORPHAN_GRACE = dt.timedelta(minutes=15)
BATCH = 500


@dataclass(frozen=True)
class RetentionPolicy:
    frame_hours: float
    sighting_frame_days: float

    @classmethod
    def from_settings(cls, settings) -> RetentionPolicy:
        return cls(settings.frame_retention_hours, settings.sighting_frame_retention_days)


@dataclass
class RetentionReport:
    """What a run removed (or, dry, would remove): frame rows, files and their bytes; and the old frames kept."""

    dry_run: bool = False
    rows: int = 0
    files: int = 0
    bytes: int = 0
    orphans: int = 0  # of ``files``: those no row had named
    kept: int = 0  # old enough to go, kept for an open or held record

    def summary(self) -> str:
        verb = "would free" if self.dry_run else "freed"
        return (f"retention {verb} {self.rows} frame rows, {self.files} files ({self.orphans} unnamed), "
                f"{self.bytes} bytes; kept {self.kept} old frames of open or held records")


def _protected_by_record(frame) -> object:
    """The frame fed a sighting whose record is open or held, or is a panorama source of such a record."""
    record_needs_it = or_(
        EnforcementRecord.status.not_in(FINAL),
        exists().where(LegalHold.record_id == EnforcementRecord.id),
    )
    fed = exists().where(
        frame_sightings.c.frame_id == frame.id,
        EnforcementRecord.sighting_id == frame_sightings.c.sighting_id,
        record_needs_it,
    )
    panorama = exists().where(
        EvidenceFile.source_frame == frame.frame_id, EnforcementRecord.id == EvidenceFile.record_id, record_needs_it,
    )
    return or_(fed, panorama)


def _old(frame, policy: RetentionPolicy, now: dt.datetime):
    """Processed, and past the frame age (and, when it fed a sighting, past the sighting frames' age)."""
    fed_recently = exists().where(
        frame_sightings.c.frame_id == frame.id,
        frame.processed_at >= now - dt.timedelta(days=policy.sighting_frame_days),
    )
    return and_(
        frame.status.in_(PROCESSED),
        frame.processed_at < now - dt.timedelta(hours=policy.frame_hours),
        not_(fed_recently),
    )


def expired(frame, policy: RetentionPolicy, now: dt.datetime):
    """The condition on an ``IngestFrame`` (or an alias of it) under which retention removes it."""
    return and_(_old(frame, policy, now), not_(_protected_by_record(frame)))


def run_retention(
    session_factory: sessionmaker[Session], store: BlobStore, policy: RetentionPolicy, now: dt.datetime, *,
    dry_run: bool = False,
) -> RetentionReport:
    """Remove expired frames and the files no row names any more; with ``dry_run``, only count them."""
    report = RetentionReport(dry_run=dry_run)
    with session_factory() as session:
        report.kept = session.scalar(
            select(func.count()).select_from(IngestFrame)
            .where(_old(IngestFrame, policy, now), _protected_by_record(IngestFrame))
        ) or 0
    if dry_run:
        _count_expired(session_factory, policy, now, report)
    else:
        _delete_expired(session_factory, store, policy, now, report)
        if report.rows:
            _reclaim(session_factory)
    _sweep_unnamed(session_factory, store, now, report, dry_run=dry_run)
    log.info("%s", report.summary(), extra={"retention": vars(report)})
    return report


def _count_expired(session_factory, policy, now, report: RetentionReport) -> None:
    other = aliased(IngestFrame)
    with session_factory() as session:
        report.rows = session.scalar(select(func.count()).select_from(IngestFrame)
                                     .where(expired(IngestFrame, policy, now))) or 0
        still_named = exists().where(other.image_path == IngestFrame.image_path, not_(expired(other, policy, now)))
        files = (select(IngestFrame.image_path, func.max(IngestFrame.size).label("size"))
                 .where(expired(IngestFrame, policy, now), not_(still_named))
                 .group_by(IngestFrame.image_path).subquery())
        count, size = session.execute(select(func.count(), func.coalesce(func.sum(files.c.size), 0))).one()
    report.files += count
    report.bytes += int(size)


def _delete_expired(session_factory, store: BlobStore, policy, now, report: RetentionReport) -> None:
    while True:
        # One transaction selects and deletes under the same condition: a hold set meanwhile is seen by the delete.
        with transaction(session_factory) as session:
            rows = session.execute(
                select(IngestFrame.id, IngestFrame.image_path).where(expired(IngestFrame, policy, now))
                .order_by(IngestFrame.id).limit(BATCH)
            ).all()
            if not rows:
                return
            ids = [row.id for row in rows]
            result = session.execute(
                delete(IngestFrame).where(IngestFrame.id.in_(ids), expired(IngestFrame, policy, now))
                .execution_options(synchronize_session=False)
            )
        report.rows += result.rowcount
        _remove_unnamed(session_factory, store, {row.image_path for row in rows}, now, report)


def _reclaim(session_factory: sessionmaker[Session]) -> None:
    """On PostgreSQL, VACUUM the frame tables now, so the next frames reuse the deleted rows' space instead of
    growing the files until autovacuum gets round to it. SQLite reuses freed pages by itself."""
    bind = session_factory.kw.get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
        return  # a test's shared connection, or SQLite
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ingest_frames, frame_sightings")


def _remove_unnamed(session_factory, store: BlobStore, keys: Iterable[str], now: dt.datetime,
                    report: RetentionReport, *, orphans: bool = False) -> None:
    keys = list(keys)
    with session_factory() as session:
        named = set(session.scalars(select(IngestFrame.image_path).where(IngestFrame.image_path.in_(keys))))
    for key in keys:
        modified = store.modified(key)
        if key in named or modified is None or modified >= now - ORPHAN_GRACE:
            continue  # a file (re)stored within the grace may be about to be named; a later run looks again
        freed = store.delete(key)
        if freed:
            report.files += 1
            report.bytes += freed
            report.orphans += int(orphans)


def _sweep_unnamed(session_factory, store: BlobStore, now: dt.datetime, report: RetentionReport, *,
                   dry_run: bool) -> None:
    """Files no row names: uploads whose row never committed, or files a deleted row left within the grace."""
    batch: list[StoredBlob] = []

    def settle() -> None:
        if dry_run:
            with session_factory() as session:
                named = set(session.scalars(
                    select(IngestFrame.image_path).where(IngestFrame.image_path.in_([b.key for b in batch]))))
            unnamed = [b for b in batch if b.key not in named]
            report.files += len(unnamed)
            report.orphans += len(unnamed)
            report.bytes += sum(b.size for b in unnamed)
        else:
            _remove_unnamed(session_factory, store, [b.key for b in batch], now, report, orphans=True)
        batch.clear()

    for blob in store.blobs():
        if blob.modified < now - ORPHAN_GRACE:
            batch.append(blob)
        if len(batch) >= BATCH:
            settle()
    if batch:
        settle()
