"""Procedural drawings of e-tricycles, fuel tricycles and two-wheelers (front and rear views).

The two tricycle kinds differ the way they do on the street: an e-tricycle is small with an open seat (the
rider shows), a low cargo bed and no engine; a fuel tricycle has a closed cab with a big windscreen, a
high-railed cargo bed, a dark engine block between its larger rear wheels and an exhaust pipe.
"""

from __future__ import annotations

from pathlib import Path

from tools.synth.canvas import SpriteCanvas, mix, shade
from tools.synth.parts import FRONT, VehicleLook, draw_plate, lamp

_GLASS = (70, 58, 45)
_METAL = (95, 95, 100)


def _rider(canvas: SpriteCanvas, look: VehicleLook, seat_y: float, torso_w: float, from_front: bool) -> None:
    """Seated rider: torso, arms towards the handlebar when seen from the front, helmeted head."""
    torso_top = seat_y + 0.50
    canvas.rect(-torso_w / 2, seat_y, torso_w / 2, torso_top, look.rider, radius=0.08)
    if from_front:
        canvas.line(-torso_w / 2, torso_top - 0.08, -torso_w * 0.8, seat_y + 0.05, shade(look.rider, 0.8), 0.08)
        canvas.line(torso_w / 2, torso_top - 0.08, torso_w * 0.8, seat_y + 0.05, shade(look.rider, 0.8), 0.08)
    canvas.ellipse(0.0, torso_top + 0.05, 0.07, 0.05, (120, 150, 190))  # neck and chin
    canvas.ellipse(0.0, torso_top + 0.13, 0.12, 0.13, look.helmet)
    if from_front:
        canvas.rect(-0.08, torso_top + 0.08, 0.08, torso_top + 0.15, (40, 40, 40), radius=0.02)  # visor


def _canopy(canvas: SpriteCanvas, look: VehicleLook, half_w: float, base_y: float) -> None:
    top = look.height_m
    canvas.line(-half_w * 0.85, base_y, -half_w * 0.85, top - 0.05, _METAL, 0.035)
    canvas.line(half_w * 0.85, base_y, half_w * 0.85, top - 0.05, _METAL, 0.035)
    canvas.rect(-half_w, top - 0.10, half_w, top, look.trim, radius=0.03)


def draw_e_tricycle(canvas: SpriteCanvas, look: VehicleLook, font_path: Path | None) -> None:
    """Small electric tricycle with an open seat and a low cargo bed."""
    w = look.width_m / 2
    body = look.body
    if look.view == FRONT:
        canvas.rect(-w, 0.36, w, 0.76, shade(body, 0.8), radius=0.03)  # bed behind, seen at the sides
        canvas.wheel(-w * 0.86, 0.0, 0.13, 0.34)
        canvas.wheel(w * 0.86, 0.0, 0.13, 0.34)
        if look.canopy:
            _canopy(canvas, look, w, 0.76)
        _rider(canvas, look, 0.88, 0.40, from_front=True)
        canvas.wheel(0.0, 0.0, 0.11, 0.44)
        canvas.rect(-0.07, 0.30, 0.07, 0.48, _METAL)  # fork
        canvas.poly([(-0.16, 0.40), (0.16, 0.40), (0.24, 1.00), (-0.24, 1.00)], body)  # leg shield
        canvas.line(-0.36, 1.04, 0.36, 1.04, (40, 40, 40), 0.035)  # handlebar
        canvas.ellipse(-0.36, 1.18, 0.045, 0.035, (200, 200, 200))
        canvas.ellipse(0.36, 1.18, 0.045, 0.035, (200, 200, 200))
        lamp(canvas, 0.0, 0.88, 0.07, 0.06, look, rear=False)
        return
    canvas.wheel(-w * 0.82, 0.0, 0.15, 0.38)
    canvas.wheel(w * 0.82, 0.0, 0.15, 0.38)
    canvas.line(-w * 0.82, 0.18, w * 0.82, 0.18, _METAL, 0.04)  # axle, no engine
    if look.canopy:
        _canopy(canvas, look, w, 0.80)
    _rider(canvas, look, 0.86, 0.40, from_front=False)
    canvas.rect(-w, 0.30, w, 0.80, body, radius=0.02)
    for y in (0.42, 0.54, 0.66):  # pressed ribs on the tailgate
        canvas.line(-w * 0.9, y, w * 0.9, y, shade(body, 0.8), 0.015)
    canvas.rect(-w, 0.76, w, 0.82, shade(body, 1.2))
    lamp(canvas, -w * 0.86, 0.70, 0.05, 0.04, look, rear=True)
    lamp(canvas, w * 0.86, 0.70, 0.05, 0.04, look, rear=True)
    draw_plate(canvas, look, 0.52, font_path)


