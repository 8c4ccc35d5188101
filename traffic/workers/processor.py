"""Process one camera's pushed frames in capture order, one transaction per frame.

Each frame's results (through the recorder), its status and the camera's tracking checkpoint are committed together,
under the camera's lease. A worker killed at any point therefore leaves either the frame's full effect or none, and
whoever takes the camera next resumes from the last checkpoint: nothing lost, nothing counted twice.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from detection.types import Frame, SightingEvent
from models import CameraState
from models.enums import SightingSource
from traffic.db import transaction
from traffic.errors import is_storage_full
from traffic.metrics import FRAMES_FAILED, FRAMES_PROCESSED, INFERENCE_SECONDS, count_on_commit
from traffic.services.cameras import CameraRef, load_camera_by_id
from traffic.services.frame_store import frame_store
from traffic.settings import Settings
from traffic.workers import frames
from traffic.workers.leases import CameraLeases, LeaseLost
from traffic.workers.quarantine import LIFTED, describe, quarantine_values

log = logging.getLogger(__name__)
SOURCE = SightingSource.PUSH


class PipelineLike(Protocol):
    def process(self, frame: Frame) -> list[SightingEvent]: ...
    def finish(self) -> list[SightingEvent]: ...
    def checkpoint(self) -> bytes: ...


class DetectorLike(Protocol):
    """The detector version a camera runs (traffic.vision.DetectorChoice): ``id`` is what sightings point to."""

    id: int


class PipelineFactoryLike(Protocol):
    """What the processor needs of traffic.vision.PipelineFactory: camera pipelines over shared models."""

    lock: threading.Lock

    def generation(self, session: Session) -> int: ...
    def choose(self, session: Session, camera_id: int) -> DetectorLike | None: ...
    def pipeline_for(self, camera: CameraRef, state: bytes | None = None, *, inertia: int = 3,
                     detector: Any = None) -> PipelineLike: ...


class RecorderLike(Protocol):
    def apply(self, session: Session, camera: CameraRef, events: Sequence[SightingEvent], *, source: str,
              track_prefix: str, frame_pk: int | None, images: Callable[..., Any],
              detector_version_id: int | None = None) -> list: ...


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class CameraRun:
    """A camera while this worker holds it: its lease token and the live pipeline matching the last checkpoint,
    on the detector version chosen at activation generation ``generation``."""

    camera: CameraRef
    token: str
    pipeline: PipelineLike
    epoch: int
    last_captured_at: dt.datetime | None
    detector: DetectorLike | None = None
    generation: int = 0
    # The frame whose attempt the last commit already started (and counted), and the capture minute whose exposure
    # the last commit already noted: both spare a statement per frame (docs/ingest.md, "Worker throughput").
    started: int | None = None
    noted_minute: int | None = None

    @property
    def version_id(self) -> int | None:
        return self.detector.id if self.detector is not None else None

    @property
    def track_prefix(self) -> str:
        # A new epoch starts whenever tracking restarts from nothing, so restarted track ids never collide.
        return f"{SOURCE}:{self.epoch}"


class CameraProcessor:
    """Drains cameras' waiting frames through the vision pipeline and the recorder, and ends quiet cameras' tracks."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        pipelines: PipelineFactoryLike,
        recorder: RecorderLike,
        settings: Settings,
        worker_id: str,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.session_factory = session_factory
        self.pipelines = pipelines
        self.recorder = recorder
        self.settings = settings
        self.clock = clock
        self.leases = CameraLeases(session_factory, worker_id, settings.camera_lease_s)
        self.store = frame_store(settings)
        self.quiet = dt.timedelta(seconds=settings.camera_quiet_s)
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frame-loader")

    def drain(self, camera_id: int) -> int | None:
        """Process the camera's waiting frames; the number handled, or None when another worker holds the camera
        (or it is quarantined). A camera that cannot be opened or processed is quarantined, never raised out."""
        token = self.leases.acquire(camera_id, self.clock())
        if token is None:
            return None
        handled = 0
        try:
            run = self._open(camera_id, token)
            while True:
                with self.session_factory() as session:
                    batch = frames.waiting_frames(session, camera_id, self.settings.worker_batch)
                if not batch:
                    return handled
                self._follow_activation(run)
                # Each frame's bytes are read and decoded in a helper thread while the frame before it is
                # processed, so the model never waits for the frame store or the JPEG decoder.
                upcoming = self._loader.submit(frames.load_frame, self.store, batch[0])
                for index, frame in enumerate(batch):
                    loading = upcoming
                    if index + 1 < len(batch):
                        upcoming = self._loader.submit(frames.load_frame, self.store, batch[index + 1])
                    handled += 1
                    following = batch[index + 1] if index + 1 < len(batch) else None
                    failure = self._handle(run, frame, loading, following)
                    if failure is not None:  # retried from the checkpoint after a back-off; the others go on
                        self._quarantine(camera_id, token, failure)
                        return handled
        except LeaseLost as exc:
            log.warning("%s", exc)
            return handled
        except Exception as exc:  # noqa: BLE001 - one broken camera must not stop the others
            log.exception("camera #%s cannot be opened or processed", camera_id)
            self._quarantine(camera_id, token, describe(exc))
            return handled
        finally:
            self.leases.release(camera_id, token)

    def finish_quiet_cameras(self) -> int:
        """End the open tracks of cameras that sent nothing for ``camera_quiet_s``; the number of cameras ended."""
        now = self.clock()
        with self.session_factory() as session:
            candidates = list(
                session.scalars(
                    select(CameraState.camera_id).where(
                        CameraState.state.is_not(None), CameraState.updated_at < now - self.quiet
                    )
                )
            )
        ended = 0
        for camera_id in candidates:
            token = self.leases.acquire(camera_id, self.clock())
            if token is None:
                continue
            try:
                with self.session_factory() as session:
                    if frames.has_waiting_frames(session, camera_id):
                        continue  # frames arrived meanwhile: draining them ends the tracks by the capture gap
                run = self._open(camera_id, token)
                now = self.clock()
                with transaction(self.session_factory) as session:
                    self._finish_tracks(session, run)
                    self.leases.fence(session, camera_id, token, now, state=None, epoch=run.epoch, updated_at=now)
                ended += 1
            except LeaseLost as exc:
                log.warning("%s", exc)
            except Exception as exc:  # noqa: BLE001 - one broken camera must not stop the others
                log.exception("camera #%s cannot be opened to end its tracks", camera_id)
                self._quarantine(camera_id, token, describe(exc))
            finally:
                self.leases.release(camera_id, token)
        return ended

    def _quarantine(self, camera_id: int, token: str, reason: str) -> None:
        """Set the camera aside under its lease; if the lease is gone, whoever holds the camera decides."""
        now = self.clock()
        try:
            with transaction(self.session_factory) as session:
                values = quarantine_values(session, camera_id, reason, now,
                                           first_s=self.settings.camera_retry_s, max_s=self.settings.camera_retry_max_s)
                self.leases.fence(session, camera_id, token, now, **values)
        except LeaseLost as lost:
            log.warning("%s", lost)

    def _open(self, camera_id: int, token: str) -> CameraRun:
        with transaction(self.session_factory) as session:  # choosing may register the default model
            camera = load_camera_by_id(session, camera_id)
            row = session.execute(
                select(CameraState.state, CameraState.epoch, CameraState.last_captured_at,
                       CameraState.state_detector_version_id).where(CameraState.camera_id == camera_id)
            ).one()
            generation = self.pipelines.generation(session)
            detector = self.pipelines.choose(session, camera_id)
        pipeline = self.pipelines.pipeline_for(camera, row.state, inertia=self.settings.zone_inertia,
                                               detector=detector)
        run = CameraRun(camera, token, pipeline, row.epoch, row.last_captured_at, detector, generation)
        seen_by = row.state_detector_version_id
        if row.state is not None and None not in (seen_by, detector) and seen_by != detector.id:
            self._switch(run, detector, ended_by=seen_by)  # activated while no worker held the camera
        return run

    def _reopen(self, run: CameraRun) -> None:
        fresh = self._open(run.camera.id, run.token)
        run.pipeline, run.epoch, run.last_captured_at = fresh.pipeline, fresh.epoch, fresh.last_captured_at
        run.detector, run.generation = fresh.detector, fresh.generation
        run.started = run.noted_minute = None

    def _follow_activation(self, run: CameraRun) -> None:
        """At a frame boundary: when an activation moved this camera to another detector version, end its open
        tracks under the old one and go on with the new one from an empty tracker (docs/vision.md)."""
        with self.session_factory() as session:
            generation = self.pipelines.generation(session)
        if generation == run.generation:
            return
        with transaction(self.session_factory) as session:
            chosen = self.pipelines.choose(session, run.camera.id)
        run.generation = generation
        if chosen is not None and chosen.id != run.version_id:
            self._switch(run, chosen, ended_by=run.version_id)

    def _switch(self, run: CameraRun, detector: DetectorLike, *, ended_by: int | None) -> None:
        """End the open tracks (as seen by version ``ended_by``) and go on with ``detector`` from an empty tracker."""
        now = self.clock()
        with transaction(self.session_factory) as session:
            self._finish_tracks(session, run, detector, ended_by=ended_by)
            self.leases.fence(session, run.camera.id, run.token, now, state=None, state_detector_version_id=None,
                              epoch=run.epoch, updated_at=now)
        log.info("camera %s now runs detector version #%s", run.camera.code, run.version_id)

    def _finish_tracks(self, session: Session, run: CameraRun, detector: DetectorLike | None = None, *,
                       ended_by: int | None = None) -> None:
        """End every open track (with the current epoch's keys, recorded as seen by ``ended_by``, default the run's
        version) and start the next epoch from nothing, on ``detector`` when given (else the same one)."""
        with self.pipelines.lock:
            events = run.pipeline.finish()
        self.recorder.apply(
            session, run.camera, events, source=SOURCE, track_prefix=run.track_prefix, frame_pk=None,
            images=frames.StoredFrameImages(session, self.store), detector_version_id=ended_by or run.version_id,
        )
        if detector is not None:
            run.detector = detector
        run.pipeline = self.pipelines.pipeline_for(run.camera, None, inertia=self.settings.zone_inertia,
                                                   detector=run.detector)
        run.epoch += 1

    def _fail(self, run: CameraRun, frame: frames.WaitingFrame, reason: str) -> None:
        now = self.clock()
        with transaction(self.session_factory) as session:
            self.leases.fence(session, run.camera.id, run.token, now)
            frames.mark_failed(session, frame.pk, reason, now)
            count_on_commit(session, FRAMES_FAILED, run.camera.code)
        log.warning("camera %s frame %s failed: %s", run.camera.code, frame.frame_id, reason)

    def _handle(self, run: CameraRun, frame: frames.WaitingFrame, loading: Future[frames.LoadedFrame],
                following: frames.WaitingFrame | None = None) -> str | None:
        """Process one frame (or fail it for good); the reason when it hit a failure worth retrying later.
        ``following`` is the camera's next frame: when this one is done, the same commit starts its attempt."""
        started, run.started = run.started == frame.pk, None
        if started:  # counted and marked by the previous frame's commit, which checked what _may_start checks
            return self._attempt(run, frame, loading, following)
        limit = self.settings.frame_max_attempts
        if frame.attempts >= limit:
            last = frame.error or "the worker stopped while processing it"
            self._fail(run, frame, f"gave up after {frame.attempts} attempts; last: {last}")
            return None
        if run.last_captured_at is not None and frame.captured_at < run.last_captured_at:
            self._fail(run, frame, f"late: captured at {frame.captured_at.isoformat()}, after frames captured up "
                                   f"to {run.last_captured_at.isoformat()} were processed")
            return None
        with transaction(self.session_factory) as session:
            self.leases.fence(session, run.camera.id, run.token, self.clock())
            frames.start_attempt(session, frame.pk)
        return self._attempt(run, frame, loading, following)

    def _may_start(self, frame: frames.WaitingFrame, after: dt.datetime) -> bool:
        """Whether ``frame`` is to be processed once frames captured up to ``after`` are done (not given up, not late)."""
        return frame.attempts < self.settings.frame_max_attempts and frame.captured_at >= after

    def _attempt(self, run: CameraRun, frame: frames.WaitingFrame, loading: Future[frames.LoadedFrame],
                 following: frames.WaitingFrame | None) -> str | None:
        """Process a frame whose attempt is started; the reason when it failed in a way worth retrying later."""
        limit = self.settings.frame_max_attempts
        loaded = loading.result()
        if loaded.failure is not None:
            self._fail(run, frame, loaded.failure)
            return None
        try:
            self._process(run, frame, loaded.image, following)
            return None
        except LeaseLost:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of one frame must not stop the worker
            log.exception("camera %s frame %s: processing failed", run.camera.code, frame.frame_id)
            reason = describe(exc)
            self._reopen(run)  # the live pipeline saw the frame; the checkpoint did not
            # A full disk is not the frame's fault: it waits, uncounted, while the camera's back-off pauses it.
            disk_full = is_storage_full(exc)
            if frame.attempts + 1 >= limit and not disk_full:
                self._fail(run, frame, f"gave up after {frame.attempts + 1} attempts; last: {reason}")
                return None
            with transaction(self.session_factory) as session:
                self.leases.fence(session, run.camera.id, run.token, self.clock())
                frames.mark_retry(session, frame.pk, reason, refund=disk_full)
            return reason

    def _process(self, run: CameraRun, frame: frames.WaitingFrame, image,
                 following: frames.WaitingFrame | None = None) -> None:
        # The model runs before the transaction opens: on SQLite a transaction holds the write lock, and pushed
        # frames must not wait for inference to be accepted. A failure below reopens the run from its checkpoint.
        ending: tuple[str, list] | None = None
        if run.last_captured_at is not None and frame.captured_at - run.last_captured_at > self.quiet:
            with self.pipelines.lock:  # the camera was quiet: whatever was tracked has left
                ending = (run.track_prefix, run.pipeline.finish())
            run.pipeline = self.pipelines.pipeline_for(run.camera, None, inertia=self.settings.zone_inertia,
                                                       detector=run.detector)
            run.epoch += 1
        with self.pipelines.lock, INFERENCE_SECONDS.time():
            events = run.pipeline.process(Frame(image, frame.captured_at, frame.pk, frame.frame_id))
        now = self.clock()
        with transaction(self.session_factory) as session:
            images = frames.StoredFrameImages(session, self.store, (frame.frame_id, image))
            if ending is not None:
                self.recorder.apply(session, run.camera, ending[1], source=SOURCE, track_prefix=ending[0],
                                    frame_pk=None, images=images, detector_version_id=run.version_id)
            self.recorder.apply(
                session, run.camera, events, source=SOURCE, track_prefix=run.track_prefix, frame_pk=frame.pk,
                images=images, detector_version_id=run.version_id,
            )
            minute = int(frame.captured_at.timestamp()) // 60
            frames.mark_done(session, frame.pk, now, note_exposure=minute != run.noted_minute)
            start_next = following is not None and self._may_start(following, frame.captured_at)
            if start_next:
                frames.start_attempt(session, following.pk)
            count_on_commit(session, FRAMES_PROCESSED, run.camera.code)
            self.leases.fence(
                session, run.camera.id, run.token, now, state=run.pipeline.checkpoint(),
                state_detector_version_id=run.version_id, epoch=run.epoch,
                last_captured_at=frame.captured_at, last_frame_id=frame.frame_id, updated_at=now, **LIFTED,
            )
        run.last_captured_at, run.noted_minute = frame.captured_at, minute
        run.started = following.pk if start_next else None
