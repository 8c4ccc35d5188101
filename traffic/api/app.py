"""The API's factory: everything it needs is handed in, nothing is built at import (`traffic.app` adds the pages)."""
from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool

from traffic.api import (
    accounts,
    camera_health,
    events,
    ingest,
    legal_holds,
    lifecycle,
    operations,
    records,
    rules,
    sightings,
    stats,
    webhooks,
)
from traffic.api.auth import DEFAULT_CREDENTIAL_READERS
from traffic.api.city import city_routers
from traffic.api.deps import DbSession
from traffic.api.errors import install_error_handlers
from traffic.api.openapi import install_openapi
from traffic.api.request_id import RequestIdMiddleware
from traffic.api.security_headers import SecurityHeaders
from traffic.db import make_engine, make_session_factory
from traffic.services.frame_store import frame_store
from traffic.settings import Settings
from traffic.workers.queues import make_announcer

API_PREFIX = "/api/v1"


def create_api(settings: Settings, *, engine: Engine | None = None, run_workers: bool = False,
               extend: Callable[[FastAPI], None] | None = None) -> FastAPI:
    """The API; with ``run_workers`` (as `traffic serve` does) it also runs the embedded ingest workers.

    ``extend`` adds more routes (the police's pages) before the OpenAPI document is completed.
    """
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        lifespan=_background_work if run_workers else None,
        title="交通秩序执法记录系统 Traffic enforcement records",
        version="0.1.0",
        description="三轮车及无牌电动四轮车分时段、分路段、分区域管控：检测、执法记录、审核与统计。",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.frame_announcer = make_announcer(settings, app.state.session_factory)
    app.state.ingest_write_gate = _ingest_gate(engine)
    app.state.frame_store = frame_store(settings)
    app.state.credential_readers = DEFAULT_CREDENTIAL_READERS
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestIdMiddleware)

    # Closed by default: every router below needs a signed-in user (or, for ingest, a camera key), except the
    # sign-in itself. Open: /healthz, /readyz and sign-in; /docs and /openapi.json describe the API but reveal no
    # data. /metrics has its own gate: a configured network or token (docs/operations.md).
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(accounts.router)
    for router in city_routers():
        api.include_router(router)
    api.include_router(rules.router)
    for router in (lifecycle.router, records.router, legal_holds.router, sightings.router, events.router,
                   webhooks.router):
        api.include_router(router)
    api.include_router(ingest.router)
    api.include_router(camera_health.router)
    api.include_router(stats.router)
    app.include_router(api)
    if extend is not None:
        extend(app)

    @app.get("/healthz", tags=["health"])
    def healthz(session: DbSession) -> dict[str, str]:
        session.execute(text("SELECT 1"))
        return {"status": "ok", "database": session.get_bind().dialect.name}

    app.include_router(operations.router)
    install_openapi(app)
    return app


def _ingest_gate(engine: Engine):
    """How many frame inserts may run at once.

    SQLite has one writer at a time, and its busy handler makes the others sleep in steps of up to 100 ms: a lock
    hands the database over at once instead. Elsewhere, at most the pool's size, so that a burst of uploads waits
    for a pooled connection instead of opening (and closing) overflow connections, which costs more than waiting.
    """
    if engine.dialect.name == "sqlite":
        return threading.Lock()
    size = getattr(engine.pool, "size", None)
    return threading.BoundedSemaphore(size()) if callable(size) else nullcontext()


@asynccontextmanager
async def _background_work(app: FastAPI) -> AsyncIterator[None]:
    """What `traffic serve` runs beside the API: the embedded workers (if any) and scheduled retention (if on)."""
    from traffic.workers.embedded import EmbeddedWorkers
    from traffic.workers.retention import RetentionSchedule

    workers = EmbeddedWorkers(app.state.settings, app.state.session_factory, app.state.frame_announcer)
    app.state.embedded_workers = workers  # /readyz asks them whether the model has loaded
    retention = RetentionSchedule(app.state.settings, app.state.session_factory)
    workers.start()
    retention.start()
    try:
        yield
    finally:
        await run_in_threadpool(retention.stop)
        await run_in_threadpool(workers.stop)
