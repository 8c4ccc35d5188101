"""Plate state per track, with a small scripted reader that implements the PlateReader interface."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from detection.class_map import ClassMap
from detection.pipeline import CameraPipeline, PipelineSettings, assign_plates
from detection.plate_check import PlateCheckSettings, vote_by_text
from detection.sightings import SightingSettings
from detection.types import Detections, Frame

NAMES = {0: "car", 1: "plate"}
WITH_PLATES = ClassMap({"car": "e_four_wheeler", "plate": "plate"}, NAMES)
WITHOUT_PLATES = ClassMap({"car": "e_four_wheeler"}, NAMES)
T0 = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float


class ScriptedReader:
    """Answers each call with the next scripted reading (None: nothing found) and records the calls."""

    def __init__(self, script: list[Reading | None], found_box=(30.0, 100.0, 90.0, 120.0)):
        self.script = list(script)
        self.found_box = found_box
        self.read_in_calls: list[tuple] = []
        self.find_calls: list[tuple] = []

    def read_in(self, image_bgr, box_xyxy):
        self.read_in_calls.append(tuple(box_xyxy))
        return self.script.pop(0) if self.script else None

    def find_and_read(self, vehicle_crop_bgr):
        self.find_calls.append(vehicle_crop_bgr.shape)
        reading = self.script.pop(0) if self.script else None
        return None if reading is None else (self.found_box, reading)


def frames_and_detections(
    n: int, width: float = 160, plate_every: int | None = 1, cut: bool = False, plate_w=60, plate_from: int = 0,
    plate_score: float = 0.7,
):
    """A car driving down a 640x480 image; a plate box on every `plate_every`-th frame from `plate_from` on."""
    out = []
    for i in range(n):
        x1, y1 = 200.0, 100.0 + 5 * i
        y2 = 480.0 if cut else y1 + 0.75 * width
        boxes, scores, classes = [[x1, y1, x1 + width, y2]], [0.8], [0]
        if plate_every and i % plate_every == 0 and i >= plate_from:
            px = x1 + width / 2 - plate_w / 2
            boxes.append([px, y2 - 30, px + plate_w, y2 - 12])
            scores.append(plate_score)
            classes.append(1)
        image = np.zeros((480, 640, 3), np.uint8)
        frame = Frame(image, T0 + timedelta(seconds=0.2 * i), i, f"f#{i}")
        out.append((frame, Detections(np.array(boxes, np.float32), np.array(scores, np.float32), np.array(classes))))
    return out


def run(class_map, reader, scenes, **plate_kwargs):
    # require_whole_view off: these tests judge the plate of vehicles cut by the edge too
    sightings = SightingSettings(min_frames=2, require_whole_view=False)
    settings = PipelineSettings(sightings=sightings, plates=PlateCheckSettings(**plate_kwargs))
    pipeline = CameraPipeline(None, class_map, settings, plate_reader=reader)
    events = []
    for frame, dets in scenes:
        events += pipeline.track(frame, dets).events
    return events + pipeline.finish()


PLATE = Reading("皖AYL375", 0.95)


@pytest.mark.parametrize(
    ("scene", "script", "expected"),
    [
        ({}, [PLATE, PLATE], ("plated", "皖AYL375")),
        ({}, [None, None, None], ("plated", None)),  # the model sees a plate the reader cannot read
        ({"plate_every": None}, [], ("unplated", None)),
        ({"plate_every": None, "width": 80}, [], ("unknown", None)),  # too small to judge
        ({"plate_every": None, "cut": True}, [], ("unknown", None)),  # cut by the image edge
        ({"plate_every": 100}, [], ("unknown", None)),  # one plate box in 12 frames: neither claim holds
        ({"plate_width": 20}, [], ("plated", None)),  # plate boxes too small to read still show a plate
        ({"plate_score": 0.3, "plate_every": 12}, [], ("unplated", None)),  # one weak false box in 12 frames
        ({"plate_score": 0.3, "plate_every": 2, "plate_width": 20}, [], ("unknown", None)),  # weak, too small to read
        ({"plate_score": 0.3}, [None, None, None], ("unplated", None)),  # the reader rejects the weak boxes
        ({"plate_score": 0.3}, [PLATE], ("plated", "皖AYL375")),  # a weak box the reader reads is a plate
    ],
)
def test_plate_state_with_a_plate_class(scene, script, expected):
    plate_w = 20 if scene.pop("plate_width", None) else 60
    reader = ScriptedReader(script)
    events = run(WITH_PLATES, reader, frames_and_detections(12, plate_w=plate_w, **scene))
    plate = events[-1].sighting.plate
    assert (plate.state, plate.text) == expected
    assert len(reader.read_in_calls) <= 3
    assert not reader.find_calls  # the model finds plates: no text detection on vehicle crops
    if expected[0] == "plated":
        assert events[-1].sighting.best.plate_box_xyxy is not None


def test_reading_is_rate_limited_and_stops_once_two_agree():
    reader = ScriptedReader([Reading("皖AYL375", 0.9), Reading("皖AYL375", 0.8), Reading("X", 0.99)])
    events = run(WITH_PLATES, reader, frames_and_detections(30), read_spacing=4)
    assert len(reader.read_in_calls) == 2
    assert events[-1].sighting.plate.text == "皖AYL375"
    assert events[-1].sighting.plate.confidence == pytest.approx(0.85)


def test_reads_are_spaced_out():
    reader = ScriptedReader([None] * 10)
    run(WITH_PLATES, reader, frames_and_detections(12), read_spacing=5, max_reads=10)
    ys = [call[1] for call in reader.read_in_calls]
    assert len(ys) == 3 and np.diff(ys).tolist() == [25.0, 25.0]  # frames 0, 5, 10 (5 px a frame)


@pytest.mark.parametrize(
    ("script", "expected_state", "expected_calls"),
    [
        ([PLATE, PLATE], "plated", 2),
        ([None, None, None], "unplated", 3),
        ([None, PLATE, None, PLATE], "plated", 3),  # max_reads caps the calls; one good read is enough
        ([Reading("皖AYL375", 0.3)], "plated", 3),  # text too unsure to keep, but a plate was there
    ],
)
def test_plate_state_without_a_plate_class(script, expected_state, expected_calls):
    reader = ScriptedReader(script)
    events = run(WITHOUT_PLATES, reader, frames_and_detections(20, plate_every=None))
    sighting = events[-1].sighting
    assert sighting.plate.state == expected_state
    assert len(reader.find_calls) == expected_calls and not reader.read_in_calls
    assert all(shape == (120, 160, 3) for shape in reader.find_calls)  # the vehicle crop, not the frame
    if expected_state == "plated" and sighting.best.plate_box_xyxy is not None:
        x1, y1 = sighting.best.plate_box_xyxy[:2]
        assert x1 >= 200 and y1 >= 100  # reader's crop box moved back into frame coordinates


def test_without_reader_or_plate_class_the_state_stays_unknown():
    events = run(WITHOUT_PLATES, None, frames_and_detections(20, plate_every=None))
    assert events[-1].sighting.plate.state == "unknown"


def test_plate_state_change_is_an_update():
    reader = ScriptedReader([None, PLATE, PLATE])
    events = run(WITH_PLATES, reader, frames_and_detections(12, plate_from=2), read_spacing=3)
    assert [(e.kind, e.sighting.plate.state, e.sighting.plate.text) for e in events] == [
        ("started", "unknown", None),
        ("updated", "plated", None),  # the model saw plate boxes on two frames
        ("updated", "plated", "皖AYL375"),
        ("ended", "plated", "皖AYL375"),
    ]


@pytest.mark.parametrize(
    ("readings", "text", "confidence"),
    [
        ([("皖AYL375", 0.9), ("皖AYL375", 0.8), ("皖AYL376", 0.95)], "皖AYL375", 0.85 * 2 / 3),
        ([("皖AYL375", 0.9)], "皖AYL375", 0.9),
        ([("皖A1", 0.5), ("皖A2", 0.6)], "皖A2", 0.3),
        ([], None, None),
    ],
)
def test_vote_by_text(readings, text, confidence):
    voted = vote_by_text([Reading(t, c) for t, c in readings])
    if text is None:
        assert voted is None
    else:
        assert voted.text == text and voted.confidence == pytest.approx(confidence)


@pytest.mark.parametrize(
    ("vehicles", "plates", "expected"),
    [
        ([[0, 0, 100, 100]], [[40, 80, 60, 90, 0.9]], [0]),
        ([[0, 0, 100, 100], [200, 0, 300, 100]], [[240, 80, 260, 90, 0.9]], [None, 0]),
        # a plate inside two boxes (a car in front of a truck) belongs to the smaller, nearer one
        ([[0, 0, 300, 300], [100, 100, 200, 200]], [[140, 180, 160, 190, 0.9]], [None, 0]),
        ([[0, 0, 100, 100]], [[40, 80, 60, 90, 0.5], [30, 70, 50, 80, 0.8]], [1]),  # best plate per vehicle
        ([[0, 0, 100, 100]], [[140, 80, 160, 90, 0.9]], [None]),  # outside every vehicle
        ([], [[40, 80, 60, 90, 0.9]], []),
    ],
)
def test_assign_plates(vehicles, plates, expected):
    plates_arr = np.array(plates, np.float32).reshape(-1, 5)
    got = assign_plates(np.array(vehicles, np.float32).reshape(-1, 4), plates_arr[:, :4], plates_arr[:, 4])
    assert [None if g is None else int(np.flatnonzero((plates_arr[:, :4] == g[0]).all(axis=1))[0]) for g in got] == (
        expected
    )
