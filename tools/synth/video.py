"""The demo clip: a fixed pole camera over a two-lane street, vehicles driving through, two parked ones.

The cast is scripted (who is plated, which way each drives) and the looks are seeded, so the clip and its
ground truth are rebuilt identically. Ground truth lists, per vehicle, its class, plate, and its box (plus
visible share and plate box) on every frame where any of it is on screen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tools.synth.camera import PoleCamera
from tools.synth.compose import Lighting
from tools.synth.plates import BLUE, GREEN, find_cjk_font
from tools.synth.road import RoadLayout, SceneStyle, random_props, road_polygon
from tools.synth.scene import DEMO_CLASSES, PlacedVehicle, SceneRenderer, Street
from tools.synth.parts import FRONT, REAR
from tools.synth.vehicles import draw_vehicle, random_look

WIDTH, HEIGHT = 1280, 720
SPAWN_Z, EXIT_Z = 75.0, 4.0  # beyond the top edge / below the bottom edge of the demo camera's view
MIN_GAP_M = 9.0
_SPRITE_PX_PER_M = 230.0  # the largest scale a vehicle reaches on screen, so sprites are only ever shrunk


@dataclass(frozen=True)
class Actor:
    """One scripted vehicle. ``lane`` is "towards", "away" or "parked"; parked ones stand at (x, z)."""

    kind: str
    lane: str
    plate_style: str | None = None
    speed: float = 7.0
    x: float = 0.0
    z: float = 0.0


# Towards the camera the front shows (tricycles carry no front plate, so plated ones drive away);
# most tricycles and four-wheelers are unplated, as in the campaign; the cars are plated.
DEMO_CAST: tuple[Actor, ...] = (
    Actor("e_tricycle", "towards", None, 6.5),
    Actor("car", "away", GREEN, 9.0),
    Actor("e_four_wheeler", "towards", None, 7.0),
    Actor("two_wheeler", "away", None, 7.0),
    Actor("car", "towards", BLUE, 9.0),
    Actor("e_four_wheeler", "away", None, 7.0),
    Actor("fuel_tricycle", "towards", None, 6.5),
    Actor("fuel_tricycle", "away", BLUE, 6.5),
    Actor("e_four_wheeler", "towards", GREEN, 7.0),
    Actor("e_tricycle", "away", BLUE, 6.0),
    Actor("e_tricycle", "towards", None, 6.5),
    Actor("e_four_wheeler", "parked", None, x=5.4, z=24.0),
    Actor("e_tricycle", "parked", None, x=-5.6, z=33.0),
)


def demo_street(seed: int) -> Street:
    """The demo camera: 5 m up, zoomed so plates near the bottom edge are about 100 pixels wide."""
    layout = RoadLayout(lanes_towards=1, lanes_away=1, lane_width=3.5, pavement_left=4.0, pavement_right=4.0)
    camera = PoleCamera(WIDTH, HEIGHT, hfov_deg=34.0, height_m=5.0, pitch_deg=15.0, x_m=0.0, yaw_deg=0.0)
    style = SceneStyle(sky_top=(210, 170, 120), sky_horizon=(230, 220, 210), asphalt=(92, 92, 95),
                       pavement=(150, 150, 158), verge=(70, 115, 80))
    props = tuple(random_props(np.random.default_rng([seed, 1]), layout))
    return Street(camera, layout, style, props, Lighting(gain=1.0, gamma=0.95, noise_sigma=2.0))


@dataclass(frozen=True)
class _Trip:
    """An actor with its look, sprite and start time."""

    placed: PlacedVehicle
    actor: Actor
    start_s: float


class DemoClip:
    """Frames and ground truth of the demo clip; frame ``i`` is a pure function of the seed and ``i``."""

    def __init__(self, seed: int = 7, seconds: float = 18.0, fps: int = 10, cast: tuple[Actor, ...] = DEMO_CAST,
                 font_path: Path | None = None) -> None:
        self.seed, self.fps = seed, fps
        self.frame_count = int(round(seconds * fps))
        self.street = demo_street(seed)
        font = font_path or find_cjk_font()
        self.renderer = SceneRenderer(self.street, np.random.default_rng([seed, 2]), font)
        looks_rng = np.random.default_rng([seed, 3])
        starts = _schedule(cast, seconds)
        trips = []
        for object_id, (actor, start) in enumerate(zip(cast, starts), start=1):
            view = FRONT if actor.lane == "towards" else REAR if actor.lane == "away" else (
                FRONT if actor.x < 0 else REAR)
            look = random_look(looks_rng, actor.kind, view, plated=actor.plate_style is not None,
                               plate_scale=1.3, plate_style=actor.plate_style)
            sprite = draw_vehicle(look, _SPRITE_PX_PER_M, font)
            trips.append(_Trip(PlacedVehicle(object_id, look, actor.x, actor.z, sprite), actor, start))
        self._trips = tuple(trips)

    def positions(self, index: int) -> list[PlacedVehicle]:
        """Where every vehicle on the road stands at frame ``index``."""
        t = index / self.fps
        placed = []
        for trip in self._trips:
            z = _z_at(trip.actor, trip.start_s, t)
            if z is None:
                continue
            x = trip.actor.x if trip.actor.lane == "parked" else self.street.layout.lane_centre(
                trip.actor.lane == "towards", 0) + trip.actor.x
            placed.append(PlacedVehicle(trip.placed.object_id, trip.placed.look, x, z, trip.placed.sprite))
        return placed

    def frame(self, index: int) -> tuple[np.ndarray, list]:
        """The rendered frame and the truth of each vehicle on it."""
        return self.renderer.render(self.positions(index), np.random.default_rng([self.seed, 4, index]))

    def vehicle_records(self) -> list[dict[str, Any]]:
        """Static facts about every vehicle, without per-frame boxes."""
        records = []
        for trip in self._trips:
            look, actor = trip.placed.look, trip.actor
            records.append({
                "id": trip.placed.object_id,
                "class": look.kind,
                "plated": look.plate is not None,
                "plate": look.plate.text if look.plate else None,
                "plate_style": look.plate.style if look.plate else None,
                "plate_visible_from_camera": look.plate_visible,
                "direction": actor.lane,
                "parked": actor.lane == "parked",
                "speed_mps": 0.0 if actor.lane == "parked" else actor.speed,
                "frames": [],
            })
        return records


def _z_at(actor: Actor, start_s: float, t: float) -> float | None:
    if actor.lane == "parked":
        return actor.z
    travelled = (t - start_s) * actor.speed
    if travelled < 0 or travelled > SPAWN_Z - EXIT_Z:
        return None
    return SPAWN_Z - travelled if actor.lane == "towards" else EXIT_Z + travelled


def _schedule(cast: tuple[Actor, ...], seconds: float) -> list[float]:
    """Start times per actor: lanes fill in cast order, each vehicle keeping MIN_GAP_M behind the others.

    The first vehicle coming towards the camera starts mid-way (negative start), so the clip does not open
    empty; the first one driving away starts at the bottom edge, so its plate is seen up close.
    """
    starts: list[float] = []
    for i, actor in enumerate(cast):
        if actor.lane == "parked":
            starts.append(0.0)
            continue
        ahead = [(a, s) for a, s in zip(cast[:i], starts) if a.lane == actor.lane]
        opening = -0.35 * (SPAWN_Z - EXIT_Z) / actor.speed if actor.lane == "towards" else 0.0
        start = opening if not ahead else ahead[-1][1]
        while ahead and not all(_keeps_gap(a, s, actor, start) for a, s in ahead):
            start += 0.1
        starts.append(round(start, 2))
    for actor, start in zip(cast, starts):
        if actor.lane != "parked" and start + (SPAWN_Z - EXIT_Z) / actor.speed > seconds:
            raise ValueError(f"{actor.kind} in lane {actor.lane} cannot finish its pass in {seconds} s")
    return starts


def _keeps_gap(lead: Actor, lead_start: float, follower: Actor, start: float) -> bool:
    for t in np.arange(min(lead_start, start), start + (SPAWN_Z - EXIT_Z) / follower.speed, 0.05):
        a, b = _z_at(lead, lead_start, float(t)), _z_at(follower, start, float(t))
        if a is not None and b is not None and abs(a - b) < MIN_GAP_M:
            return False
        if a is None and b is None and t > start:
            return True
    return _z_at(follower, start, start) is not None and (
        _z_at(lead, lead_start, start) is None or abs(_z_at(lead, lead_start, start) - _z_at(follower, start, start))
        >= MIN_GAP_M)


def write_demo_clip(video_path: Path, truth_path: Path, seed: int = 7, seconds: float = 18.0,
                    fps: int = 10, cast: tuple[Actor, ...] = DEMO_CAST) -> dict[str, Any]:
    """Render the clip to an MPEG-4 (mp4v) file OpenCV can read, and its ground truth to JSON."""
    clip = DemoClip(seed, seconds, fps, cast)
    video_path, truth_path = Path(video_path), Path(truth_path)
    video_path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {video_path} with the mp4v codec")
    records = {record["id"]: record for record in clip.vehicle_records()}
    try:
        for index in range(clip.frame_count):
            image, truths = clip.frame(index)
            writer.write(image)
            for truth in truths:
                if truth.visible <= 0.0:
                    continue
                records[truth.object_id]["frames"].append(frame_truth(index, truth))
    finally:
        writer.release()
    zone = road_polygon(clip.street.camera, clip.street.layout) / np.array([WIDTH, HEIGHT], np.float32)
    truth = {
        "video": video_path.name,
        "fps": fps,
        "frames": clip.frame_count,
        "width": WIDTH,
        "height": HEIGHT,
        "seed": seed,
        "classes": list(DEMO_CLASSES),
        "road_zone": [[round(float(x), 4), round(float(y), 4)] for x, y in zone],
        "notes": "boxes are [x1, y1, x2, y2] pixels clipped to the frame; 'visible' is the share of the vehicle "
                 "on screen and not hidden; plate_box is given where at least 60% of the plate is visible; "
                 "road_zone is the carriageway as a normalised polygon (parked vehicles stand outside it)",
        "vehicles": [_summarise(record) for record in records.values()],
    }
    truth_path.write_text(_compact_json(truth))
    return truth


def frame_truth(index: int, truth: Any) -> dict[str, Any]:
    """One vehicle on one frame, as stored in the ground-truth JSON."""
    plate_box = truth.plate_box if truth.plate_box is not None and truth.plate_visible >= 0.6 else None
    return {
        "frame": index,
        "box": [round(float(c), 1) for c in truth.box],
        "visible": round(float(truth.visible), 3),
        "plate_box": [round(float(c), 1) for c in plate_box] if plate_box else None,
    }


def _compact_json(value: Any) -> str:
    """Indented JSON with each frame record on one line, so the file reads (and diffs) frame by frame."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    text = re.sub(r"\[\s+([-\d.,\s]+?)\s+\]", lambda m: "[" + ", ".join(
        part.strip() for part in m.group(1).split(",")) + "]", text)
    return re.sub(r"\{\s+(\"frame\"[^{}]*?)\s+\}", lambda m: "{" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "}",
                  text)


def _summarise(record: dict[str, Any]) -> dict[str, Any]:
    frames = record["frames"]
    record["first_frame"] = frames[0]["frame"] if frames else None
    record["last_frame"] = frames[-1]["frame"] if frames else None
    record["frames"] = frames  # keep the per-frame list last, for readability
    return record
