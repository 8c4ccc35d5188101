"""CRUD for the city's reference data; one router per entity kind, built from the same template."""
# No `from __future__ import annotations` here: FastAPI must see the real schema classes, which are closure variables.

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from traffic.api.auth import AdminActor, CurrentActor
from traffic.api.deps import DbSession
from traffic.services import city as service
from traffic.services import city_repository as repo
from traffic.services.city_repository import KINDS, Kind


MAX_OFFSET = 1_000_000  # far past any city's table, and far below what a database integer holds


def _router_for(kind: Kind) -> APIRouter:
    schema = kind.schema
    Key = Annotated[kind.key_type, Path(description=f"the {kind.name}'s {kind.key_field}")]
    router = APIRouter(prefix=f"/{kind.plural.replace('_', '-')}", tags=[kind.plural])

    @router.get("", response_model=list[schema], summary=f"List {kind.plural}")
    def list_items(
        session: DbSession,
        actor: CurrentActor,
        limit: int = Query(500, ge=1, le=5000),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> list[Any]:
        return [kind.to_schema(o) for o in repo.list_all(session, kind, limit=limit, offset=offset, actor=actor)]

    @router.post("", response_model=schema, status_code=status.HTTP_201_CREATED, summary=f"Create a {kind.name}")
    def create_item(body: schema, session: DbSession, actor: AdminActor) -> Any:  # type: ignore[valid-type]
        return kind.to_schema(service.create(session, kind, body, actor=actor))

    @router.get("/{key}", response_model=schema, summary=f"Get a {kind.name}")
    def get_item(key: Key, session: DbSession, actor: CurrentActor) -> Any:
        return kind.to_schema(service.get(session, kind, key, actor))

    @router.put("/{key}", response_model=schema, summary=f"Replace a {kind.name}")
    def replace_item(
        body: schema, key: Key, session: DbSession, actor: AdminActor  # type: ignore[valid-type]
    ) -> Any:
        return kind.to_schema(service.replace(session, kind, key, body, actor=actor))

    @router.delete("/{key}", status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete a {kind.name}")
    def delete_item(key: Key, session: DbSession, actor: AdminActor) -> Response:
        service.remove(session, kind, key, actor=actor)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def city_routers() -> list[APIRouter]:
    return [_router_for(kind) for kind in KINDS]
