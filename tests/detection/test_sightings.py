"""Sighting rules on hand-built detections (the tracker is ultralytics' real ByteTrack; no model is involved).

Like supervision's tests, small helpers build detections without a model, so each rule is checked in isolation.
"""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from detection.class_map import ClassMap
from detection.pipeline import CameraPipeline, PipelineSettings, nested_duplicates, overlapped_by_higher
from detection.serialize import to_json
from detection.sightings import SightingSettings
from detection.tracking import TrackerSettings
from detection.types import Detections, Frame
from detection.zone import Zone

NAMES = {0: "car", 1: "tricycle", 2: "person", 3: "plate"}
CLASS = {"car": 0, "tricycle": 1, "person": 2, "plate": 3}
CLASS_MAP = ClassMap({"car": "e_four_wheeler", "tricycle": "e_tricycle", "person": "ignore"}, NAMES)
T0 = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)
SIZE = (640, 480)


def frame(n: int, image: np.ndarray | None = None) -> Frame:
    img = image if image is not None else np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    return Frame(img, T0 + timedelta(seconds=n * 0.2), n, f"test#{n}")


def dets(*boxes: tuple) -> Detections:
    """Boxes as (x1, y1, x2, y2, score, class name)."""
    if not boxes:
        return Detections.empty()
    return Detections(
        np.array([b[:4] for b in boxes], np.float32),
        np.array([b[4] for b in boxes], np.float32),
        np.array([CLASS[b[5]] for b in boxes], np.int64),
    )


def moving(n: int, score: float = 0.8, cls: str = "car", x: float = 100, speed: float = 6.0) -> tuple:
    """A car-sized box driving down the image, `speed` pixels a frame."""
    y = 100 + speed * n
    return (x, y, x + 120, y + 90, score, cls)


def pipeline(**sighting_kwargs) -> CameraPipeline:
    zone = sighting_kwargs.pop("zone", Zone.whole_frame())
    tracker = TrackerSettings(overrides={"track_buffer": sighting_kwargs.pop("track_buffer", 5)})
    sightings = SightingSettings(**sighting_kwargs)
    settings = PipelineSettings(camera="cam1", zone=zone, tracker=tracker, sightings=sightings)
    return CameraPipeline(None, CLASS_MAP, settings)


def run(p: CameraPipeline, per_frame: list[Detections], start: int = 0, finish: bool = True):
    events = []
    for n, d in enumerate(per_frame, start=start):
        events += p.track(frame(n), d).events
    return events + (p.finish() if finish else [])


@pytest.mark.parametrize(
    ("min_frames", "seen", "started_on"),
    # evidence needs two panoramas at different times, so even min_frames=1 waits for a second frame
    [(5, 4, None), (5, 5, 5), (5, 12, 5), (1, 1, None), (1, 2, 2), (8, 10, 8)],
)
def test_min_frames(min_frames, seen, started_on):
    p = pipeline(min_frames=min_frames, min_panorama_gap_s=0.0)
    started = None
    for n in range(seen):
        events = p.track(frame(n), dets(moving(n))).events
        if any(e.kind == "started" for e in events):
            started = n + 1
    ended = [e for e in p.finish() if e.kind == "ended"]
    assert started == started_on
    assert len(ended) == (0 if started_on is None else 1)


@pytest.mark.parametrize(
    ("scores", "min_score", "is_sighting"),
    [
        ([0.9] * 6, 0.4, True),
        ([0.3] * 6, 0.4, False),
        ([0.9, 0.3, 0.3, 0.3, 0.9, 0.3], 0.4, False),  # median 0.3
        ([0.3, 0.9, 0.9, 0.3, 0.9, 0.3], 0.4, True),  # median 0.6
        ([0.3] * 6, 0.3, True),
    ],
)
def test_median_score_threshold(scores, min_score, is_sighting):
    p = pipeline(min_frames=6, min_score=min_score)
    events = run(p, [dets(moving(n, s)) for n, s in enumerate(scores)])
    assert [e.kind for e in events] == (["started", "ended"] if is_sighting else [])
    if is_sighting:
        assert events[-1].sighting.score == pytest.approx(float(np.median(scores)), abs=1e-4)


