"""Server-sent events: new record events from the outbox, in id order, resumable with Last-Event-ID.

The database is polled in a worker thread (never on the event loop) every ``events_poll_interval`` seconds; a
comment line is sent after ``events_keepalive`` quiet seconds so proxies keep the connection open.
"""
from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from traffic.api.auth import CurrentActor
from traffic.db import MAX_ROW_ID
from traffic.services.actors import Actor
from traffic.services.events import OutboxCursor, events_after, latest_event_id
from traffic.services.scope import visible_record_ids

router = APIRouter(tags=["events"])

BATCH = 200
EVENT_ID_TEXT = r"^\s*[0-9]{1,18}\s*$"
RETRY_MS = 3000


def format_event(event: dict[str, Any]) -> str:
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['id']}\nevent: {event['kind']}\ndata: {data}\n\n"


async def _read(factory: sessionmaker[Session], query: Callable[[Session], Any]) -> Any:
    def run() -> Any:
        with factory() as session:
            return query(session)

    return await anyio.to_thread.run_sync(run)


@router.get(
    "/events",
    response_class=StreamingResponse,
    summary="Stream record events (text/event-stream); resume with Last-Event-ID",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_events(
    request: Request,
    actor: CurrentActor,
    # Typed `str`, not `str | None`: an absent header is None, and the schema must not offer null as a value.
    last_event_id: str = Header(None, pattern=EVENT_ID_TEXT,
                                description="id of the last event received; the stream resumes after"),
    after: int | None = Query(None, ge=0, le=MAX_ROW_ID,
                              description="like Last-Event-ID, for clients that cannot set headers"),
) -> StreamingResponse:
    start = int(last_event_id) if last_event_id is not None else after
    factory = request.app.state.session_factory
    if start is None:
        start = await _read(factory, latest_event_id)  # without a resume point: only events from now on
    settings = request.app.state.settings
    return StreamingResponse(
        _stream(request, actor, factory, start, settings.events_poll_interval, settings.events_keepalive,
                settings.events_stream_max_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _read_batch(session: Session, actor: Actor, position: int) -> tuple[list[dict[str, Any]], set[int]]:
    """The next events (all of them: the cursor must see every id) and which of their records the actor may see."""
    events = events_after(session, position, BATCH)
    return events, visible_record_ids(session, actor, (e["record_id"] for e in events))


async def _stream(request: Request, actor: Actor, factory: sessionmaker[Session], start: int, poll: float,
                  keepalive: float, max_duration: float) -> AsyncIterator[str]:
    cursor = OutboxCursor(start)
    # The first comment tells a client the stream is live: anything emitted after it will be sent.
    yield f"retry: {RETRY_MS}\n: stream after {start}\n\n"
    quiet_since = anyio.current_time()
    # A stream that ends now and then lets a load balancer move clients; they resume where they were (Last-Event-ID).
    ends_at = quiet_since + max_duration
    while anyio.current_time() < ends_at and not await request.is_disconnected():
        events, visible = await _read(factory, lambda session: _read_batch(session, actor, cursor.position))
        accepted = cursor.accept(events)
        ready = [e for e in accepted if e["record_id"] in visible]  # out of the subscriber's scope: not there
        now = anyio.current_time()
        if ready:
            yield "".join(format_event(e) for e in ready)
            quiet_since = now
        if accepted and len(events) == BATCH:
            continue  # a backlog: read on without waiting
        if not ready and now - quiet_since >= keepalive:
            yield ": keep-alive\n\n"
            quiet_since = now
        await anyio.sleep(poll)
