"""Pulled sources (video files, image folders, streams) through the pipeline and the recorder, in this process."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from detection.types import EvidenceFrame, Frame
from models import EnforcementRecord
from traffic.db import transaction
from traffic.digests import file_sha256
from traffic.metrics import FRAMES_PROCESSED, FRAMES_RECEIVED, count_on_commit
from traffic.errors import Conflict, InvalidInput
from traffic.services.cameras import load_camera
from traffic.services.evidence import JPEG, SourceFrame
from traffic.services.evidence_render import encode_jpeg
from traffic.digests import sha256_hex
from traffic.services.recorder import Recorder
from traffic.services.stats import rollup
from traffic.vision import PipelineFactory


def file_digest(path: Path) -> str:
    """Identify a file by content, so ingesting the same file twice yields the same track keys (no duplicates)."""
    return file_sha256(path)[:16]


def folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for item in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(f"{item.name}:{item.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


class InMemoryFrames:
    """The recorder's frame store for pulled sources: evidence frames keep their images in memory.

    A pulled frame arrives decoded (a video has no per-frame file), so its panorama bytes are the frame as read,
    encoded once as JPEG; that encoding is deterministic, so the recorded SHA-256 is that of the stored file.
    """

    def __call__(self, evidence: EvidenceFrame) -> np.ndarray:
        if evidence.image is None:
            raise InvalidInput(f"frame {evidence.frame_ref} has no image kept in memory")
        return evidence.image

    def source(self, evidence: EvidenceFrame) -> SourceFrame:
        data = encode_jpeg(self(evidence))
        return SourceFrame(evidence.frame_ref, data, JPEG, sha256_hex(data))


@dataclass
class PullReport:
    frames: int = 0
    sightings: set[int] = field(default_factory=set)
    records: int = 0

    def summary(self) -> str:
        return f"{self.frames} frames, {len(self.sightings)} sightings, {self.records} new records"


def ingest_frames(
    session_factory: sessionmaker[Session],
    pipelines: PipelineFactory,
    recorder: Recorder,
    camera_code: str,
    frames: Iterable[Frame],
    *,
    source: str,
    track_prefix: str,
    inertia: int = 3,
    commit_every: int = 25,
    on_frame: Callable[[], None] | None = None,
) -> PullReport:
    """Run ``frames`` through one camera's pipeline and record the results, committing every few frames."""
    with session_factory() as session:
        camera = load_camera(session, camera_code)
    if not camera.enabled:
        raise Conflict(f"camera {camera_code} is disabled")
    with transaction(session_factory) as session:  # one pull runs one model: the version active when it starts
        detector = pipelines.choose(session, camera.id)
    pipeline = pipelines.pipeline_for(camera, inertia=inertia, detector=detector)
    report = PullReport()
    with transaction(session_factory) as session:
        before = session.scalar(select(func.count()).select_from(EnforcementRecord)) or 0
        last_minute = None
        for result in pipeline.run(frames):
            report.frames += 1
            count_on_commit(session, FRAMES_RECEIVED, camera.code)
            count_on_commit(session, FRAMES_PROCESSED, camera.code)
            # Pulled frames leave no ingest rows: note the processed camera-minute (exposure), once per minute.
            minute = int(result.frame.captured_at.timestamp()) // 60
            if minute != last_minute:
                rollup.record_minutes(session, [(camera.id, result.frame.captured_at)])
                last_minute = minute
            if result.events:
                rows = recorder.apply(
                    session, camera, result.events, source=source, track_prefix=track_prefix, frame_pk=None,
                    images=InMemoryFrames(), detector_version_id=detector.id,
                )
                report.sightings.update(r.id for r in rows)
            if report.frames % commit_every == 0:
                session.commit()
            if on_frame is not None:
                on_frame()
        report.records = (session.scalar(select(func.count()).select_from(EnforcementRecord)) or 0) - before
    return report
