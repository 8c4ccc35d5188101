"""Camera clocks (GA/T 832: within 1 s of standard time): a pushed frame's skew is flagged on its row, a record takes
the worst of its evidence frames, and the API answers it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from detection.types import SightingEvent
from models import EnforcementRecord, IngestFrame
from tests.support.factories import SHANGHAI, detection_sighting, detector_version_row, frame_loader, make_city
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, frame_status, post_snapshot
from traffic.services import events
from traffic.services.camera_keys import issue_key
from traffic.services.cameras import load_camera
from traffic.services.clock_skew import ClockCheck, worst_skew
from traffic.services.evidence import EvidenceWriter
from traffic.services.frame_store import LocalFrameStore
from traffic.services.ingest import FrameSubmission, accept_frame
from traffic.services.recorder import Recorder, RulebookCache

RECEIVED = dt.datetime(2023, 6, 5, 7, 40, 10, tzinfo=dt.UTC)


@pytest.mark.parametrize(("offset_s", "flagged"), [
    (0.0, None), (1.0, None), (1.2, 1.2), (300.0, 300.0),  # ahead: the clock is fast, nothing else explains it
    (-1.0, None), (-2.9, None), (-3.0, None),  # behind within 1 s + 2 s transit: may be the upload
    (-3.5, -3.5), (-600.0, -600.0),  # behind beyond that: a slow clock, or a frame buffered and sent late
])
def test_a_clock_is_flagged_ahead_beyond_one_second_and_behind_beyond_the_transit_allowance(offset_s, flagged):
    captured = RECEIVED + dt.timedelta(seconds=offset_s)
    assert ClockCheck(tolerance_s=1.0, transit_allowance_s=2.0).skew_s(captured, RECEIVED) == flagged


def test_the_worst_skew_is_the_one_furthest_from_zero() -> None:
    assert worst_skew([None, 1.5, -4.0, 2.0]) == -4.0 and worst_skew([None, None]) is None


def test_a_pushed_frame_carries_its_skew_and_a_record_the_worst_of_its_evidence_frames(session, client,
                                                                                      tmp_path) -> None:
    city = make_city(session)
    key = issue_key(session, city.camera.code)
    captured = dt.datetime(2023, 6, 5, 7, 40, 1, tzinfo=SHANGHAI)  # a Monday, inside the 07:00-09:00 ban
    vision = detection_sighting(city.camera.code, captured, keep_images=False)
    store = LocalFrameStore(tmp_path / "frames")
    # The evidence frames as pushed: the first arrived 0.4 s after capture, the second 5 s before it was "taken".
    for frame, received_after_s in zip(vision.panoramas, (0.4, -5.0), strict=True):
        image = frame_loader.source(frame).data
        accept_frame(session, FrameSubmission(city.camera.code, key, frame.captured_at.isoformat(), image,
                                              frame.frame_ref),
                     store=store, max_bytes=10**7, max_ahead_s=300,
                     now=frame.captured_at + dt.timedelta(seconds=received_after_s))
    skews = dict(session.execute(select(IngestFrame.frame_id, IngestFrame.clock_skew_s)).all())
    assert skews == {vision.panoramas[0].frame_ref: None, vision.panoramas[1].frame_ref: 5.0}

    recorder = Recorder(RulebookCache("Asia/Shanghai"), EvidenceWriter(tmp_path / "evidence", b"k" * 32),
                        events.emit, detector_version_id=detector_version_row(session).id)
    recorder.apply(session, load_camera(session, city.camera.code), [SightingEvent("ended", vision)],
                   source="video", track_prefix="t", frame_pk=None, images=frame_loader)
    record = session.scalar(select(EnforcementRecord))
    assert record.clock_skew_s == 5.0
    assert client.get(f"/api/v1/records/{record.id}").json()["clock_skew_s"] == 5.0


def test_a_record_of_frames_on_time_or_pulled_is_not_flagged(session, client, tmp_path) -> None:
    city = make_city(session)
    recorder = Recorder(RulebookCache("Asia/Shanghai"), EvidenceWriter(tmp_path / "evidence", b"k" * 32),
                        events.emit, detector_version_id=detector_version_row(session).id)
    vision = detection_sighting(city.camera.code, dt.datetime(2023, 6, 5, 7, 40, 1, tzinfo=SHANGHAI),
                                keep_images=False)  # no pushed frame rows: as a pulled video's frames
    recorder.apply(session, load_camera(session, city.camera.code), [SightingEvent("ended", vision)],
                   source="video", track_prefix="t", frame_pk=None, images=frame_loader)
    record = session.scalar(select(EnforcementRecord))
    assert record.clock_skew_s is None
    assert client.get(f"/api/v1/records/{record.id}").json()["clock_skew_s"] is None


def test_the_api_flags_a_frame_from_a_camera_clock_a_minute_fast(session, client) -> None:
    key = apply_ingest_city(session)["CAM-A"]
    snapshot = street_snapshots(1)[0]
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)).isoformat()  # the clock, not the test, is late
    answer = post_snapshot(client, snapshot, key, frame_id="fast-clock", captured_at=ahead)
    assert answer.status_code == 202, answer.text
    skew = session.scalar(select(IngestFrame.clock_skew_s).where(IngestFrame.frame_id == "fast-clock"))
    assert skew is not None and 1.0 < skew <= 60.0
    assert frame_status(client, "fast-clock", key).json()["clock_skew_s"] == skew  # the camera's owner sees it too