@pytest.mark.parametrize(
    ("classes", "vehicle_type", "votes"),
    [
        (["car"] * 6, "e_four_wheeler", {"e_four_wheeler": 6}),
        (["car", "tricycle", "tricycle", "car", "tricycle", "tricycle"], "e_tricycle",
         {"e_four_wheeler": 2, "e_tricycle": 4}),
        (["tricycle", "car", "car", "tricycle", "car", "tricycle"], "e_tricycle",  # a tie goes to the first seen
         {"e_tricycle": 3, "e_four_wheeler": 3}),
    ],
)
def test_vehicle_type_is_the_majority_vote(classes, vehicle_type, votes):
    p = pipeline(min_frames=3)
    events = run(p, [dets(moving(n, cls=c)) for n, c in enumerate(classes)])
    final = events[-1].sighting
    assert events[-1].kind == "ended"
    assert final.vehicle_type == vehicle_type and final.votes == votes


def test_events_started_updated_ended_with_the_same_track():
    p = pipeline(min_frames=3)
    classes = ["car"] * 4 + ["tricycle"] * 6  # the type flips once the tricycle votes win
    events = run(p, [dets(moving(n, cls=c)) for n, c in enumerate(classes)])
    assert [e.kind for e in events] == ["started", "updated", "ended"]
    assert [e.sighting.vehicle_type for e in events] == ["e_four_wheeler", "e_tricycle", "e_tricycle"]
    assert len({e.sighting.track_id for e in events}) == 1
    assert events[-1].sighting.first_seen == T0 and events[-1].sighting.last_seen == T0 + timedelta(seconds=1.8)
    assert len(events[-1].sighting.track) == 10


def test_a_track_ends_when_the_tracker_drops_it():
    p = pipeline(min_frames=3, track_buffer=4)
    events = run(p, [dets(moving(n)) for n in range(5)], finish=False)
    assert [e.kind for e in events] == ["started"]
    empty = run(p, [dets()] * 6, start=5, finish=False)
    assert [e.kind for e in empty] == ["ended"]
    assert empty[0].sighting.last_seen == T0 + timedelta(seconds=0.8)
    assert p.finish() == []


def test_two_vehicles_two_sightings_and_ignored_classes():
    p = pipeline(min_frames=3)
    per_frame = [dets(moving(n, x=50), moving(n, x=400, cls="tricycle"), (300, 300, 330, 380, 0.9, "person"))
                 for n in range(6)]
    ended = [e.sighting for e in run(p, per_frame) if e.kind == "ended"]
    assert sorted(s.vehicle_type for s in ended) == ["e_four_wheeler", "e_tricycle"]
    assert len({s.track_id for s in ended}) == 2


def test_zone_and_inertia_gate_sightings():
    # the left half of the image is pavement: a car parked there never counts, a car driving there does
    road = Zone((((0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 1.0)),), inertia=3)
    p = pipeline(min_frames=2, zone=road)
    parked = (40, 200, 160, 290, 0.9, "car")
    per_frame = [dets(parked, moving(n, x=420)) for n in range(8)]
    ended = [e.sighting for e in run(p, per_frame) if e.kind == "ended"]
    assert len(ended) == 1 and ended[0].track[0].box_xyxy[0] == pytest.approx(420)


def test_inertia_delays_the_start():
    road = Zone((((0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0)),), inertia=4)
    p = pipeline(min_frames=2, zone=road)
    started_on = None
    for n in range(20):  # the box bottom reaches the road (y >= 240) on frame 9
        if any(e.kind == "started" for e in p.track(frame(n), dets(moving(n, speed=6.0))).events):
            started_on = n
            break
    assert started_on == 9 + 4 - 1


