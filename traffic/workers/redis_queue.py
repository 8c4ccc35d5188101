"""Scale-out: frame announcements on a Redis stream, consumed by `traffic worker` processes in a consumer group.

A message says "camera C has frame F". A worker that reads it drains camera C (all its waiting frames, in capture
order, under the camera's lease) and acknowledges the message once F is done or failed in the database. Messages
of a worker that died stay pending in the group and are claimed by another (XAUTOCLAIM) after a lease period. As
this Redis keeps nothing on disk, a reconciler re-announces frames that have waited too long with no worker on them.
A Redis restarted empty has lost the group too: a worker that finds it gone (NOGROUP) makes it again and goes on.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis
from sqlalchemy.orm import Session, sessionmaker

from traffic.settings import Settings
from traffic.workers.frames import quarantined_until, settled_frame_ids, stale_cameras

log = logging.getLogger(__name__)
STREAM_MAXLEN = 1_000_000  # a bound for when no worker runs at all; trimmed frames are re-announced later
FORGET_CONSUMER_AFTER_MS = 3600 * 1000
ANNOUNCE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Message:
    id: str
    camera_id: int
    frame_id: str


class RedisStreamQueue:
    """Announcer for the API and work source for the workers, over one stream and one consumer group."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        consumer: str | None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        # The API's side waits little for a Redis that does not answer (hung, or the network cut): the frame is
        # already committed and the reconciler announces it later, so a request stalled by redis-py's default 5 s
        # per frame would only hold an ingest thread. A restarted Redis refuses at once and costs nothing.
        timeouts = {} if consumer else {"socket_timeout": ANNOUNCE_TIMEOUT_S,
                                         "socket_connect_timeout": ANNOUNCE_TIMEOUT_S}
        self.redis = redis.Redis.from_url(settings.queue_url, decode_responses=True, **timeouts)
        self.session_factory = session_factory
        self.settings = settings
        self.consumer = consumer
        self.monotonic = monotonic
        prefix = settings.queue_prefix
        self.stream, self.group, self.lock_key = f"{prefix}:frames", f"{prefix}:workers", f"{prefix}:reconciler"
        self.pending: dict[int, list[Message]] = {}
        self.deferred: list[tuple[float, Message]] = []
        self.group_ready = False
        self.next_maintenance = 0.0

    # The API's side.
    def announce(self, frame_id: str, camera_id: int) -> None:
        """Publish a committed frame; if Redis is down the frame still waits in the database for the reconciler."""
        try:
            self.redis.xadd(
                self.stream, {"camera": camera_id, "frame": frame_id}, maxlen=STREAM_MAXLEN, approximate=True
            )
        except redis.RedisError as exc:
            log.warning("could not announce frame %s on Redis (%s); the reconciler will", frame_id, exc)

    # The worker's side.
    def ensure_group(self) -> None:
        if self.group_ready:
            return
        try:
            self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self.group_ready = True

    def take(self, block_s: float) -> list[int]:
        self.ensure_group()
        now = self.monotonic()
        due = [m for when, m in self.deferred if when <= now]
        self.deferred = [(when, m) for when, m in self.deferred if when > now]
        for message in due:
            self._hold(message)
        block_ms = None
        if not self.pending and block_s > 0:
            wait = min([block_s] + [when - now for when, _ in self.deferred])
            block_ms = max(1, int(wait * 1000))
        reply = None
        with self._group_may_be_lost():
            reply = self.redis.xreadgroup(
                self.group, self.consumer, {self.stream: ">"}, count=self.settings.worker_batch, block=block_ms
            )
        for _stream, entries in reply or []:
            for message_id, fields in entries:
                self._receive(message_id, fields)
        return list(self.pending)

    def settle(self, camera_id: int, drained: bool) -> None:
        messages = self.pending.pop(camera_id, [])
        if not messages:
            return
        now = dt.datetime.now(dt.timezone.utc)
        with self.session_factory() as session:
            settled = settled_frame_ids(session, [m.frame_id for m in messages])
            until = quarantined_until(session, camera_id, now)
        finished = [m.id for m in messages if m.frame_id in settled]
        if finished:
            self._ack(finished)
        # A quarantined camera's messages wait for its retry time instead of being tried again every poll.
        wait = max(self.settings.worker_poll_s, (until - now).total_seconds() if until else 0.0)
        retry_at = self.monotonic() + wait
        self.deferred.extend((retry_at, m) for m in messages if m.frame_id not in settled)

    def maintain(self) -> None:
        now = self.monotonic()
        if now < self.next_maintenance:
            return
        self.next_maintenance = now + min(self.settings.camera_lease_s, self.settings.queue_reconcile_s) / 2
        self.ensure_group()
        with self._group_may_be_lost():
            self._claim_abandoned()
            self._reconcile()
            self._forget_idle_consumers()

    def close(self) -> None:
        self.redis.close()

    @contextmanager
    def _group_may_be_lost(self) -> Iterator[None]:
        """Redis restarted with nothing on disk (or someone deleted the stream): the group is gone with it.

        It is made again on the next round. Messages this worker still holds from before name frames that wait in
        the database, so draining their cameras stays right, and acknowledging their old ids in the new stream
        touches nothing (new ids are later in time). Announcements lost with Redis are made again by the reconciler.
        """
        try:
            yield
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            log.warning("Redis lost the consumer group %s (restarted empty?); making it again", self.group)
            self.group_ready = False

    def _receive(self, message_id: str, fields: dict | None) -> None:
        if not fields or "camera" not in fields or "frame" not in fields:
            self._ack([message_id])  # deleted or malformed: nothing to do
            return
        self._hold(Message(message_id, int(fields["camera"]), fields["frame"]))

    def _hold(self, message: Message) -> None:
        held = self.pending.setdefault(message.camera_id, [])
        if all(m.id != message.id for m in held):
            held.append(message)

    def _ack(self, message_ids: list[str]) -> None:
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.xack(self.stream, self.group, *message_ids)
            pipe.xdel(self.stream, *message_ids)
            pipe.execute()

    def _claim_abandoned(self) -> None:
        """Take over messages that another (probably dead) worker received but never acknowledged."""
        min_idle_ms = int(self.settings.camera_lease_s * 1000)
        reply = self.redis.xautoclaim(self.stream, self.group, self.consumer, min_idle_ms, start_id="0-0", count=100)
        entries, deleted = reply[1], reply[2] if len(reply) > 2 else []
        held = {m.id for ms in self.pending.values() for m in ms} | {m.id for _, m in self.deferred}
        for message_id, fields in entries:
            if message_id not in held:
                self._receive(message_id, fields)
        if deleted:
            self._ack(list(deleted))

    def _reconcile(self) -> None:
        """Re-announce frames waiting longer than ``queue_reconcile_s`` with no worker on their camera.

        One worker does it per period (a lock that expires by itself), so the stream is not flooded with copies.
        """
        period_ms = int(self.settings.queue_reconcile_s * 1000)
        if not self.redis.set(self.lock_key, self.consumer or "?", nx=True, px=period_ms):
            return
        now = dt.datetime.now(dt.timezone.utc)
        with self.session_factory() as session:
            stale = stale_cameras(session, now - dt.timedelta(seconds=self.settings.queue_reconcile_s), now)
        for camera_id, frame_id in stale:
            log.info("re-announcing camera #%s (frame %s waits with no worker on it)", camera_id, frame_id)
            self.announce(frame_id, camera_id)

    def _forget_idle_consumers(self) -> None:
        for info in self.redis.xinfo_consumers(self.stream, self.group):
            if info["name"] != self.consumer and info["pending"] == 0 and info["idle"] > FORGET_CONSUMER_AFTER_MS:
                self.redis.xgroup_delconsumer(self.stream, self.group, info["name"])
