"""The real pipeline on the project's own demo clip with the demo model, scored against the clip's ground truth.

The demo artefacts (traffic/demo/demo_model.pt, class_map.yaml, demo.mp4, demo_truth.json) are built by
`python -m tools.synth` and `traffic model train`; the zone is the carriageway polygon the generator writes into
the truth file, so the two parked vehicles beside the road must not become sightings.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from detection.class_map import ClassMap
from detection.detector import Detector
from detection.evaluate import evaluate_sightings, load_truth
from detection.pipeline import CameraPipeline, PipelineSettings
from detection.sources import VideoFileSource
from detection.zone import Zone
from tests.support.data import require

pytestmark = pytest.mark.slow
DEMO = Path(__file__).resolve().parents[2] / "traffic" / "demo"
START = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def evaluation():
    files = [DEMO / name for name in ("demo_model.pt", "class_map.yaml", "demo.mp4", "demo_truth.json")]
    require(*files)
    model, class_map_path, video, truth_path = files
    truth = load_truth(truth_path)
    detector = Detector(model)
    class_map = ClassMap.load(class_map_path, detector.names)
    zone = Zone((tuple(truth.road_zone),), inertia=3)
    reader = None
    try:
        from detection.plate import PlateReader

        reader = PlateReader()
    except ImportError:
        pass
    pipeline = CameraPipeline(detector, class_map, PipelineSettings(camera="demo", zone=zone), reader)
    sightings = [e.sighting for r in pipeline.run(VideoFileSource(video, start=START)) for e in r.events
                 if e.kind == "ended"]
    result = evaluate_sightings(sightings, truth, START)
    print("\n" + result.format())
    return result


def test_no_duplicate_sightings(evaluation):
    assert evaluation.duplicates == 0


def test_every_expected_vehicle_is_sighted_with_its_type(evaluation):
    for score in evaluation.classes.values():
        assert score.recall >= 0.8, score


def test_sightings_are_real_vehicles_of_the_right_type(evaluation):
    for score in evaluation.classes.values():
        if score.predicted:
            assert score.precision >= 0.8, score
    assert not evaluation.unmatched_sightings