def test_panoramas_are_at_different_times_and_show_movement():
    p = pipeline(min_frames=3, min_panorama_gap_s=0.5)
    final = run(p, [dets(moving(n, speed=8.0)) for n in range(10)])[-1].sighting
    first, second = final.panoramas
    assert second.captured_at - first.captured_at >= timedelta(seconds=0.5)
    assert second.box_xyxy[3] - first.box_xyxy[3] == pytest.approx(72)  # as far as the car went: 9 frames * 8 px
    assert final.moved
    assert first.image is not None and final.best.image is not None


def test_panoramas_prefer_frames_showing_the_whole_vehicle_clear_of_the_edges():
    # A tricycle comes in cut by the top edge, drives down, and leaves cut by the bottom edge (issue 7: demo
    # record 7 showed only the rider's head at the bottom). The panoramas are the clear views in between.
    p = pipeline(min_frames=3, min_panorama_gap_s=0.2)
    boxes = [(100, 0, 200, 60 + 40 * n) if n < 3 else (100, 40 * n - 80, 200, 40 * n + 20) for n in range(12)]
    boxes[-1] = (100, 380, 200, 480)  # touching the bottom edge
    final = run(p, [dets((*b, 0.8, "tricycle")) for b in boxes])[-1].sighting
    first, second = final.panoramas
    assert (first.frame_ref, second.frame_ref) == ("test#3", "test#10")  # not test#0 (cut) nor test#11 (cut)
    for view in final.panoramas:
        x1, y1, x2, y2 = view.box_xyxy
        assert x1 >= SIZE[0] * 0.02 and y1 >= SIZE[1] * 0.02 and x2 <= SIZE[0] * 0.98 and y2 <= SIZE[1] * 0.98
    assert final.moved


def test_panoramas_fall_back_to_the_first_views_when_no_clear_pair_shows_the_movement():
    p = pipeline(min_frames=3, panorama_min_height=0.5)  # nothing is ever large enough to be a clear view
    final = run(p, [dets(moving(n, speed=8.0)) for n in range(10)])[-1].sighting
    assert [v.frame_ref for v in final.panoramas] == ["test#0", "test#9"] and final.moved


def test_a_stopped_vehicle_is_a_sighting_without_movement():
    p = pipeline(min_frames=3)
    final = run(p, [dets((100, 100, 220, 190, 0.8, "car")) for _ in range(8)])[-1].sighting
    assert len(final.panoramas) == 2 and not final.moved


def test_images_can_be_left_out_of_evidence():
    p = pipeline(min_frames=3, keep_images=False)
    final = run(p, [dets(moving(n)) for n in range(6)])[-1].sighting
    assert final.best.image is None and all(e.image is None for e in final.panoramas)
    assert final.best.frame_ref.startswith("test#")


def test_best_frame_prefers_a_large_uncut_view():
    p = pipeline(min_frames=3)
    boxes = [(100, 300, 200, 380), (100, 310, 215, 395), (100, 320, 230, 410), (100, 330, 260, 480)]
    final = run(p, [dets((*b, 0.8, "car")) for b in boxes])[-1].sighting
    assert final.best.frame_ref == "test#2"  # the last one is larger but cut by the image's bottom edge


@pytest.mark.parametrize(
    ("boxes", "suppressed"),
    [
        ([(0, 0, 100, 100, 0.9), (5, 5, 95, 90, 0.5)], [False, True]),  # nested duplicate the NMS let through
        ([(0, 0, 100, 100, 0.5), (5, 5, 95, 90, 0.9)], [False, False]),  # the inner box scores higher: kept
        ([(0, 0, 100, 100, 0.9), (50, 50, 150, 150, 0.8)], [False, False]),  # ordinary overlap
        ([(0, 0, 100, 100, 0.9)], [False]),
    ],
)
def test_nested_duplicates(boxes, suppressed):
    arr = np.array(boxes, np.float32)
    assert nested_duplicates(arr[:, :4], arr[:, 4], 0.85).tolist() == suppressed


