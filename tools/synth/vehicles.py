"""Vehicle looks (kind, view, colours, plate) and their procedural drawings for cars and four-wheelers.

Views are what a pole camera sees: ``front`` for vehicles coming towards it, ``rear`` for those driving away,
both slightly from above (roofs show). Tricycles and two-wheelers are drawn in ``tricycles.py``;
what both drawers share is in ``parts.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tools.synth import tricycles
from tools.synth.canvas import Color, Sprite, SpriteCanvas, mix, shade
from tools.synth.parts import FRONT, REAR, VehicleLook, draw_plate, lamp
from tools.synth.plates import BLUE, GREEN, random_plate

VEHICLE_KINDS = ("e_tricycle", "fuel_tricycle", "e_four_wheeler", "car", "two_wheeler")

# Nominal width and height in metres, before a per-vehicle jitter.
_SIZE_M = {
    "car": (1.80, 1.55),
    "e_four_wheeler": (1.30, 1.62),
    "e_tricycle": (1.15, 1.65),
    "fuel_tricycle": (1.40, 1.80),
    "two_wheeler": (0.62, 1.70),
}
# Probability of carrying a plate, and which styles: the campaign is about unplated tricycles and
# four-wheelers, while ordinary cars almost always have one.
_PLATE_ODDS = {
    "car": (0.95, (BLUE, BLUE, BLUE, GREEN)),
    "e_four_wheeler": (0.25, (GREEN, GREEN, BLUE)),
    "e_tricycle": (0.20, (BLUE,)),
    "fuel_tricycle": (0.35, (BLUE,)),
    "two_wheeler": (0.0, (BLUE,)),
}
_CAR_PAINT: tuple[Color, ...] = ((235, 235, 235), (25, 25, 28), (175, 175, 180), (40, 40, 170), (120, 70, 20),
                                 (90, 90, 95), (200, 200, 205), (30, 60, 110))
_MICRO_EV_PAINT: tuple[Color, ...] = ((90, 90, 225), (180, 150, 240), (225, 190, 120), (240, 240, 240),
                                      (80, 200, 230), (120, 200, 120), (200, 120, 60), (60, 60, 200))
_TRICYCLE_PAINT: tuple[Color, ...] = ((170, 90, 30), (50, 50, 190), (60, 140, 60), (200, 160, 40),
                                      (210, 210, 210), (40, 110, 200))
_CLOTHES: tuple[Color, ...] = ((40, 40, 40), (160, 60, 30), (40, 40, 150), (200, 200, 200), (60, 110, 60),
                               (30, 150, 220))


def random_look(rng: np.random.Generator, kind: str, view: str | None = None, plated: bool | None = None,
                plate_scale: float = 1.0, lights_on: bool = False, plate_style: str | None = None) -> VehicleLook:
    """A random look for a vehicle of ``kind``; plate odds and style follow the campaign's reality unless forced."""
    if kind not in _SIZE_M:
        raise ValueError(f"unknown vehicle kind {kind!r}")
    width, height = _SIZE_M[kind]
    jitter = float(rng.uniform(0.92, 1.08))
    odds, styles = _PLATE_ODDS[kind]
    if plated is None:
        plated = bool(rng.random() < odds)
    plate = None
    if plated:
        plate = random_plate(rng, plate_style or styles[rng.integers(len(styles))])
    palette = {"car": _CAR_PAINT, "e_four_wheeler": _MICRO_EV_PAINT}.get(kind, _TRICYCLE_PAINT)
    body = _jitter_colour(rng, palette[rng.integers(len(palette))])
    trim = _jitter_colour(rng, palette[rng.integers(len(palette))])
    return VehicleLook(
        kind=kind,
        view=view or (FRONT if rng.random() < 0.5 else REAR),
        width_m=width * jitter,
        height_m=height * float(rng.uniform(0.95, 1.05)) * jitter,
        body=body,
        trim=trim,
        rider=_jitter_colour(rng, _CLOTHES[rng.integers(len(_CLOTHES))]),
        helmet=_jitter_colour(rng, _CLOTHES[rng.integers(len(_CLOTHES))]),
        plate=plate,
        plate_scale=plate_scale,
        canopy=bool(rng.random() < 0.4),
        lights_on=lights_on,
    )


def _jitter_colour(rng: np.random.Generator, color: Color) -> Color:
    return tuple(int(np.clip(c + rng.integers(-18, 19), 0, 255)) for c in color)  # type: ignore[return-value]


def draw_vehicle(look: VehicleLook, px_per_m: float, font_path: Path | None = None) -> Sprite:
    """Draw ``look`` at ``px_per_m`` pixels per metre."""
    canvas = SpriteCanvas(look.width_m + 0.4, look.height_m + 0.6, px_per_m)
    drawers = {
        "car": _draw_car,
        "e_four_wheeler": _draw_micro_ev,
        "e_tricycle": tricycles.draw_e_tricycle,
        "fuel_tricycle": tricycles.draw_fuel_tricycle,
        "two_wheeler": tricycles.draw_two_wheeler,
    }
    drawers[look.kind](canvas, look, font_path)
    return canvas.sprite()


