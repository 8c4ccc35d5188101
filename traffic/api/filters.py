"""Query parameters shared by the lists of sightings and records."""
from __future__ import annotations

from fastapi import Query

from models.enums import PlatePresence, VehicleType
from traffic.schemas.city import Code, IsoDateTime
from traffic.services.listing import ListFilters

# Declared on the lists (the OpenAPI helper adds the error shape): a filter code may name nothing.
FILTER_ERRORS = {404: {"description": "NotFound: camera, segment, district or time_slot names nothing"}}
# A cursor is the previous page's next_cursor: opaque text, never empty.
CURSOR = Query(None, min_length=1, max_length=512, description="next_cursor of the previous page")


def list_filters(
    camera: Code | None = Query(None, description="camera code"),
    segment: Code | None = Query(None, description="road segment code"),
    district: Code | None = Query(None, description="district code"),
    time_slot: Code | None = Query(None, description="time slot code"),
    vehicle_type: VehicleType | None = Query(None),
    plate_state: PlatePresence | None = Query(None),
    since: IsoDateTime | None = Query(None, alias="from", description="seen at or after (ISO 8601 with offset)"),
    until: IsoDateTime | None = Query(None, alias="to", description="seen before (ISO 8601 with offset)"),
) -> ListFilters:
    return ListFilters(
        camera=camera,
        segment=segment,
        district=district,
        time_slot=time_slot,
        vehicle_type=vehicle_type.value if vehicle_type else None,
        plate_state=plate_state,
        since=since,
        until=until,
    )
