"""The static part of a scene: road layout, ground painting and roadside props (buildings, trees, poles)."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from tools.synth.camera import PoleCamera
from tools.synth.canvas import Color, shade

_NEAR_DEPTH_M = 0.5
FAR_Z_M = 400.0


@dataclass(frozen=True)
class RoadLayout:
    """Lanes towards the camera lie left of X = 0, lanes going away lie right of it (right-hand traffic)."""

    lanes_towards: int
    lanes_away: int
    lane_width: float = 3.3
    pavement_left: float = 3.0
    pavement_right: float = 3.0
    kerb: float = 0.2

    @property
    def left_edge(self) -> float:
        """X of the road's left edge."""
        return -self.lanes_towards * self.lane_width

    @property
    def right_edge(self) -> float:
        """X of the road's right edge."""
        return self.lanes_away * self.lane_width

    def lane_centre(self, towards: bool, index: int) -> float:
        """X of lane ``index`` (0 = next to the centre line) for one direction."""
        offset = (index + 0.5) * self.lane_width
        return -offset if towards else offset

    def pavement_span(self, left: bool) -> tuple[float, float]:
        """(inner, outer) X of a pavement, kerb excluded."""
        if left:
            return self.left_edge - self.kerb, self.left_edge - self.kerb - self.pavement_left
        return self.right_edge + self.kerb, self.right_edge + self.kerb + self.pavement_right


@dataclass(frozen=True)
class SceneStyle:
    """Colours of one scene."""

    sky_top: Color
    sky_horizon: Color
    asphalt: Color
    pavement: Color
    verge: Color
    marking: Color = (225, 225, 225)
    centre_line: Color = (40, 180, 220)


@dataclass(frozen=True)
class Prop:
    """An upright roadside object drawn in depth order with the vehicles."""

    kind: str  # "building", "tree" or "pole"
    x: float
    z: float
    size: float
    color: Color
    extra: tuple[float, ...] = field(default=())


def random_layout(rng: np.random.Generator) -> RoadLayout:
    """A road of one to three lanes per direction (sometimes one-way)."""
    towards, away = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    if rng.random() < 0.15:
        towards = 0
    return RoadLayout(towards, away, float(rng.uniform(3.0, 3.6)), float(rng.uniform(2.0, 5.0)),
                      float(rng.uniform(2.0, 5.0)))


def random_style(rng: np.random.Generator) -> SceneStyle:
    """Colours for a day scene; lighting effects are applied later on the whole frame."""
    grey = int(rng.integers(70, 130))
    pavement = [(150, 150, 155), (120, 130, 170), (170, 165, 160), (110, 110, 115)][rng.integers(4)]
    verge = [(70, 120, 80), (90, 110, 120), (80, 90, 95)][rng.integers(3)]
    return SceneStyle(
        sky_top=(int(rng.integers(170, 230)), int(rng.integers(140, 190)), int(rng.integers(100, 150))),
        sky_horizon=(int(rng.integers(200, 240)), int(rng.integers(200, 230)), int(rng.integers(190, 225))),
        asphalt=(grey, grey, grey + int(rng.integers(-5, 6))),
        pavement=pavement,
        verge=verge,
    )


def _clip_ground(points_xz: list[tuple[float, float]], camera: PoleCamera) -> np.ndarray | None:
    """Project a ground polygon, clipped to the part in front of the camera (Sutherland-Hodgman, one plane)."""
    world = np.array([[x, 0.0, z] for x, z in points_xz])
    _, depth = camera.project(world)
    kept: list[np.ndarray] = []
    n = len(world)
    for i in range(n):
        a, b = world[i], world[(i + 1) % n]
        da, db = depth[i] - _NEAR_DEPTH_M, depth[(i + 1) % n] - _NEAR_DEPTH_M
        if da >= 0:
            kept.append(a)
        if (da >= 0) != (db >= 0):
            kept.append(a + (b - a) * (da / (da - db)))
    if len(kept) < 3:
        return None
    pixels, _ = camera.project(np.array(kept))
    return np.round(pixels * 16).astype(np.int32)  # 4 bits of sub-pixel precision for fillPoly


