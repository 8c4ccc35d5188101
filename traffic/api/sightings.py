"""Sightings (every watched vehicle pass, the traffic flow): list with filters and a cursor."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query

from models.enums import VehicleType
from traffic.api.deps import DbSession
from traffic.schemas.records import PlateStateName, SightingOut, SightingPage
from traffic.services.listing import ListFilters, list_sightings

router = APIRouter(prefix="/sightings", tags=["sightings"])


@router.get("", response_model=SightingPage, summary="List sightings, newest first, with filters and a cursor")
def list_sightings_endpoint(
    session: DbSession,
    camera: str | None = Query(None, description="camera code"),
    segment: str | None = Query(None, description="road segment code"),
    district: str | None = Query(None, description="district code"),
    time_slot: str | None = Query(None, description="time slot code"),
    vehicle_type: VehicleType | None = Query(None),
    plate_state: PlateStateName | None = Query(None),
    since: dt.datetime | None = Query(None, alias="from", description="first seen at or after (ISO 8601 with offset)"),
    until: dt.datetime | None = Query(None, alias="to", description="first seen before (ISO 8601 with offset)"),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int = Query(50, ge=1, le=500),
) -> SightingPage:
    filters = ListFilters(camera, segment, district, time_slot, vehicle_type.value if vehicle_type else None,
                          plate_state, None, since, until)
    page = list_sightings(session, filters, cursor, limit)
    return SightingPage(items=[SightingOut(**i) for i in page.items], next_cursor=page.next_cursor)
