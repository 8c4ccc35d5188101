"""Synthetic pole-camera scenes: a static street (camera, road, props, light) and vehicles placed on it.

``SceneRenderer`` draws any set of placed vehicles on its street and reports, per vehicle, the box, the plate
box and how much of it is visible; ``random_scene`` builds one random still for the training dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.synth.camera import PoleCamera
from tools.synth.canvas import Sprite
from tools.synth.compose import (
    Box,
    Lighting,
    apply_lighting,
    draw_shadow,
    paste_sprite,
    plate_visible_fraction,
    random_lighting,
    visible_fraction,
)
from tools.synth.parts import FRONT, REAR, VehicleLook
from tools.synth.plates import find_cjk_font
from tools.synth.road import (
    Prop,
    RoadLayout,
    SceneStyle,
    draw_prop,
    paint_ground,
    prop_depth,
    random_layout,
    random_props,
    random_style,
)
from tools.synth.vehicles import VEHICLE_KINDS, draw_vehicle, random_look

# Class order of the demo model; "plate" is a box on every visible plate.
DEMO_CLASSES = (*VEHICLE_KINDS, "plate")
_KIND_WEIGHTS = (0.25, 0.20, 0.22, 0.20, 0.13)
_MIN_SPRITE_PX_PER_M = 40.0  # draw small vehicles bigger and shrink them, which anti-aliases the detail


@dataclass(frozen=True)
class PlacedVehicle:
    """A vehicle standing on the ground at (x, z) metres; ``sprite`` is reused across frames when given."""

    object_id: int
    look: VehicleLook
    x: float
    z: float
    sprite: Sprite | None = None


@dataclass(frozen=True)
class ObjectTruth:
    """What a frame shows of one vehicle (boxes in pixels, clipped to the frame)."""

    object_id: int
    kind: str
    box: Box
    visible: float
    plate_box: Box | None
    plate_text: str | None
    plate_visible: float


@dataclass(frozen=True)
class Street:
    """Everything static in a scene."""

    camera: PoleCamera
    layout: RoadLayout
    style: SceneStyle
    props: tuple[Prop, ...]
    lighting: Lighting
    close_up: bool = False


def random_street(rng: np.random.Generator, width: int, height: int) -> Street:
    """A random street seen by a random pole camera in random light."""
    layout = random_layout(rng)
    # Most cameras are zoomed checkpoint cameras (卡口) that see plates up close; the others overview a street.
    checkpoint = bool(rng.random() < 0.6)
    camera = PoleCamera(
        width=width,
        height=height,
        hfov_deg=float(rng.uniform(16.0, 36.0) if checkpoint else rng.uniform(30.0, 65.0)),
        height_m=float(rng.uniform(4.0, 6.5) if checkpoint else rng.uniform(4.0, 9.0)),
        pitch_deg=float(rng.uniform(12.0, 22.0) if checkpoint else rng.uniform(9.0, 24.0)),
        x_m=float(rng.uniform(layout.left_edge - 1.0, layout.right_edge + 1.0)),
        yaw_deg=float(rng.uniform(-8.0, 8.0)),
    )
    return Street(camera, layout, random_style(rng), tuple(random_props(rng, layout)), random_lighting(rng),
                  checkpoint)


class SceneRenderer:
    """Draws vehicles on one street; the ground and buildings are painted once and reused."""

    def __init__(self, street: Street, rng: np.random.Generator, font_path: Path | None = None) -> None:
        self.street = street
        self.font_path = font_path or find_cjk_font()
        cam = street.camera
        self._background = np.zeros((cam.height, cam.width, 3), np.uint8)
        paint_ground(self._background, cam, street.layout, street.style, rng)
        scratch = np.zeros((cam.height, cam.width), np.int32)
        # Buildings stand beyond the pavements, so nothing on the road or pavement is ever behind them.
        for prop in sorted((p for p in street.props if p.kind == "building"), key=lambda p: -prop_depth(cam, p)):
            draw_prop(self._background, scratch, cam, prop)
        self._upright = [p for p in street.props if p.kind != "building"]

    def sprite_for(self, placed: PlacedVehicle, px_per_m: float) -> Sprite:
        """The vehicle's cached sprite, or a fresh drawing at (at least) the needed resolution."""
        if placed.sprite is not None:
            return placed.sprite
        return draw_vehicle(placed.look, max(px_per_m, _MIN_SPRITE_PX_PER_M), self.font_path)

    def render(self, vehicles: list[PlacedVehicle], rng: np.random.Generator,
               with_effects: bool = True) -> tuple[np.ndarray, list[ObjectTruth]]:
        """Draw the vehicles (far ones first) and return the frame and what is visible of each."""
        cam = self.street.camera
        image = self._background.copy()
        mask = np.zeros((cam.height, cam.width), np.int32)
        items: list[tuple[float, object]] = []
        for placed in vehicles:
            foot, depth = cam.project(np.array([[placed.x, 0.0, placed.z]]))
            if depth[0] > 0.5:
                items.append((float(depth[0]), placed))
                scale = cam.focal_px / depth[0]
                draw_shadow(image, (foot[0, 0], foot[0, 1]), placed.look.width_m * scale, 0.45, 0.0)
        items += [(prop_depth(cam, prop), prop) for prop in self._upright if prop_depth(cam, prop) > 0.5]
        placements = {}
        for depth, item in sorted(items, key=lambda pair: -pair[0]):
            if isinstance(item, Prop):
                draw_prop(image, mask, cam, item)
                continue
            assert isinstance(item, PlacedVehicle)
            scale = cam.focal_px / depth
            foot, _ = cam.project(np.array([[item.x, 0.0, item.z]]))
            sprite = self.sprite_for(item, scale)
            placement = paste_sprite(image, mask, sprite, (foot[0, 0], foot[0, 1]), scale, item.object_id)
            if placement is not None:
                placements[item.object_id] = (item, placement)
        truths = []
        for placed, placement in placements.values():
            plate_text = placed.look.plate.text if placed.look.plate else None
            truths.append(ObjectTruth(
                object_id=placed.object_id,
                kind=placed.look.kind,
                box=_clip(placement.box, cam.width, cam.height),
                visible=visible_fraction(mask, placement),
                plate_box=_clip(placement.plate_box, cam.width, cam.height) if placement.plate_box else None,
                plate_text=plate_text,
                plate_visible=plate_visible_fraction(mask, placement),
            ))
        if with_effects:
            image = apply_lighting(image, self.street.lighting, rng)
        return image, truths


