"""Putting sprites into a frame (with occlusion bookkeeping) and the whole-frame photometric effects."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from tools.synth.canvas import Sprite

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Placement:
    """Where a sprite landed: its full (unclipped) box, its plate box, and how many of its pixels it has."""

    object_id: int
    box: Box
    plate_box: Box | None
    opaque_pixels: int
    plate_pixels: int


def paste_sprite(image: np.ndarray, mask: np.ndarray, sprite: Sprite, foot_uv: tuple[float, float],
                 px_per_m: float, object_id: int) -> Placement | None:
    """Alpha-blend ``sprite`` scaled to ``px_per_m`` with its bottom centre at ``foot_uv``; mark ``mask``."""
    factor = px_per_m / sprite.px_per_m
    sw, sh = sprite.size
    w, h = max(1, int(round(sw * factor))), max(1, int(round(sh * factor)))
    x0 = int(round(foot_uv[0] - w / 2))
    y0 = int(round(foot_uv[1] - h))
    box = (float(x0), float(y0), float(x0 + w), float(y0 + h))
    plate_box = None
    if sprite.plate_box is not None:
        px0, py0, px1, py1 = sprite.plate_box
        plate_box = (x0 + px0 * factor, y0 + py0 * factor, x0 + px1 * factor, y0 + py1 * factor)
    H, W = image.shape[:2]
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x0 + w, W), min(y0 + h, H)
    if cx1 <= cx0 or cy1 <= cy0:
        return None
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(sprite.image, (w, h), interpolation=interp) if (w, h) != (sw, sh) else sprite.image
    part = scaled[cy0 - y0: cy1 - y0, cx0 - x0: cx1 - x0]
    alpha = part[:, :, 3:4].astype(np.float32) / 255.0
    region = image[cy0:cy1, cx0:cx1]
    region[:] = (region.astype(np.float32) * (1 - alpha) + part[:, :, :3].astype(np.float32) * alpha).astype(np.uint8)
    mask[cy0:cy1, cx0:cx1][part[:, :, 3] > 127] = object_id
    opaque = int((scaled[:, :, 3] > 127).sum())
    plate_pixels = 0
    if plate_box is not None:
        plate_pixels = max(1, int(round((plate_box[2] - plate_box[0]) * (plate_box[3] - plate_box[1]))))
    return Placement(object_id, box, plate_box, opaque, plate_pixels)


def draw_shadow(image: np.ndarray, foot_uv: tuple[float, float], width_px: float, strength: float,
                offset_px: float) -> None:
    """A soft dark patch on the ground under a vehicle (sun shadow when offset, ambient otherwise)."""
    if width_px < 3:
        return
    u, v = foot_uv
    rx, ry = int(width_px * 0.6), max(1, int(width_px * 0.12))
    pad = rx + abs(int(offset_px)) + 4
    H, W = image.shape[:2]
    x0, x1 = max(int(u) - pad, 0), min(int(u) + pad, W)
    y0, y1 = max(int(v) - ry * 3, 0), min(int(v) + ry * 3, H)
    if x1 <= x0 or y1 <= y0:
        return
    patch = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.ellipse(patch, (int(u + offset_px) - x0, int(v) - y0), (rx, ry), 0, 0, 360, strength, -1, cv2.LINE_AA)
    patch = cv2.GaussianBlur(patch, (0, 0), max(0.8, ry / 2))
    region = image[y0:y1, x0:x1].astype(np.float32)
    image[y0:y1, x0:x1] = (region * (1 - patch[:, :, None])).astype(np.uint8)


def visible_fraction(mask: np.ndarray, placement: Placement) -> float:
    """Share of the object's pixels that are on screen and not hidden by something nearer."""
    x0, y0, x1, y1 = (int(round(c)) for c in placement.box)
    H, W = mask.shape
    sub = mask[max(y0, 0): min(y1, H), max(x0, 0): min(x1, W)]
    return float((sub == placement.object_id).sum()) / max(placement.opaque_pixels, 1)


def plate_visible_fraction(mask: np.ndarray, placement: Placement) -> float:
    """Share of the plate's pixels that are on screen and not hidden."""
    if placement.plate_box is None:
        return 0.0
    x0, y0, x1, y1 = (int(round(c)) for c in placement.plate_box)
    H, W = mask.shape
    sub = mask[max(y0, 0): min(y1, H), max(x0, 0): min(x1, W)]
    return float((sub == placement.object_id).sum()) / max(placement.plate_pixels, 1)


@dataclass(frozen=True)
class Lighting:
    """Whole-frame look: exposure, colour cast, gamma, blur, sensor noise."""

    gain: float = 1.0
    cast: tuple[float, float, float] = (1.0, 1.0, 1.0)
    gamma: float = 1.0
    blur_sigma: float = 0.0
    motion_blur_px: int = 0
    noise_sigma: float = 0.0
    haze: float = 0.0

    @property
    def is_dark(self) -> bool:
        """Dusk or night: vehicles run with their lamps on."""
        return self.gain < 0.55


def random_lighting(rng: np.random.Generator) -> Lighting:
    """Day, overcast, low sun or dusk, with varied optics."""
    mood = rng.choice(["day", "overcast", "low_sun", "dusk"], p=[0.45, 0.25, 0.15, 0.15])
    gain = {"day": rng.uniform(0.85, 1.2), "overcast": rng.uniform(0.7, 0.95),
            "low_sun": rng.uniform(0.8, 1.1), "dusk": rng.uniform(0.35, 0.55)}[str(mood)]
    cast = {"low_sun": (0.85, 0.95, 1.15), "dusk": (1.1, 0.95, 0.9)}.get(str(mood), (1.0, 1.0, 1.0))
    cast = tuple(float(c * rng.uniform(0.95, 1.05)) for c in cast)
    return Lighting(
        gain=float(gain),
        cast=cast,  # type: ignore[arg-type]
        gamma=float(rng.uniform(0.8, 1.25)),
        blur_sigma=float(rng.choice([0.0, 0.0, rng.uniform(0.4, 1.3)])),
        motion_blur_px=int(rng.choice([0, 0, 0, int(rng.integers(3, 8))])),
        noise_sigma=float(rng.uniform(0, 7)),
        haze=float(rng.uniform(0, 0.25) if mood == "overcast" else rng.uniform(0, 0.08)),
    )


def apply_lighting(image: np.ndarray, lighting: Lighting, rng: np.random.Generator) -> np.ndarray:
    """Return the frame as the camera would record it under ``lighting``."""
    out = image.astype(np.float32) / 255.0
    if lighting.haze > 0:
        out = out * (1 - lighting.haze) + 0.8 * lighting.haze
    out = np.clip(out * lighting.gain * np.array(lighting.cast, np.float32), 0, 1) ** lighting.gamma
    out = out * 255.0
    if lighting.blur_sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), lighting.blur_sigma)
    if lighting.motion_blur_px > 1:
        kernel = np.zeros((lighting.motion_blur_px, lighting.motion_blur_px), np.float32)
        kernel[lighting.motion_blur_px // 2, :] = 1.0 / lighting.motion_blur_px
        if rng.random() < 0.5:
            kernel = kernel.T  # vehicles move mostly up and down the image
        out = cv2.filter2D(out, -1, kernel)
    if lighting.noise_sigma > 0:
        out = out + rng.normal(0, lighting.noise_sigma, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)
