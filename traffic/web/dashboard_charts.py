"""The dashboard's pictures as plain geometry for SVG templates: a line chart, heat levels and a map projection.

Drawn on the server so that the page needs no chart library, no script and nothing from the internet. The map uses
Web Mercator pixel coordinates at a zoom chosen to fit the sites, so that a city's own tile server (the optional
``map_tile_url`` setting) lines up beneath the points without any further arithmetic.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

TILE = 256
HEAT_LEVELS = 5
MAP_WIDTH, MAP_HEIGHT, MAP_PADDING = 720, 420, 40
MAX_ZOOM = 18
LONE_SITE_ZOOM = 15  # one site (or sites in one spot): close enough to see the street, if tiles are drawn


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k that is at least ``value`` (an axis top); 1 for nothing to show."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


CHART_MARGIN = 20  # room above and below the line for the point markers and the bottom axis label


def _y(height: int, top: float, value: float) -> float:
    return height - CHART_MARGIN - (height - 2 * CHART_MARGIN) * value / top


@dataclass(frozen=True)
class LineChart:
    """One series over evenly spaced buckets, in a ``width`` × ``height`` box with room for the axis labels."""

    width: int
    height: int
    left: int
    top: float
    points: tuple[tuple[float, float], ...]  # (x, y) per bucket, in the same order as the values
    counts: bool = False  # whole numbers: no "2.5" on the axis

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)

    @property
    def ticks(self) -> list[tuple[float, float]]:
        """(value, y) for the bottom, middle and top of the axis."""
        middle = () if self.counts and self.top % 2 else (self.top / 2,)
        return [(v, _y(self.height, self.top, v)) for v in (0, *middle, self.top)]


def line_chart(values: list[float | None], width: int = 720, height: int = 150, left: int = 56) -> LineChart:
    """A missing value (no camera coverage for a rate) is drawn as zero; the table beside the chart says "—"."""
    shown = [v or 0 for v in values]
    top = nice_ceiling(max(shown, default=0))
    step = (width - left - 10) / max(len(shown) - 1, 1)
    points = tuple((left + i * step, _y(height, top, v)) for i, v in enumerate(shown))
    return LineChart(width, height, left, top, points, counts=all(isinstance(v, int) for v in shown))


def heat_level(value: float | None, highest: float) -> int:
    """0 for nothing, else 1..HEAT_LEVELS in proportion to the highest cell (the number itself is always shown)."""
    if not value or highest <= 0:
        return 0
    return max(1, math.ceil(HEAT_LEVELS * value / highest))


def mercator(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates of a point at ``zoom`` (the tiles' own coordinates)."""
    scale = TILE * 2 ** zoom
    lat = max(min(lat, 85.0511), -85.0511)
    sin = math.sin(math.radians(lat))
    return (lon + 180) / 360 * scale, (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * scale


@dataclass(frozen=True)
class MapFrame:
    """The projected plane: a zoom, the view box in that zoom's pixels, and the tiles that cover it."""

    zoom: int
    x: float
    y: float
    width: int = MAP_WIDTH
    height: int = MAP_HEIGHT

    @property
    def view_box(self) -> str:
        return f"{self.x:.1f} {self.y:.1f} {self.width} {self.height}"

    def project(self, lat: float, lon: float) -> tuple[float, float]:
        return mercator(lat, lon, self.zoom)

    def tiles(self, template: str) -> list[dict]:
        """The tile images under the view box, from a URL template with {z}, {x} and {y}."""
        last = 2 ** self.zoom - 1
        columns = range(math.floor(self.x / TILE), math.floor((self.x + self.width) / TILE) + 1)
        rows = range(max(0, math.floor(self.y / TILE)), min(last, math.floor((self.y + self.height) / TILE)) + 1)
        return [{"x": tx * TILE, "y": ty * TILE, "size": TILE,
                 "href": template.replace("{z}", str(self.zoom)).replace("{x}", str(tx % (last + 1)))
                                 .replace("{y}", str(ty))}
                for ty in rows for tx in columns]


def map_frame(points: list[tuple[float, float]]) -> MapFrame | None:
    """The highest zoom at which every (lat, lon) fits the box with a margin, centred on them; None for none."""
    if not points:
        return None
    zoom = MAX_ZOOM
    while zoom > 0:
        xs, ys = zip(*(mercator(lat, lon, zoom) for lat, lon in points))
        if (max(xs) - min(xs) <= MAP_WIDTH - 2 * MAP_PADDING
                and max(ys) - min(ys) <= MAP_HEIGHT - 2 * MAP_PADDING):
            break
        zoom -= 1
    if len(set(points)) == 1:
        zoom = LONE_SITE_ZOOM
    xs, ys = zip(*(mercator(lat, lon, zoom) for lat, lon in points))
    return MapFrame(zoom, (max(xs) + min(xs) - MAP_WIDTH) / 2, (max(ys) + min(ys) - MAP_HEIGHT) / 2)


def site_radius(value: float | None, highest: float) -> float:
    """Area in proportion to the count: the eye reads a circle's area, not its radius."""
    if not value or highest <= 0:
        return 4.0
    return 4.0 + 16.0 * math.sqrt(value / highest)
