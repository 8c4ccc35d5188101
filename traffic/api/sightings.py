"""Sightings (every watched vehicle pass, the traffic flow): list with filters and a cursor."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from traffic.api.auth import CurrentActor
from traffic.api.deps import DbSession
from traffic.api.filters import CURSOR, FILTER_ERRORS, list_filters
from traffic.schemas.records import SightingOut, SightingPage
from traffic.services.listing import ListFilters, list_sightings

router = APIRouter(prefix="/sightings", tags=["sightings"])


@router.get("", response_model=SightingPage, responses=FILTER_ERRORS,
            summary="List sightings, newest first, with filters and a cursor")
def list_sightings_endpoint(
    session: DbSession,
    actor: CurrentActor,
    filters: Annotated[ListFilters, Depends(list_filters)],
    cursor: str | None = CURSOR,
    limit: int = Query(50, ge=1, le=500),
) -> SightingPage:
    page = list_sightings(session, actor, filters, cursor, limit)
    return SightingPage(items=[SightingOut(**i) for i in page.items], next_cursor=page.next_cursor)
