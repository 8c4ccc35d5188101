"""The FastAPI application factory: everything the app needs is handed in, nothing is built at import."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine, text

from traffic.api import events, records, rules, sightings, webhooks
from traffic.api.city import city_routers
from traffic.api.deps import DbSession
from traffic.api.errors import install_error_handlers
from traffic.db import make_engine, make_session_factory
from traffic.settings import Settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="交通秩序执法记录系统 Traffic enforcement records",
        version="0.1.0",
        description="三轮车及无牌电动四轮车分时段、分路段、分区域管控：检测、执法记录、审核与统计。",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    install_error_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    for router in city_routers():
        api.include_router(router)
    api.include_router(rules.router)
    for router in (records.router, sightings.router, events.router, webhooks.router):
        api.include_router(router)
    app.include_router(api)

    @app.get("/healthz", tags=["health"])
    def healthz(session: DbSession) -> dict[str, str]:
        session.execute(text("SELECT 1"))
        return {"status": "ok", "database": session.get_bind().dialect.name}

    return app
