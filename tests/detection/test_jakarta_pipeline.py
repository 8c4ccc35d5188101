"""The real pipeline on the real Jakarta clip with the real COCO model (car -> e_four_wheeler).

Frames 0..98 of the clip, every 2nd frame (50 frames, 4 s). The hand labels below come from looking at frames 0, 50
and 98 with the road zone drawn on them: eleven cars are clearly visible with their wheels inside the zone at some
point in these 4 s (left lane L2..L6, middle lane M1..M3, right lane R1, R3, R6). Each label is the centre of the car
on a frame where I identified it by eye. Not labelled: three cars cut by the bottom image edge while leaving (only a
roof or a bonnet in view) and one car whose wheels stay on the zone's top edge; a sighting matching none of the
labels therefore fails the test rather than being excused.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from detection.class_map import ClassMap
from detection.pipeline import CameraPipeline, PipelineSettings
from detection.sources import VideoFileSource
from detection.zone import Zone

pytestmark = pytest.mark.slow

START = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)
FPS = 25.0
ROAD = Zone((((0.34, 0.62), (0.68, 0.62), (0.80, 1.0), (0.27, 1.0)),), inertia=3)

# car -> {video frame: (x, y) centre in pixels}
CARS: dict[str, dict[int, tuple[int, int]]] = {
    "L2": {0: (372, 506)},
    "L3": {0: (416, 440), 50: (405, 512), 98: (393, 547)},
    "L4": {0: (418, 381), 50: (405, 425), 98: (386, 479)},
    "L5": {50: (423, 387), 98: (407, 423)},
    "L6": {50: (427, 352), 98: (418, 378)},
    "M1": {0: (531, 489), 50: (546, 555)},
    "M2": {0: (501, 395), 50: (516, 449), 98: (541, 523)},
    "M3": {0: (499, 341), 50: (495, 371), 98: (502, 415)},
    "R1": {0: (568, 371), 50: (596, 415), 98: (648, 489)},
    "R3": {50: (574, 380), 98: (600, 427)},
    "R6": {0: (514, 297), 98: (548, 347)},
}


def _contains(box, point, margin: float = 3.0) -> bool:
    x, y = point
    return box[0] - margin <= x <= box[2] + margin and box[1] - margin <= y <= box[3] + margin


@pytest.fixture(scope="module")
def frames(jakarta_video):
    return list(VideoFileSource(jakarta_video, start=START, stride=2, max_frames=50))


@pytest.fixture(scope="module")
def run(coco_detector, frames):
    class_map = ClassMap({"car": "e_four_wheeler"}, coco_detector.names)
    pipeline = CameraPipeline(coco_detector, class_map, PipelineSettings(camera="jakarta", zone=ROAD))
    return list(pipeline.run(frames))


def test_frame_refs_and_times_follow_the_video(frames):
    assert [f.ref for f in frames[:3]] == ["jakarta_street_traffic_20s.mp4#0", "jakarta_street_traffic_20s.mp4#2",
                                           "jakarta_street_traffic_20s.mp4#4"]
    assert frames[-1].captured_at == START + timedelta(seconds=98 / FPS)


def test_detections_equal_a_bare_ultralytics_predict(coco_onnx, coco_detector, frames, run):
    from ultralytics import YOLO

    bare = YOLO(str(coco_onnx), task="detect")
    compared = 0
    for frame, result in zip(frames, run, strict=True):
        expected = bare.predict(frame.image, conf=0.25, imgsz=640, verbose=False)[0].boxes
        got = result.detections
        np.testing.assert_array_equal(got.xyxy, expected.xyxy.numpy())
        np.testing.assert_array_equal(got.scores, expected.conf.numpy())
        np.testing.assert_array_equal(got.class_ids, expected.cls.numpy().astype(np.int64))
        compared += len(got)
    assert compared > 50 * 10  # about 18 boxes a frame on this clip: the comparison is not vacuous


def test_tracked_boxes_are_the_models_car_boxes(run):
    for result in run:
        cars = result.detections.select(result.detections.class_ids == 2).xyxy
        for vehicle in result.vehicles:
            assert vehicle.category == "e_four_wheeler"
            assert (cars == np.asarray(vehicle.box, np.float32)).all(axis=1).any()


def test_each_labelled_car_keeps_one_track_id(run):
    by_frame = {int(r.frame.ref.rsplit("#", 1)[1]): r for r in run}
    for car, points in CARS.items():
        ids = set()
        for frame_no, point in points.items():
            ids |= {v.track_id for v in by_frame[frame_no].vehicles if _contains(v.box, point, margin=0)}
        assert len(ids) <= 1, f"{car} changed track id between its labelled frames: {sorted(ids)}"


def test_one_sighting_per_real_car(run):
    sightings = [e.sighting for r in run for e in r.events if e.kind == "ended"]
    matches: dict[str, list[int]] = defaultdict(list)
    for s in sightings:
        at = {p.captured_at: p.box_xyxy for p in s.track}
        cars = {
            car
            for car, points in CARS.items()
            for frame_no, point in points.items()
            if (box := at.get(START + timedelta(seconds=frame_no / FPS))) is not None and _contains(box, point)
        }
        assert len(cars) == 1, f"sighting {s.track_id} matches {sorted(cars) or 'no real car'}"
        matches[cars.pop()].append(s.track_id)
    duplicates = {car: ids for car, ids in matches.items() if len(ids) > 1}
    tracks_per_vehicle = len(sightings) / len(matches)
    print(f"\nsightings {len(sightings)}, labelled cars {len(CARS)}, cars with a sighting {len(matches)}, "
          f"tracks per vehicle {tracks_per_vehicle:.2f}, missed {sorted(set(CARS) - set(matches))}")
    assert not duplicates
    assert tracks_per_vehicle == 1.0
    # L6 is missed on purpose of the score threshold: the INT8 model scores it 0.25-0.35 (median 0.30 < 0.4).
    assert len(matches) >= 10


def test_sighting_evidence_is_usable(run):
    sightings = [e.sighting for r in run for e in r.events if e.kind == "ended"]
    assert sightings
    for s in sightings:
        assert s.vehicle_type == "e_four_wheeler" and s.votes == {"e_four_wheeler": len(s.track)}
        first, second = s.panoramas
        assert first.captured_at < second.captured_at
        assert s.best.image is not None and s.best.image.shape == (576, 1024, 3)
        assert s.plate.state == "unknown"  # no plate class and no reader given
    assert sum(s.moved for s in sightings) >= len(sightings) - 1  # traffic crawls, but it moves
