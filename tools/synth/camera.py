"""A pinhole camera on a pole above a flat road.

World frame in metres: X to the right across the road, Y up, Z along the road away from the camera's foot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PoleCamera:
    """Camera mounted ``height_m`` above the ground at lateral position ``x_m``, pitched down and yawed."""

    width: int
    height: int
    hfov_deg: float
    height_m: float
    pitch_deg: float
    x_m: float = 0.0
    yaw_deg: float = 0.0

    @property
    def focal_px(self) -> float:
        """Focal length in pixels."""
        return (self.width / 2) / math.tan(math.radians(self.hfov_deg) / 2)

    def _camera_coords(self, points: np.ndarray) -> np.ndarray:
        """World points (N, 3) to camera coordinates (right, up, forward)."""
        d = np.asarray(points, np.float64) - np.array([self.x_m, self.height_m, 0.0])
        yaw, pitch = math.radians(self.yaw_deg), math.radians(self.pitch_deg)
        x = d[:, 0] * math.cos(yaw) - d[:, 2] * math.sin(yaw)
        z = d[:, 0] * math.sin(yaw) + d[:, 2] * math.cos(yaw)
        y = d[:, 1]
        up = y * math.cos(pitch) + z * math.sin(pitch)
        forward = -y * math.sin(pitch) + z * math.cos(pitch)
        return np.stack([x, up, forward], axis=1)

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates (N, 2) and forward depth (N,) of world points; depth <= 0 is behind the camera."""
        cam = self._camera_coords(np.atleast_2d(points))
        depth = cam[:, 2]
        safe = np.where(depth > 1e-6, depth, 1e-6)
        f = self.focal_px
        u = self.width / 2 + f * cam[:, 0] / safe
        v = self.height / 2 - f * cam[:, 1] / safe
        return np.stack([u, v], axis=1), depth

    def scale_at(self, x_m: float, z_m: float) -> float:
        """Pixels per metre for an upright object standing at (x_m, z_m)."""
        _, depth = self.project(np.array([[x_m, 0.0, z_m]]))
        return float(self.focal_px / max(depth[0], 1e-6))

    def horizon_row(self) -> float:
        """Image row of the horizon (may lie above the image)."""
        return self.height / 2 - self.focal_px * math.tan(math.radians(self.pitch_deg))

    def nearest_visible_z(self, x_m: float = 0.0) -> float:
        """Distance along the road where the ground enters the bottom edge of the image."""
        below_axis = math.atan((self.height / 2) / self.focal_px)
        angle = math.radians(self.pitch_deg) + below_axis
        return self.height_m / math.tan(angle) if angle > 0 else 0.0

    def scaled(self, width: int, height: int) -> PoleCamera:
        """The same camera with a different sensor resolution (same field of view)."""
        return PoleCamera(width, height, self.hfov_deg, self.height_m, self.pitch_deg, self.x_m, self.yaw_deg)