@pytest.mark.parametrize(
    ("boxes", "suppressed"),
    [
        ([(0, 0, 100, 100, 0.9), (10, 0, 110, 100, 0.6)], [False, True]),  # IoU 0.82: one vehicle, two classes
        ([(0, 0, 100, 100, 0.9), (40, 0, 140, 100, 0.6)], [False, False]),  # IoU 0.43: two vehicles side by side
    ],
)
def test_overlapping_boxes_of_one_vehicle_are_tracked_once(boxes, suppressed):
    arr = np.array(boxes, np.float32)
    assert nested_duplicates(arr[:, :4], arr[:, 4], None, 0.6).tolist() == suppressed
    shift = boxes[1][0] - boxes[0][0]
    per_frame = [dets(moving(n), moving(n, score=0.6, cls="tricycle", x=100 + shift)) for n in range(12)]
    ended = [e for e in run(pipeline(min_frames=3), per_frame) if e.kind == "ended"]
    assert len(ended) == (1 if suppressed[1] else 2)


@pytest.mark.parametrize(
    ("person_score", "person_x", "distractor_box_iou", "tricycle_sightings"),
    [
        (0.9, 110, 0.6, 0),  # IoU 0.85 with a better-scored distractor: the model's own verdict is "not a tricycle"
        (0.4, 110, 0.6, 0),  # the model is two-thirds as sure of the distractor: too much doubt for a record
        (0.25, 110, 0.6, 1),  # the distractor scores under half the tricycle's 0.6: the tricycle stands
        (0.9, 160, 0.6, 1),  # IoU 0.28: a distractor beside the tricycle, not on it
        (0.9, 110, None, 1),  # the rule switched off
    ],
)
def test_a_vehicle_box_on_a_distractor_the_model_is_half_as_sure_of_is_not_tracked(
        person_score, person_x, distractor_box_iou, tricycle_sightings):
    # `person` is listed as `ignore` in CLASS_MAP, so it plays the distractor (a car or two-wheeler in a real map)
    per_frame = [dets(moving(n, score=0.6, cls="tricycle"), moving(n, score=person_score, cls="person", x=person_x))
                 for n in range(12)]
    settings = PipelineSettings(tracker=TrackerSettings(overrides={"track_buffer": 5}),
                                sightings=SightingSettings(min_frames=3), distractor_box_iou=distractor_box_iou)
    ended = [e for e in run(CameraPipeline(None, CLASS_MAP, settings), per_frame) if e.kind == "ended"]
    assert len(ended) == tricycle_sightings
    assert all(e.sighting.vehicle_type == "e_tricycle" for e in ended)


def test_overlapped_by_higher_compares_against_the_other_set_only():
    vehicles = np.array([[0, 0, 100, 100], [200, 0, 300, 100]], np.float32)
    others = np.array([[5, 0, 105, 100]], np.float32)
    scores = np.array([0.5, 0.5])
    assert overlapped_by_higher(vehicles, scores, others, np.array([0.9]), 0.6).tolist() == [True, False]
    better = np.array([0.95, 0.5])
    assert overlapped_by_higher(vehicles, better, others, np.array([0.9]), 0.6).tolist() == [False, False]
    assert overlapped_by_higher(vehicles, scores, others[:0], np.array([]), 0.6).tolist() == [False, False]
    half_as_sure = np.array([0.3])
    assert overlapped_by_higher(vehicles, scores, others, half_as_sure, 0.6).tolist() == [False, False]
    assert overlapped_by_higher(vehicles, scores, others, half_as_sure, 0.6, min_share=0.5).tolist() == [True, False]


def test_a_vehicle_never_seen_whole_is_no_sighting():
    half_in_view = [dets((100, 0, 220, 60 + 4 * n, 0.8, "car")) for n in range(10)]  # cut by the top edge
    assert run(pipeline(min_frames=3), half_in_view) == []
    assert run(pipeline(min_frames=3, require_whole_view=False), half_in_view) != []


