"""The pipeline with the real plate reader and the real COCO model on a real CCPD photo.

COCO has no plate class, so this is the reader-only path: text detection on the vehicle crop (`find_and_read`).
The photo is a parked car (demo3.jpg, plate 皖A·MK620 read by eye); it stands still, so the same image is fed as a
short sequence of frames.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import cv2
import pytest

from detection.class_map import ClassMap
from detection.pipeline import CameraPipeline, PipelineSettings
from detection.sightings import SightingSettings
from detection.types import Frame

pytestmark = pytest.mark.slow
T0 = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)


class CountingReader:
    """The real reader, counting how often the pipeline asks it."""

    def __init__(self, reader):
        self.reader = reader
        self.calls = 0

    def read_in(self, image, box):
        self.calls += 1
        return self.reader.read_in(image, box)

    def find_and_read(self, crop):
        self.calls += 1
        return self.reader.find_and_read(crop)


@pytest.fixture(scope="module")
def demo3(ccpd_plated_car):
    return cv2.imread(str(ccpd_plated_car))


def test_plate_is_read_on_a_few_frames_only(coco_detector, demo3):
    plate = pytest.importorskip("detection.plate")
    reader = CountingReader(plate.PlateReader())
    class_map = ClassMap({"car": "e_four_wheeler"}, coco_detector.names)
    settings = PipelineSettings(sightings=SightingSettings(min_frames=3))
    pipeline = CameraPipeline(coco_detector, class_map, settings, plate_reader=reader)
    events = []
    for i in range(12):
        events += pipeline.process(Frame(demo3, T0 + timedelta(seconds=0.3 * i), i, f"demo3#{i}"))
    events += pipeline.finish()
    (final,) = [e.sighting for e in events if e.kind == "ended"]
    assert final.plate.state == "plated" and final.plate.text == "皖AMK620"
    assert 2 <= reader.calls <= settings.plates.max_reads  # stops once two readings agree
    x1, y1, x2, y2 = final.best.plate_box_xyxy
    vx1, vy1, vx2, vy2 = final.best.box_xyxy
    assert vx1 <= x1 < x2 <= vx2 and vy1 <= y1 < y2 <= vy2
    assert 200 < x1 < 260 and 460 < y1 < 520  # where the plate is in the photo
