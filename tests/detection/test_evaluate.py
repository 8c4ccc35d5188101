"""Evaluation of sightings against ground truth, on hand-built truth and sightings."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from detection.evaluate import evaluate_sightings, load_truth
from detection.types import EvidenceFrame, PlateState, SightingSnapshot, TrackPoint

START = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)
FPS = 10.0


def truth_json(tmp_path):
    """Three expected vehicles, a parked one and a distractor car, in the synth generator's format."""

    def frames(x, first, last, visible=1.0):
        return [{"frame": f, "box": [x, 10.0 * f, x + 100, 10.0 * f + 80], "visible": visible, "plate_box": None}
                for f in range(first, last + 1)]

    vehicles = [
        {"id": 1, "class": "e_tricycle", "plated": False, "plate": None, "parked": False, "frames": frames(0, 0, 9)},
        {"id": 2, "class": "e_four_wheeler", "plated": True, "plate": "皖AD12345", "parked": False,
         "plate_visible_from_camera": True, "frames": frames(200, 0, 9)},
        {"id": 3, "class": "fuel_tricycle", "plated": False, "plate": None, "parked": False,
         "frames": frames(400, 0, 9)},
        {"id": 4, "class": "e_tricycle", "plated": False, "plate": None, "parked": True, "frames": frames(600, 0, 9)},
        {"id": 5, "class": "car", "plated": True, "plate": "皖A12345", "parked": False, "frames": frames(800, 0, 9)},
        {"id": 6, "class": "e_tricycle", "plated": False, "plate": None, "parked": False,
         "frames": frames(1000, 0, 9, visible=0.2)},  # never really on screen: not expected
    ]
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({"fps": FPS, "frames": 10, "road_zone": [[0, 0], [1, 0], [1, 1]], "vehicles": vehicles}))
    return path


def sighting(track_id, x, vehicle_type, first=0, last=9, plate=PlateState(), dx=0.0):
    points = [TrackPoint(START + timedelta(seconds=f / FPS), (x + dx, 10.0 * f, x + dx + 100, 10.0 * f + 80), 0.9)
              for f in range(first, last + 1)]
    evidence = EvidenceFrame("f", points[0].captured_at, points[0].box_xyxy)
    return SightingSnapshot("cam", track_id, points[0].captured_at, points[-1].captured_at, vehicle_type, {vehicle_type: 1},
                    0.9, plate, evidence, [evidence, evidence], points)


PERFECT = [
    sighting(1, 0, "e_tricycle", plate=PlateState("unplated")),
    sighting(2, 200, "e_four_wheeler", plate=PlateState("plated", "皖AD12345", 0.9)),
    sighting(3, 400, "fuel_tricycle", plate=PlateState("unknown")),
]


@pytest.mark.parametrize(
    ("sightings", "precision", "recall", "duplicates", "unmatched"),
    [
        (PERFECT, {"e_tricycle": 1, "e_four_wheeler": 1, "fuel_tricycle": 1},
         {"e_tricycle": 1, "e_four_wheeler": 1, "fuel_tricycle": 1}, 0, []),
        # the tricycle split into two tracks: both right, one duplicate
        (PERFECT + [sighting(9, 0, "e_tricycle", first=6)], {"e_tricycle": 1}, {"e_tricycle": 1}, 1, []),
        # the fuel tricycle called electric: wrong for both classes
        (PERFECT[:2] + [sighting(3, 400, "e_tricycle")], {"e_tricycle": 0.5, "fuel_tricycle": None},
         {"e_tricycle": 1, "fuel_tricycle": 0}, 0, []),
        # a sighting of the parked tricycle, one of the distractor car, one of nothing
        (PERFECT + [sighting(7, 600, "e_tricycle"), sighting(8, 800, "e_four_wheeler"),
                    sighting(10, 1500, "e_four_wheeler")],
         {"e_tricycle": 0.5, "e_four_wheeler": 1 / 3}, {"e_tricycle": 1, "e_four_wheeler": 1}, 0, [10]),
        # boxes that drift off the vehicle (IoU < 0.5 on most frames) match nothing
        ([sighting(1, 0, "e_tricycle", dx=60)], {"e_tricycle": 0}, {"e_tricycle": 0}, 0, [1]),
        ([], {"e_tricycle": None}, {"e_tricycle": 0, "e_four_wheeler": 0}, 0, []),
    ],
)
def test_scores(tmp_path, sightings, precision, recall, duplicates, unmatched):
    result = evaluate_sightings(sightings, load_truth(truth_json(tmp_path)), START)
    assert result.expected_vehicles == 3
    for category, value in precision.items():
        got = result.classes[category].precision
        assert (got != got) if value is None else got == pytest.approx(value)
    for category, value in recall.items():
        assert result.classes[category].recall == pytest.approx(value)
    assert result.duplicates == duplicates
    assert result.unmatched_sightings == unmatched
    assert "precision" in result.format()


def test_plate_states_and_texts(tmp_path):
    result = evaluate_sightings(PERFECT, load_truth(truth_json(tmp_path)), START)
    assert result.plate_states == {("unplated", "unplated"): 1, ("plated", "plated"): 1, ("unplated", "unknown"): 1}
    assert (result.plate_texts_exact, result.plate_texts_total) == (1, 1)
    assert result.confusion == {("e_tricycle", "e_tricycle"): 1, ("e_four_wheeler", "e_four_wheeler"): 1,
                                ("fuel_tricycle", "fuel_tricycle"): 1}
