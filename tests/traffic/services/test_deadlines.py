"""Deadlines: review within the city's review_days of capture, an assignment by the end of its due date."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from detection.types import SightingEvent
from models import CitySetting, EnforcementRecord
from models.enums import RecordStatus
from tests.support.factories import SHANGHAI, detection_sighting, detector_version_row, frame_loader, make_city
from tests.support.lifecycle import make_world, record_at
from traffic.services import events
from traffic.services.cameras import load_camera
from traffic.services.city import apply_config, city_campaign_start, city_review_days
from traffic.services.city_file import parse_city_text
from traffic.services.record_state import DeadlineClock, deadline_fields
from traffic.services.recorder import Recorder, RulebookCache

CITY_TZ = ZoneInfo("Asia/Shanghai")


class NoEvidence:
    """The recorder's evidence writer, left out: these tests are about dates."""

    def write_package(self, *args, **kwargs) -> None:
        return None


@pytest.mark.parametrize(("setting", "days"), [(None, 10), ("3", 3)])
def test_the_city_files_review_days_wins_over_the_deployments(session, setting, days) -> None:
    city = make_city(session)
    if setting is not None:
        session.add(CitySetting(key="review_days", value=setting))
    recorder = Recorder(RulebookCache("Asia/Shanghai"), NoEvidence(), events.emit,
                        detector_version_id=detector_version_row(session).id, review_days=10)
    captured = dt.datetime(2023, 6, 5, 7, 40, 1, tzinfo=SHANGHAI)  # inside the rule's 07:00-09:00 ban
    vision = detection_sighting(city.camera.code, captured, keep_images=False)
    camera = load_camera(session, city.camera.code)
    for kind in ("started", "ended"):
        recorder.apply(session, camera, [SightingEvent(kind, vision)], source="video", track_prefix="t",
                       frame_pk=None, images=frame_loader)
    record = session.scalars(select(EnforcementRecord)).one()
    assert record.review_deadline == captured + dt.timedelta(days=days)


def test_review_days_and_campaign_start_come_from_the_city_file(session) -> None:
    config, _ = parse_city_text("review_days: 7\ncampaign_start: 2023-06-01\n", Path("c.yaml"))
    apply_config(session, config)
    assert (city_review_days(session), city_campaign_start(session)) == (7, dt.date(2023, 6, 1))


def _clock(at_utc: str) -> DeadlineClock:
    return DeadlineClock(dt.datetime.fromisoformat(at_utc), CITY_TZ)


@pytest.mark.parametrize(("status", "due_date", "now", "overdue", "seconds"), [
    # An assignment due on 10 June (Shanghai) is late from 11 June 00:00 Shanghai = 10 June 16:00 UTC.
    (RecordStatus.ASSIGNED, dt.date(2023, 6, 10), "2023-06-10T15:59:59+00:00", False, 0),
    (RecordStatus.ASSIGNED, dt.date(2023, 6, 10), "2023-06-10T16:00:00+00:00", True, 0),
    (RecordStatus.ASSIGNED, dt.date(2023, 6, 10), "2023-06-12T16:00:00+00:00", True, 2 * 86400),
    # Captured 5 June 07:30 Shanghai, reviewed within 10 days: due 14 June 23:30 UTC.
    (RecordStatus.PENDING_REVIEW, None, "2023-06-14T23:29:00+00:00", False, 0),
    (RecordStatus.PENDING_REVIEW, None, "2023-06-15T00:30:00+00:00", True, 3600),
    (RecordStatus.CONFIRMED, None, "2099-01-01T00:00:00+00:00", False, 0),
    (RecordStatus.CLOSED, dt.date(2023, 6, 10), "2099-01-01T00:00:00+00:00", False, 0),
])
def test_overdue_and_by_how_much(session, status, due_date, now, overdue, seconds) -> None:
    record = record_at(session, make_world(session), status, due_date=due_date)
    fields = deadline_fields(record, _clock(now))
    assert (fields["overdue"], fields["overdue_seconds"]) == (overdue, seconds)
    assert (fields["due_at"] is None) == (status not in (RecordStatus.PENDING_REVIEW, RecordStatus.ASSIGNED))


def test_the_overdue_filter_and_every_record_agree(client, session) -> None:
    world = make_world(session)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(CITY_TZ).date()
    late_review = record_at(session, world, RecordStatus.PENDING_REVIEW, captured_at=now - dt.timedelta(days=11))
    record_at(session, world, RecordStatus.PENDING_REVIEW, captured_at=now - dt.timedelta(days=1))
    late_task = record_at(session, world, RecordStatus.ASSIGNED, due_date=today - dt.timedelta(days=1))
    record_at(session, world, RecordStatus.ASSIGNED, due_date=today)
    record_at(session, world, RecordStatus.CONFIRMED, captured_at=now - dt.timedelta(days=30))
    undated = record_at(session, world, RecordStatus.ASSIGNED)
    undated.due_date = None  # not made by any step, but a NULL must not hide a record from either list
    session.flush()

    everything = client.get("/api/v1/records").json()["items"]
    assert len(everything) == 6
    assert {i["id"] for i in everything if i["overdue"]} == {late_review.id, late_task.id}
    late = client.get("/api/v1/records", params={"overdue": "true"}).json()["items"]
    assert {i["id"] for i in late} == {late_review.id, late_task.id}
    on_time = client.get("/api/v1/records", params={"overdue": "false"}).json()["items"]
    assert len(on_time) == 4 and not any(i["overdue"] for i in on_time)
    review = next(i for i in late if i["id"] == late_review.id)
    assert 86400 - 120 <= review["overdue_seconds"] <= 86400 + 120  # a day past its 10 days
    assert next(i for i in late if i["id"] == late_task.id)["due_date"] == str(today - dt.timedelta(days=1))
