"""Every Prometheus metric of the system, defined here once; code elsewhere only increments them.

They live in one registry of their own (not prometheus_client's global one), so `/metrics` shows only ours and tests
read exact values. Counts of rows that a transaction creates are added only when it commits (``count_on_commit``):
a frame retried after a rollback is not counted twice. The metrics are per process: `traffic serve` exports its own
and its embedded workers' (threads); a separate `traffic worker` exports its own with ``--metrics-port``
(docs/operations.md#metrics). The queue depth is read from the database at each scrape, so it covers every worker.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.orm import Session

REGISTRY = CollectorRegistry(auto_describe=True)

FRAMES_RECEIVED = Counter("traffic_frames_received", "Frames accepted (pushed, or read from a pulled source)",
                          ["camera"], registry=REGISTRY)
FRAMES_PROCESSED = Counter("traffic_frames_processed", "Frames run through the pipeline and committed",
                           ["camera"], registry=REGISTRY)
FRAMES_FAILED = Counter("traffic_frames_failed", "Frames marked failed for good (undecodable, late, retries spent)",
                        ["camera"], registry=REGISTRY)
MEDIA_REFUSED = Counter("traffic_media_refused", "Uploads or pulled files refused as bad media", ["path"],
                        registry=REGISTRY)
INFERENCE_SECONDS = Histogram("traffic_inference_seconds", "Time of one frame through the vision pipeline",
                              buckets=(0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56),
                              registry=REGISTRY)
QUEUE_DEPTH = Gauge("traffic_queue_depth", "Frames waiting to be processed, read from the database at scrape time",
                    ["camera"], registry=REGISTRY)
SIGHTINGS_CREATED = Counter("traffic_sightings_created", "Sightings (vehicle passes) created", ["camera"],
                            registry=REGISTRY)
RECORDS_CREATED = Counter("traffic_records_created", "Enforcement records created", ["camera"], registry=REGISTRY)
REVIEW_ACTIONS = Counter("traffic_review_actions", "Lifecycle steps taken on records, by step", ["action"],
                         registry=REGISTRY)
# Incremented by the retention run (docs/operations.md#retention) with what it deleted.
RETENTION_FREED_BYTES = Counter("traffic_retention_freed_bytes", "Bytes of frames and evidence deleted by retention",
                                registry=REGISTRY)
RETENTION_FREED_FILES = Counter("traffic_retention_freed_files", "Files or rows deleted by retention", ["kind"],
                                registry=REGISTRY)
DATABASE_UNAVAILABLE = Counter("traffic_database_unavailable", "Requests answered 503 because the database was down",
                               registry=REGISTRY)
STORAGE_FULL = Counter("traffic_storage_full", "Requests answered 507 because a disk or quota was full",
                       registry=REGISTRY)

_PENDING = "traffic_metrics_pending"


def count_on_commit(session: Session, counter: Counter, *labels: str, amount: float = 1.0) -> None:
    """Add ``amount`` to ``counter`` once the session's transaction commits; nothing if it rolls back."""
    session.info.setdefault(_PENDING, []).append((counter, labels, amount))


@event.listens_for(Session, "after_commit")
def _apply_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    for counter, labels, amount in session.info.pop(_PENDING, ()):
        (counter.labels(*labels) if labels else counter).inc(amount)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    # A savepoint rolled back (one item of a bulk step) keeps the others' counts: an item counts only at its end.
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)