def _jsonl(events) -> list[str]:
    return [json.dumps(to_json(e), sort_keys=True) for e in events]


@pytest.mark.parametrize("cut", [1, 4, 7, 12])
def test_a_restored_checkpoint_continues_like_an_uninterrupted_run(cut):
    per_frame = [dets(moving(n, x=40), moving(n, x=300, cls="tricycle", speed=3 if n < 9 else 0)) for n in range(10)]
    per_frame += [dets(moving(n, x=300, cls="tricycle", speed=0)) for n in range(10, 14)] + [dets()] * 8
    expected = run(pipeline(min_frames=3), per_frame)

    first = pipeline(min_frames=3)
    events = run(first, per_frame[:cut], finish=False)
    data = first.checkpoint()
    del first
    resumed = CameraPipeline(None, CLASS_MAP, pipeline(min_frames=3).settings, state=CameraPipeline.restore(data))
    events += run(resumed, per_frame[cut:], start=cut)
    assert _jsonl(events) == _jsonl(expected)


def test_checkpoint_drops_images_unless_asked():
    p = pipeline(min_frames=3)
    run(p, [dets(moving(n)) for n in range(5)], finish=False)
    small, full = p.checkpoint(), p.checkpoint(include_images=True)
    assert len(small) < len(full) / 10
    record = next(iter(CameraPipeline.restore(small).records.values()))
    assert record.best.image is None and record.best.frame_ref.startswith("test#")
    assert next(iter(p.state.records.values())).best.image is not None  # the live state keeps its images
    with pytest.raises(TypeError, match="not a camera checkpoint"):
        CameraPipeline.restore(pickle.dumps({"x": 1}))


def test_json_form_of_an_event():
    p = pipeline(min_frames=3)
    event = run(p, [dets(moving(n)) for n in range(4)])[-1]
    data = to_json(event)
    json.dumps(data)  # serialisable as is
    assert data["event"] == "ended" and data["camera"] == "cam1" and data["vehicle_type"] == "e_four_wheeler"
    assert data["first_seen"] == "2023-06-01T08:00:00+00:00"
    assert data["plate"] == {"state": "unknown", "text": None, "confidence": None}
    assert len(data["panoramas"]) == 2 and data["best"]["frame_ref"].startswith("test#")
    assert data["track"][0] == {"t": "2023-06-01T08:00:00+00:00", "box": [100.0, 100.0, 220.0, 190.0], "score": 0.8}
    assert "image" not in json.dumps(data)


@pytest.mark.parametrize("kind", ["bytetrack", "botsort"])
def test_both_trackers_follow_two_vehicles_and_pickle(kind):
    settings = PipelineSettings(
        camera="cam1", tracker=TrackerSettings(kind=kind), sightings=SightingSettings(min_frames=3)
    )
    p = CameraPipeline(None, CLASS_MAP, settings)
    per_frame = [dets(moving(n, x=40), moving(n, x=300, cls="tricycle")) for n in range(6)]
    events = run(p, per_frame[:3], finish=False)
    p = CameraPipeline(None, CLASS_MAP, settings, state=CameraPipeline.restore(p.checkpoint()))
    events += run(p, per_frame[3:], start=3)
    ended = sorted((e.sighting.vehicle_type, len(e.sighting.track)) for e in events if e.kind == "ended")
    assert ended == [("e_four_wheeler", 6), ("e_tricycle", 6)]


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        (TrackerSettings(kind="sort"), "unknown tracker"),
        (TrackerSettings(overrides={"track_bufer": 10}), "unknown tracker settings"),
        (TrackerSettings(config="/nonexistent/tracker.yaml"), "tracker config not found"),
    ],
)
def test_tracker_settings_are_checked(settings, error):
    from detection.tracking import Tracker, TrackerError

    with pytest.raises(TrackerError, match=error):
        Tracker(settings)