def _clip(box: Box, width: int, height: int) -> Box:
    x0, y0, x1, y1 = box
    return (max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1))


def random_vehicles(rng: np.random.Generator, street: Street, count: int) -> list[PlacedVehicle]:
    """Vehicles in lanes (facing the way their lane runs) and a few parked on the pavements."""
    layout, cam = street.layout, street.camera
    near = max(cam.nearest_visible_z() - 1.0, 1.0)
    far_z, bias = (40.0, 2.2) if street.close_up else (70.0, 1.4)
    placed: list[PlacedVehicle] = []
    taken: list[tuple[float, float]] = []
    lit = street.lighting.is_dark
    for object_id in range(1, count * 4):
        if len(placed) >= count:
            break
        kind = VEHICLE_KINDS[rng.choice(len(VEHICLE_KINDS), p=_KIND_WEIGHTS)]
        z = near + max(far_z - near, 5.0) * float(rng.random()) ** bias
        if rng.random() < 0.15:
            left = bool(rng.random() < 0.5)
            inner, outer = layout.pavement_span(left)
            x = float(rng.uniform(min(inner, outer) + 0.7, max(inner, outer) - 0.7))
            view = FRONT if rng.random() < 0.5 else REAR
        else:
            towards = layout.lanes_towards > 0 and (layout.lanes_away == 0 or rng.random() < 0.5)
            lanes = layout.lanes_towards if towards else layout.lanes_away
            x = layout.lane_centre(towards, int(rng.integers(lanes))) + float(rng.uniform(-0.6, 0.6))
            view = FRONT if towards else REAR
        if any(abs(x - tx) < 1.8 and abs(z - tz) < 4.5 for tx, tz in taken):
            continue  # no two vehicles on the same spot
        taken.append((x, z))
        # Plates are shown more often than on the street (where most tricycles carry none), so the
        # detector sees enough of them, on every kind, to learn the plate class.
        plated = kind != "two_wheeler" and bool(rng.random() < (0.95 if kind == "car" else 0.6))
        look = random_look(rng, kind, view, plated=plated, plate_scale=float(rng.uniform(1.0, 1.4)), lights_on=lit)
        placed.append(PlacedVehicle(object_id, look, x, z))
    return placed


def random_scene(rng: np.random.Generator, width: int, height: int,
                 font_path: Path | None = None) -> tuple[np.ndarray, list[ObjectTruth]]:
    """One random training still and the truth about every vehicle in it."""
    street = random_street(rng, width, height)
    renderer = SceneRenderer(street, rng, font_path)
    vehicles = random_vehicles(rng, street, int(rng.integers(3, 15)))
    return renderer.render(vehicles, rng)
