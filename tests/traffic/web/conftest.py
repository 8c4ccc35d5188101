"""Fixtures of the web pages: a city of two districts with real evidence, and real users who sign in on the form."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import models
from models.enums import Role
from tests.support.auth import TEST_PASSWORD, make_user
from tests.support.factories import SHANGHAI, City, detection_sighting, frame_loader, make_city, make_record
from traffic.services.accounts import actor_of
from traffic.services.actors import Actor
from traffic.services.evidence import EvidenceWriter

PASSWORD = TEST_PASSWORD
FIRST_CAPTURE = dt.datetime(2023, 6, 5, 7, 10, 0, tzinfo=SHANGHAI)


@dataclass
class Town:
    east: City
    west: City
    east_records: list[models.EnforcementRecord]
    west_records: list[models.EnforcementRecord]
    users: dict[str, Actor]
    unit: models.Unit


def build_town(session, settings) -> Town:
    """Two districts; four pending records with evidence in the east, one in the west; a unit; four real users."""
    east, west = make_city(session, "E"), make_city(session, "W")
    writer = EvidenceWriter.from_settings(settings)

    def record(city: City, minutes: int) -> models.EnforcementRecord:
        at = FIRST_CAPTURE + dt.timedelta(minutes=minutes)
        row = make_record(session, city, at)
        session.flush()
        writer.write_package(session, row, detection_sighting(city.camera.code, at), city.camera_info,
                             city.rule.name, frame_loader)
        return row

    east_records = [record(east, m) for m in (30, 0, 20, 10)]  # stored out of order: the queue sorts
    west_records = [record(west, 5)]
    unit = models.Unit(code="U-E-1", name="城东中队", district_id=east.district.id)
    session.add(unit)
    session.flush()
    accounts = {"east_reviewer": (Role.REVIEWER, [east.district.code]),
                "west_reviewer": (Role.REVIEWER, [west.district.code]),
                "chief": (Role.SUPERVISOR, []), "admin": (Role.ADMIN, [])}
    users = {name: actor_of(make_user(session, role, districts, username=name, password=PASSWORD))
             for name, (role, districts) in accounts.items()}
    return Town(east, west, sorted(east_records, key=lambda r: r.captured_at), west_records, users, unit)


@pytest.fixture()
def town(session, settings) -> Town:
    return build_town(session, settings)


@pytest.fixture()
def client(app) -> Iterator[TestClient]:
    """A browser-like client: no bearer token, so the pages' API calls go through the session cookie."""
    with TestClient(app) as client:
        yield client


def add_camera_frame(session, city: City, store) -> models.IngestFrame:
    """A real JPEG frame pushed by the city's camera: what an admin draws the zone on."""
    import cv2

    from tests.support.factories import jakarta_frame

    image = cv2.imencode(".jpg", jakarta_frame(0))[1].tobytes()
    height, width = jakarta_frame(0).shape[:2]
    from traffic.services.frame_store import store_frame_bytes

    sha256, key = store_frame_bytes(store, image, "image/jpeg")
    frame = models.IngestFrame(
        frame_id=f"zone-{city.camera.code}", camera_id=city.camera.id, captured_at=FIRST_CAPTURE,
        received_at=FIRST_CAPTURE, content_type="image/jpeg", sha256=sha256,
        size=len(image), width=width, height=height, image_path=key, status="done")
    session.add(frame)
    session.flush()
    return frame
