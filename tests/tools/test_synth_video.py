"""The committed demo clip and its ground truth, and the clip writer that made them."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tools.synth.video import Actor, DemoClip, frame_truth, write_demo_clip

DEMO = Path(__file__).resolve().parents[2] / "traffic" / "demo"




@pytest.fixture(scope="module")
def truth():
    return json.loads((DEMO / "demo_truth.json").read_text())


@pytest.fixture(scope="module")
def decoded(truth):
    capture = cv2.VideoCapture(str(DEMO / truth["video"]))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def _inside(point, polygon) -> bool:
    contour = np.array(polygon, np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, (float(point[0]), float(point[1])), False) >= 0


def test_opencv_decodes_every_frame_at_1280x720(truth, decoded):
    assert len(decoded) == truth["frames"] == 180
    assert decoded[0].shape == (720, 1280, 3)
    assert truth["fps"] == 10


def test_cast_mixes_plated_and_unplated_target_vehicles_with_distractors(truth):
    vehicles = truth["vehicles"]
    kinds = {v["class"] for v in vehicles}
    assert {"e_tricycle", "fuel_tricycle", "e_four_wheeler", "car", "two_wheeler"} <= kinds
    targets = [v for v in vehicles if v["class"] in ("e_tricycle", "fuel_tricycle", "e_four_wheeler")]
    assert any(v["plated"] for v in targets) and sum(not v["plated"] for v in targets) > len(targets) / 2
    assert all(v["plated"] for v in vehicles if v["class"] == "car")
    assert all(v["frames"] and v["first_frame"] <= v["last_frame"] for v in vehicles)


def test_plates_are_large_enough_to_read_near_the_camera(truth):
    for vehicle in truth["vehicles"]:
        widths = [f["plate_box"][2] - f["plate_box"][0] for f in vehicle["frames"] if f["plate_box"]]
        if vehicle["plated"] and vehicle["plate_visible_from_camera"]:
            assert max(widths) >= 100, vehicle["plate"]
        else:
            assert widths == []


def test_parked_vehicles_stand_outside_the_road_zone_and_moving_ones_inside(truth):
    width, height, zone = truth["width"], truth["height"], truth["road_zone"]
    for vehicle in truth["vehicles"]:
        feet = [((f["box"][0] + f["box"][2]) / 2 / width, f["box"][3] / height) for f in vehicle["frames"]
                if f["visible"] > 0.5]
        inside = np.mean([_inside(foot, zone) for foot in feet])
        if vehicle["parked"]:
            assert len(vehicle["frames"]) == truth["frames"] and inside == 0
        else:
            assert inside == 1.0


def test_moving_vehicles_pass_through_and_leave_before_the_end(truth):
    for vehicle in truth["vehicles"]:
        if vehicle["parked"]:
            continue
        assert vehicle["last_frame"] < truth["frames"] - 1
        boxes = [f["box"] for f in vehicle["frames"]]
        heights = [b[3] - b[1] for b in boxes]
        assert max(heights) > 4 * min(heights), "vehicles should change scale as they drive"


def test_the_generator_rebuilds_the_committed_frames_and_truth(truth, decoded, cjk_font):
    clip = DemoClip(seed=truth["seed"], seconds=truth["frames"] / truth["fps"], fps=truth["fps"],
                    font_path=cjk_font)
    records = {v["id"]: {f["frame"]: f for f in v["frames"]} for v in truth["vehicles"]}
    for index in (0, 57, 121):
        image, truths = clip.frame(index)
        mse = np.mean((image.astype(np.float32) - decoded[index].astype(np.float32)) ** 2)
        assert 10 * np.log10(255 ** 2 / mse) > 30, f"frame {index} differs from the committed video"
        shown = {t.object_id: frame_truth(index, t) for t in truths if t.visible > 0}
        expected = {vid: frames[index] for vid, frames in records.items() if index in frames}
        assert shown.keys() == expected.keys()
        # Tolerances absorb anti-aliasing differences between OpenCV builds.
        for vid, record in expected.items():
            assert np.allclose(shown[vid]["box"], record["box"], atol=1.5)
            assert shown[vid]["visible"] == pytest.approx(record["visible"], abs=0.02)
            assert (shown[vid]["plate_box"] is None) == (record["plate_box"] is None)


def test_clip_writer_writes_a_readable_video_and_truth(tmp_path, cjk_font):
    cast = (Actor("fuel_tricycle", "towards", None, speed=40.0), Actor("car", "away", "blue", speed=40.0))
    truth = write_demo_clip(tmp_path / "clip.mp4", tmp_path / "clip.json", seed=1, seconds=2.0, fps=5, cast=cast)
    capture = cv2.VideoCapture(str(tmp_path / "clip.mp4"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == truth["frames"] == 10
    assert json.loads((tmp_path / "clip.json").read_text())["vehicles"][1]["plate"] == truth["vehicles"][1]["plate"]
    assert [v["class"] for v in truth["vehicles"]] == ["fuel_tricycle", "car"]


def test_a_cast_that_cannot_finish_in_time_is_refused():
    with pytest.raises(ValueError, match="cannot finish"):
        DemoClip(seconds=3.0, cast=(Actor("e_tricycle", "away", None, speed=6.0),))
