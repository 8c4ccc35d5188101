"""What every vehicle drawer shares: the look of one vehicle, its views, the mounted plate and the lamps.

Kept apart from ``vehicles.py`` and ``tricycles.py`` so that both drawers import it and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.synth.canvas import Color, SpriteCanvas, shade
from tools.synth.plates import PlateSpec, plate_aspect, render_plate

FRONT, REAR = "front", "rear"


@dataclass(frozen=True)
class VehicleLook:
    """Everything needed to draw one vehicle the same way in every frame."""

    kind: str
    view: str
    width_m: float
    height_m: float
    body: Color
    trim: Color
    rider: Color
    helmet: Color
    plate: PlateSpec | None
    plate_scale: float = 1.0
    canopy: bool = False
    lights_on: bool = False

    @property
    def plate_visible(self) -> bool:
        """Tricycles and two-wheelers carry their plate at the rear only."""
        if self.plate is None:
            return False
        return self.view == REAR or self.kind in ("car", "e_four_wheeler")


def draw_plate(canvas: SpriteCanvas, look: VehicleLook, centre_y: float, font_path: Path | None,
               centre_x: float = 0.0) -> None:
    """Mount the look's plate centred at (centre_x, centre_y) and remember its box, if it is visible."""
    if not look.plate_visible or look.plate is None:
        return
    height = 0.14 * look.plate_scale
    width = height * plate_aspect(look.plate.style)
    # Render at the size it will occupy (but legible), so small sprites do not alias the glyphs.
    render_h = int(np.clip(height * canvas.px_per_m * 2, 24, 140))
    image = render_plate(look.plate, render_h, font_path)
    x0, x1 = centre_x - width / 2, centre_x + width / 2
    y0, y1 = centre_y - height / 2, centre_y + height / 2
    canvas.rect(x0 - 0.015, y0 - 0.015, x1 + 0.015, y1 + 0.015, (30, 30, 30))  # holder frame
    canvas.plate_box = canvas.paste(image, x0, y0, x1, y1)


def lamp(canvas: SpriteCanvas, cx: float, cy: float, rx: float, ry: float, look: VehicleLook,
         rear: bool) -> None:
    """Head or tail lamp; lit lamps glow brighter (night scenes)."""
    if rear:
        color = (40, 40, 230) if look.lights_on else (50, 50, 170)
    else:
        color = (230, 255, 255) if look.lights_on else (200, 210, 215)
    canvas.ellipse(cx, cy, rx, ry, shade(color, 0.6))
    canvas.ellipse(cx, cy, rx * 0.75, ry * 0.7, color)