def fill_ground(image: np.ndarray, camera: PoleCamera, points_xz: list[tuple[float, float]], color: Color) -> None:
    """Paint a polygon lying on the road plane."""
    pts = _clip_ground(points_xz, camera)
    if pts is not None:
        cv2.fillPoly(image, [pts], color, cv2.LINE_AA, shift=4)


def paint_ground(image: np.ndarray, camera: PoleCamera, layout: RoadLayout, style: SceneStyle,
                 rng: np.random.Generator) -> None:
    """Sky, verges, pavements, kerbs, asphalt and lane markings."""
    h = image.shape[0]
    horizon = int(np.clip(camera.horizon_row(), 0, h))
    t = np.linspace(0, 1, max(horizon, 1))[:, None, None]
    sky = np.array(style.sky_top, np.float32) * (1 - t) + np.array(style.sky_horizon, np.float32) * t
    image[:horizon] = sky.astype(np.uint8)[:horizon]
    image[horizon:] = style.verge
    z0, z1 = 0.0, FAR_Z_M
    for left in (True, False):
        inner, outer = layout.pavement_span(left)
        fill_ground(image, camera, [(inner, z0), (outer, z0), (outer, z1), (inner, z1)], style.pavement)
        for z in np.arange(1.0, 60.0, 1.0 if rng.random() < 0.5 else 0.6):  # paving joints
            fill_ground(image, camera, [(inner, z), (outer, z), (outer, z + 0.04), (inner, z + 0.04)],
                        shade(style.pavement, 0.85))
        edge = layout.left_edge if left else layout.right_edge
        fill_ground(image, camera, [(edge, z0), (inner, z0), (inner, z1), (edge, z1)], (190, 190, 190))
    left, right = layout.left_edge, layout.right_edge
    fill_ground(image, camera, [(left, z0), (right, z0), (right, z1), (left, z1)], style.asphalt)
    for _ in range(6):  # patches of darker or lighter asphalt
        x, z = rng.uniform(left, right), rng.uniform(5, 80)
        size = rng.uniform(1, 4)
        fill_ground(image, camera, [(x, z), (x + size, z), (x + size, z + size * 2), (x, z + size * 2)],
                    shade(style.asphalt, float(rng.uniform(0.85, 1.12))))
    _paint_markings(image, camera, layout, style, rng)


def _paint_markings(image: np.ndarray, camera: PoleCamera, layout: RoadLayout, style: SceneStyle,
                    rng: np.random.Generator) -> None:
    w = 0.15
    for edge in (layout.left_edge + 0.3, layout.right_edge - 0.3):
        fill_ground(image, camera, [(edge - w / 2, 0), (edge + w / 2, 0), (edge + w / 2, FAR_Z_M),
                                    (edge - w / 2, FAR_Z_M)], style.marking)
    if layout.lanes_towards and layout.lanes_away:
        for x in (-0.12, 0.12):
            fill_ground(image, camera, [(x - w / 2, 0), (x + w / 2, 0), (x + w / 2, FAR_Z_M),
                                        (x - w / 2, FAR_Z_M)], style.centre_line)
    phase = float(rng.uniform(0, 9))
    for towards, count in ((True, layout.lanes_towards), (False, layout.lanes_away)):
        for index in range(1, count):
            x = layout.lane_centre(towards, index) + (layout.lane_width / 2 if towards else -layout.lane_width / 2)
            for z in np.arange(phase, 150.0, 9.0):
                fill_ground(image, camera, [(x - w / 2, z), (x + w / 2, z), (x + w / 2, z + 3),
                                            (x - w / 2, z + 3)], style.marking)


def road_polygon(camera: PoleCamera, layout: RoadLayout, far_z: float = 120.0) -> np.ndarray:
    """The carriageway as an image polygon (pixels, clipped to the image), for camera zones."""
    pts = _clip_ground([(layout.left_edge, 0), (layout.right_edge, 0), (layout.right_edge, far_z),
                        (layout.left_edge, far_z)], camera)
    if pts is None:
        return np.zeros((0, 2), np.float32)
    frame = np.array([[0, 0], [camera.width, 0], [camera.width, camera.height], [0, camera.height]], np.float32)
    inside, clipped = cv2.intersectConvexConvex(pts.astype(np.float32) / 16, frame)
    return clipped.reshape(-1, 2) if inside > 0 else np.zeros((0, 2), np.float32)


