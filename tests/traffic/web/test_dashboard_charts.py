"""The dashboard's geometry: axis tops, heat levels, and a map frame whose tiles are the standard slippy-map tiles."""
from __future__ import annotations

import math

import pytest

from traffic.web.dashboard_charts import (
    LONE_SITE_ZOOM,
    MAP_HEIGHT,
    MAP_PADDING,
    MAP_WIDTH,
    heat_level,
    line_chart,
    map_frame,
    mercator,
    nice_ceiling,
)

DEMO_SITES = [(30.12, 120.34), (30.13, 120.33), (30.11, 120.31)]  # traffic/demo/city.yaml


@pytest.mark.parametrize(("value", "top"), [(0, 1), (0.3, 0.5), (1, 1), (3, 5), (7, 10), (10, 10), (11, 20),
                                            (120, 200), (499, 500), (501, 1000)])
def test_an_axis_top_is_the_next_1_2_or_5(value: float, top: float) -> None:
    assert nice_ceiling(value) == pytest.approx(top)


@pytest.mark.parametrize(("value", "level"), [(None, 0), (0, 0), (0.01, 1), (1, 1), (50, 3), (99, 5), (100, 5)])
def test_heat_levels_grow_with_the_value_and_nothing_is_level_0(value, level: int) -> None:
    assert heat_level(value, 100) == level
    assert heat_level(value, 0) == 0


def test_a_line_chart_puts_the_highest_value_at_its_top_and_none_at_the_bottom() -> None:
    chart = line_chart([0, None, 4, 2])
    assert chart.top == 5
    assert [value for value, _ in chart.ticks] == [0, 5]  # counts: no half-way tick at 2.5
    assert [value for value, _ in line_chart([0.5, 0.1]).ticks] == [0, 0.25, 0.5]
    bottom, top = (y for _, y in chart.ticks)
    assert chart.points[0][1] == chart.points[1][1] == bottom
    assert top < chart.points[2][1] < chart.points[3][1] < bottom
    assert [x for x, _ in chart.points] == sorted(x for x, _ in chart.points)


def test_web_mercator_matches_the_tile_scheme() -> None:
    assert mercator(0, 0, 0) == pytest.approx((128, 128))
    lat, lon, zoom = DEMO_SITES[0][0], DEMO_SITES[0][1], 15
    x, y = mercator(lat, lon, zoom)
    # The slippy-map tile of a point (OpenStreetMap's formula), as a city's tile server numbers them.
    n = 2 ** zoom
    tile_x = int((lon + 180) / 360 * n)
    tile_y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    assert (int(x // 256), int(y // 256)) == (tile_x, tile_y)


def test_the_frame_fits_every_site_at_the_highest_zoom_and_its_tiles_cover_it() -> None:
    frame = map_frame(DEMO_SITES)
    for lat, lon in DEMO_SITES:
        x, y = frame.project(lat, lon)
        assert frame.x + MAP_PADDING <= x <= frame.x + MAP_WIDTH - MAP_PADDING
        assert frame.y + MAP_PADDING <= y <= frame.y + MAP_HEIGHT - MAP_PADDING
    closer = [mercator(lat, lon, frame.zoom + 1) for lat, lon in DEMO_SITES]
    assert (max(x for x, _ in closer) - min(x for x, _ in closer) > MAP_WIDTH - 2 * MAP_PADDING
            or max(y for _, y in closer) - min(y for _, y in closer) > MAP_HEIGHT - 2 * MAP_PADDING)
    tiles = frame.tiles("https://tiles.example/{z}/{x}/{y}.png")
    assert min(t["x"] for t in tiles) <= frame.x and max(t["x"] + 256 for t in tiles) >= frame.x + MAP_WIDTH
    assert min(t["y"] for t in tiles) <= frame.y and max(t["y"] + 256 for t in tiles) >= frame.y + MAP_HEIGHT
    first = min(tiles, key=lambda t: (t["y"], t["x"]))
    assert first["href"] == f"https://tiles.example/{frame.zoom}/{first['x'] // 256}/{first['y'] // 256}.png"


def test_a_lone_site_is_shown_close_up_and_no_site_gives_no_map() -> None:
    assert map_frame([DEMO_SITES[0]]).zoom == LONE_SITE_ZOOM
    assert map_frame([DEMO_SITES[0], DEMO_SITES[0]]).zoom == LONE_SITE_ZOOM
    assert map_frame([]) is None