def _glass(look: VehicleLook) -> Color:
    return mix((60, 50, 40), look.body, 0.15)


def _draw_car(canvas: SpriteCanvas, look: VehicleLook, font_path: Path | None) -> None:
    w, h = look.width_m / 2, look.height_m
    body, dark = look.body, shade(look.body, 0.7)
    canvas.wheel(-w * 0.78, 0.0, 0.22, 0.42)
    canvas.wheel(w * 0.78, 0.0, 0.22, 0.42)
    canvas.rect(-w, 0.18, w, 0.72, body, radius=0.12)
    canvas.rect(-w, 0.18, w, 0.30, dark, radius=0.06)  # bumper
    # Roof and glass seen from above: the roof is lighter, the glass a dark trapezoid.
    canvas.poly([(-w * 0.95, 0.72), (w * 0.95, 0.72), (w * 0.72, h * 0.80), (-w * 0.72, h * 0.80)], dark)
    canvas.poly([(-w * 0.86, 0.76), (w * 0.86, 0.76), (w * 0.68, h * 0.78), (-w * 0.68, h * 0.78)], _glass(look))
    canvas.poly([(-w * 0.4, h * 0.6), (-w * 0.2, h * 0.6), (-w * 0.5, 0.8), (-w * 0.7, 0.8)],
                mix(_glass(look), (220, 220, 220), 0.3))  # reflection
    canvas.rect(-w * 0.72, h * 0.80, w * 0.72, h, shade(body, 1.12), radius=0.08)
    if look.view == FRONT:
        canvas.rect(-w * 1.05, 0.78, -w * 0.9, 0.88, dark)  # mirrors
        canvas.rect(w * 0.9, 0.78, w * 1.05, 0.88, dark)
        canvas.rect(-w * 0.38, 0.44, w * 0.38, 0.62, (35, 35, 38), radius=0.04)  # grille
        lamp(canvas, -w * 0.72, 0.56, 0.16, 0.06, look, rear=False)
        lamp(canvas, w * 0.72, 0.56, 0.16, 0.06, look, rear=False)
        draw_plate(canvas, look, 0.34, font_path)
    else:
        canvas.rect(-w * 0.9, 0.55, w * 0.9, 0.70, shade(body, 0.9))  # boot lid
        lamp(canvas, -w * 0.78, 0.58, 0.14, 0.07, look, rear=True)
        lamp(canvas, w * 0.78, 0.58, 0.14, 0.07, look, rear=True)
        draw_plate(canvas, look, 0.40, font_path)


def _draw_micro_ev(canvas: SpriteCanvas, look: VehicleLook, font_path: Path | None) -> None:
    """A boxy low-speed electric four-wheeler: narrow, tall, near-vertical glass, two-tone paint."""
    w, h = look.width_m / 2, look.height_m
    body, roof = look.body, (235, 235, 235) if sum(look.body) < 600 else (60, 60, 60)
    canvas.wheel(-w * 0.8, 0.0, 0.16, 0.32)
    canvas.wheel(w * 0.8, 0.0, 0.16, 0.32)
    canvas.rect(-w, 0.14, w, 0.80, body, radius=0.10)
    canvas.rect(-w, 0.14, w, 0.24, (45, 45, 45), radius=0.05)  # black bumper strip
    canvas.rect(-w * 0.98, 0.80, w * 0.98, h * 0.88, shade(body, 0.85), radius=0.06)  # pillars
    canvas.rect(-w * 0.86, 0.84, w * 0.86, h * 0.85, _glass(look), radius=0.04)
    canvas.rect(-w * 0.2, 0.84, w * 0.2, h * 0.85, mix(_glass(look), (230, 230, 230), 0.25))
    canvas.rect(-w * 0.96, h * 0.88, w * 0.96, h, roof, radius=0.07)
    if look.view == FRONT:
        canvas.line(-w * 0.1, 0.84, w * 0.3, h * 0.84, (25, 25, 25), 0.02)  # single wiper
        lamp(canvas, -w * 0.66, 0.60, 0.11, 0.11, look, rear=False)  # round lamps
        lamp(canvas, w * 0.66, 0.60, 0.11, 0.11, look, rear=False)
        canvas.rect(-w * 0.3, 0.52, w * 0.3, 0.58, shade(body, 0.6), radius=0.02)
        draw_plate(canvas, look, 0.36, font_path)
    else:
        lamp(canvas, -w * 0.74, 0.62, 0.08, 0.12, look, rear=True)
        lamp(canvas, w * 0.74, 0.62, 0.08, 0.12, look, rear=True)
        canvas.ellipse(0.0, 0.62, 0.16, 0.12, shade(body, 0.75))  # badge recess
        draw_plate(canvas, look, 0.38, font_path)