def random_props(rng: np.random.Generator, layout: RoadLayout) -> list[Prop]:
    """Buildings behind the pavements, trees and lamp poles along them."""
    props: list[Prop] = []
    for left in (True, False):
        inner, outer = layout.pavement_span(left)
        sign = -1.0 if left else 1.0
        z = float(rng.uniform(0, 10))
        while z < 160:
            length = float(rng.uniform(8, 30))
            colour = tuple(int(c) for c in rng.integers(90, 220, 3))
            props.append(Prop("building", outer + sign * float(rng.uniform(0.5, 4)), z, float(rng.uniform(6, 25)),
                              colour, (length,)))  # type: ignore[arg-type]
            z += length + float(rng.uniform(0, 6))
        spacing = float(rng.uniform(8, 20))
        for z in np.arange(float(rng.uniform(2, spacing)), 120, spacing):
            kind = "tree" if rng.random() < 0.6 else "pole"
            x = outer + sign * 0.5 if kind == "tree" else inner + sign * 0.4
            size = float(rng.uniform(3, 6)) if kind == "tree" else float(rng.uniform(6, 9))
            colour = (int(rng.integers(30, 70)), int(rng.integers(90, 140)), int(rng.integers(40, 80)))
            props.append(Prop(kind, x, float(z), size, colour if kind == "tree" else (110, 110, 115)))
    return props


def prop_depth(camera: PoleCamera, prop: Prop) -> float:
    """Depth used to order props with vehicles (buildings by their nearest end)."""
    _, depth = camera.project(np.array([[prop.x, 0.0, prop.z]]))
    return float(depth[0])


def draw_prop(image: np.ndarray, mask: np.ndarray, camera: PoleCamera, prop: Prop) -> None:
    """Draw a prop and mark its pixels as occluder (-1) in the object mask."""
    layer = np.zeros(mask.shape, np.uint8)
    if prop.kind == "building":
        (length,) = prop.extra
        quad = [(prop.x, 0, prop.z), (prop.x, 0, prop.z + length), (prop.x, prop.size, prop.z + length),
                (prop.x, prop.size, prop.z)]
        pts, depth = camera.project(np.array(quad, np.float64))
        if (depth <= _NEAR_DEPTH_M).any():
            return
        poly = np.round(pts * 16).astype(np.int32)
        cv2.fillPoly(image, [poly], prop.color, cv2.LINE_AA, shift=4)
        cv2.fillPoly(layer, [poly], 1, shift=4)
        for y in np.arange(2.0, prop.size - 1, 3.0):  # window rows
            row = [(prop.x, y, prop.z + 1), (prop.x, y, prop.z + length - 1), (prop.x, y + 1.2, prop.z + length - 1),
                   (prop.x, y + 1.2, prop.z + 1)]
            wpts, _ = camera.project(np.array(row, np.float64))
            cv2.fillPoly(image, [np.round(wpts * 16).astype(np.int32)], shade(prop.color, 0.55), cv2.LINE_AA, shift=4)
    else:
        scale = camera.scale_at(prop.x, prop.z)
        foot, _ = camera.project(np.array([[prop.x, 0.0, prop.z]]))
        u, v = foot[0]
        top = v - prop.size * scale
        trunk = max(1, int(round((0.25 if prop.kind == "tree" else 0.15) * scale)))
        for target, value in ((image, (50, 60, 70) if prop.kind == "tree" else prop.color), (layer, 1)):
            cv2.line(target, (int(u), int(v)), (int(u), int(top)), value, trunk)
        if prop.kind == "tree":
            radius = max(1, int(prop.size * 0.35 * scale))
            for target, value in ((image, prop.color), (layer, 1)):
                cv2.circle(target, (int(u), int(top)), radius, value, -1, cv2.LINE_AA)
        else:
            arm = int(1.5 * scale) * (1 if prop.x < 0 else -1)
            for target, value in ((image, prop.color), (layer, 1)):
                cv2.line(target, (int(u), int(top)), (int(u) + arm, int(top)), value, max(1, trunk // 2))
    mask[layer > 0] = -1
