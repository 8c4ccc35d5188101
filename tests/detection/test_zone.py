"""Zone: bottom-centre anchor, polygons, parsing, inertia."""

from __future__ import annotations

import numpy as np
import pytest

from detection.zone import Zone, ZoneError, ZoneInertia

FRAME = (1000, 500)  # width, height
LOWER_HALF = Zone((((0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0)),), inertia=3)


@pytest.mark.parametrize(
    ("box", "inside"),
    [
        ((100, 100, 200, 300), True),  # bottom-centre (150, 300) is in the lower half although most of the box is not
        ((100, 300, 200, 400), True),
        ((100, 100, 200, 240), False),  # box entirely above
        ((100, 200, 200, 249), False),  # bottom-centre just above the line
        ((0, 400, 1000, 500), True),  # cut by the image's bottom edge
        ((900, 300, 1000, 500), True),  # bottom-right corner of the image
    ],
)
def test_bottom_centre_anchor(box, inside):
    assert LOWER_HALF.contains(np.array([box], float), FRAME).tolist() == [inside]


def test_triangle_and_two_polygons():
    triangle = ((0.1, 0.1), (0.9, 0.1), (0.5, 0.9))
    corner = ((0.0, 0.9), (0.1, 0.9), (0.1, 1.0), (0.0, 1.0))
    zone = Zone((triangle, corner))
    boxes = np.array([[450, 0, 550, 250], [0, 100, 20, 250], [850, 0, 950, 100], [10, 460, 60, 480]], float)
    # centre column inside the triangle; left edge outside it; right top outside; the corner polygon catches the last
    assert zone.contains(boxes, FRAME).tolist() == [True, False, False, True]


@pytest.mark.parametrize(
    ("texts", "error"),
    [
        (["0,0;1,0;1,1"], None),
        (["0.2,0.5; 0.8,0.5; 0.9,1; 0.1,1", "0,0;0.1,0;0.1,0.1"], None),
        (["0,0;1,0"], "at least 3 points"),
        (["0,0;1,0;1,1.5"], "normalised"),
        (["0,0;1;1,1"], "each point is 'x,y'"),
        (["a,b;c,d;e,f"], "cannot read zone"),
        ([], "at least one polygon"),
    ],
)
def test_parse(texts, error):
    if error is None:
        assert len(Zone.parse(texts).polygons) == len(texts)
    else:
        with pytest.raises(ZoneError, match=error):
            Zone.parse(texts)


def test_inertia_must_be_positive():
    with pytest.raises(ZoneError, match="inertia"):
        Zone.whole_frame(inertia=0)


@pytest.mark.parametrize(
    ("sequence", "admitted_after"),
    [
        ([True, True, True], 3),
        ([True, True, False, True, True, True], 6),  # the run restarts when the box leaves
        ([True, False, True, False, True, False, True], None),  # flicker on the edge never counts
        ([False, False, True, True, True, False], 5),  # admitted stays once earned
        ([], None),
    ],
)
def test_inertia(sequence, admitted_after):
    inertia = ZoneInertia(LOWER_HALF)
    admitted_at = None
    for n, inside in enumerate(sequence, start=1):
        inertia.update([7], [inside])
        if admitted_at is None and inertia.admitted(7):
            admitted_at = n
    assert admitted_at == admitted_after
    inertia.forget(7)
    assert not inertia.admitted(7)


def test_inertia_is_per_track():
    inertia = ZoneInertia(LOWER_HALF)
    for _ in range(3):
        inertia.update([1, 2], [True, False])
    assert inertia.admitted(1) and not inertia.admitted(2)