def draw_fuel_tricycle(canvas: SpriteCanvas, look: VehicleLook, font_path: Path | None) -> None:
    """Fuel tricycle: closed cab, high-railed bed, engine block and exhaust pipe."""
    w, h = look.width_m / 2, look.height_m
    cab, rails = look.body, mix(look.trim, (60, 120, 40), 0.5)
    if look.view == FRONT:
        canvas.rect(-w, 0.45, w, 1.10, rails, radius=0.02)  # railed bed behind the cab
        canvas.wheel(-w * 0.86, 0.0, 0.17, 0.46)
        canvas.wheel(w * 0.86, 0.0, 0.17, 0.46)
        canvas.line(w * 0.80, 0.25, w * 0.98, 0.95, (60, 60, 60), 0.06)  # exhaust stack at the side
        canvas.rect(w * 0.9, 0.92, w * 1.04, 1.0, (20, 20, 20))
        canvas.wheel(0.0, 0.0, 0.13, 0.50)
        cw = w * 0.72
        canvas.rect(-cw, 0.36, cw, h * 0.93, cab, radius=0.08)
        canvas.rect(-cw * 0.88, 0.98, cw * 0.88, h * 0.86, _GLASS, radius=0.04)
        canvas.poly([(-cw * 0.5, h * 0.84), (-cw * 0.2, h * 0.84), (-cw * 0.5, 1.0), (-cw * 0.8, 1.0)],
                    mix(_GLASS, (220, 220, 220), 0.3))
        canvas.rect(-cw * 1.02, h * 0.90, cw * 1.02, h, shade(cab, 1.15), radius=0.04)  # roof
        for y in (0.52, 0.60, 0.68):  # grille bars
            canvas.line(-cw * 0.35, y, cw * 0.35, y, (30, 30, 30), 0.025)
        lamp(canvas, -cw * 0.72, 0.80, 0.09, 0.09, look, rear=False)
        lamp(canvas, cw * 0.72, 0.80, 0.09, 0.09, look, rear=False)
        return
    canvas.wheel(-w * 0.84, 0.0, 0.19, 0.50)
    canvas.wheel(w * 0.84, 0.0, 0.19, 0.50)
    canvas.rect(-0.30, 0.16, 0.30, 0.46, (45, 45, 48), radius=0.04)  # engine block
    for x in (-0.18, -0.06, 0.06, 0.18):  # cooling fins
        canvas.line(x, 0.20, x, 0.42, (80, 80, 85), 0.02)
    canvas.line(0.2, 0.24, w * 0.62, 0.24, (70, 70, 70), 0.05)  # exhaust pipe
    canvas.ellipse(w * 0.64, 0.24, 0.045, 0.04, (15, 15, 15))
    cw = w * 0.66
    canvas.rect(-cw, 1.0, cw, h * 0.94, cab, radius=0.06)  # cab back above the bed
    canvas.rect(-cw * 0.7, 1.22, cw * 0.7, h * 0.84, _GLASS, radius=0.03)
    canvas.rect(-cw * 1.02, h * 0.92, cw * 1.02, h, shade(cab, 1.15), radius=0.04)
    canvas.rect(-w, 0.46, w, 1.14, shade(rails, 0.75))
    canvas.rect(-w * 0.94, 0.52, w * 0.94, 1.08, shade(rails, 0.55))
    for i in range(9):  # vertical rail bars
        x = -w * 0.9 + i * (w * 1.8 / 8)
        canvas.line(x, 0.50, x, 1.10, rails, 0.03)
    canvas.rect(-w, 1.08, w, 1.16, shade(rails, 1.2))
    canvas.rect(-w, 0.46, w, 0.56, rails)
    lamp(canvas, -w * 0.88, 0.62, 0.07, 0.05, look, rear=True)
    lamp(canvas, w * 0.88, 0.62, 0.07, 0.05, look, rear=True)
    draw_plate(canvas, look, 0.66, font_path)


def draw_two_wheeler(canvas: SpriteCanvas, look: VehicleLook, font_path: Path | None) -> None:
    """Scooter or e-bike with its rider (a distractor class; drawn without a plate)."""
    del font_path
    body = look.body
    trousers = shade(look.rider, 0.5)
    canvas.wheel(0.0, 0.0, 0.10, 0.52)
    canvas.rect(-0.27, 0.40, -0.12, 0.92, trousers, radius=0.05)  # legs either side
    canvas.rect(0.12, 0.40, 0.27, 0.92, trousers, radius=0.05)
    _rider(canvas, look, 0.92, 0.40, from_front=look.view == FRONT)
    if look.view == FRONT:
        canvas.poly([(-0.12, 0.35), (0.12, 0.35), (0.19, 1.0), (-0.19, 1.0)], body)
        canvas.line(-0.31, 1.04, 0.31, 1.04, (40, 40, 40), 0.03)
        lamp(canvas, 0.0, 0.90, 0.06, 0.05, look, rear=False)
    else:
        canvas.poly([(-0.10, 0.40), (0.10, 0.40), (0.16, 0.90), (-0.16, 0.90)], body)
        lamp(canvas, 0.0, 0.82, 0.05, 0.035, look, rear=True)
