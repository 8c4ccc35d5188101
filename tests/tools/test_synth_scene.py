"""Synthetic scenes: camera geometry, vehicle drawings, occlusion bookkeeping and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from tools.synth.camera import PoleCamera
from tools.synth.compose import Lighting
from tools.synth.dataset import LabelRules, scene_rng, yolo_labels
from tools.synth.road import RoadLayout, SceneStyle
from tools.synth.scene import DEMO_CLASSES, PlacedVehicle, SceneRenderer, Street, random_scene
from tools.synth.parts import FRONT, REAR
from tools.synth.vehicles import VEHICLE_KINDS, draw_vehicle, random_look

CAMERA = PoleCamera(640, 360, hfov_deg=50.0, height_m=6.0, pitch_deg=15.0)


def test_ground_at_the_nearest_visible_distance_lands_on_the_bottom_row():
    z = CAMERA.nearest_visible_z()
    (u, v), = CAMERA.project(np.array([[CAMERA.x_m, 0.0, z]]))[0]
    assert v == pytest.approx(CAMERA.height, abs=0.5)
    assert u == pytest.approx(CAMERA.width / 2, abs=0.5)


def test_things_shrink_with_distance_and_the_horizon_sits_above_the_axis():
    assert CAMERA.scale_at(0, 10) > 2 * CAMERA.scale_at(0, 25)
    far, _ = CAMERA.project(np.array([[0.0, 0.0, 1e6]]))
    assert far[0, 1] == pytest.approx(CAMERA.horizon_row(), abs=0.5)
    assert CAMERA.horizon_row() < CAMERA.height / 2


@pytest.mark.parametrize("kind", VEHICLE_KINDS)
@pytest.mark.parametrize("view", [FRONT, REAR])
def test_every_kind_draws_with_its_plate_where_the_plate_is_mounted(cjk_font, kind, view):
    look = random_look(np.random.default_rng(3), kind, view, plated=kind != "two_wheeler")
    sprite = draw_vehicle(look, 100.0, cjk_font)
    width, height = sprite.size
    assert width == pytest.approx((look.width_m + 0.1) * 100, rel=0.2)
    assert height == pytest.approx(look.height_m * 100, rel=0.15)
    assert sprite.image[-1, :, 3].any(), "the wheels stand on the bottom row"
    # Tricycles carry their plate at the rear only; cars and four-wheelers front and rear.
    expect_plate = kind in ("car", "e_four_wheeler") or (view == REAR and kind != "two_wheeler")
    assert (sprite.plate_box is not None) == expect_plate
    if sprite.plate_box is not None:
        x0, y0, x1, y1 = sprite.plate_box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        assert (x1 - x0) / (y1 - y0) == pytest.approx(440 / 140 if look.plate.style == "blue" else 480 / 140,
                                                       rel=0.12)


def test_campaign_plate_odds_most_tricycles_unplated_cars_plated():
    rng = np.random.default_rng(0)
    share = {kind: np.mean([random_look(rng, kind).plate is not None for _ in range(400)])
             for kind in VEHICLE_KINDS}
    assert share["car"] > 0.9
    assert share["e_tricycle"] < 0.3 and share["fuel_tricycle"] < 0.45 and share["e_four_wheeler"] < 0.35
    assert share["two_wheeler"] == 0


def _plain_street() -> Street:
    layout = RoadLayout(1, 1, 3.5)
    style = SceneStyle((200, 160, 120), (220, 220, 210), (90, 90, 90), (150, 150, 150), (70, 110, 80))
    return Street(CAMERA, layout, style, (), Lighting())


def test_a_nearer_vehicle_hides_the_one_behind_it(cjk_font):
    renderer = SceneRenderer(_plain_street(), np.random.default_rng(0), cjk_font)
    rng = np.random.default_rng(1)
    near = PlacedVehicle(1, random_look(rng, "car", REAR, plated=True), 1.75, 18.0)
    far = PlacedVehicle(2, random_look(rng, "e_tricycle", REAR, plated=True), 1.75, 21.0)
    _, truths = renderer.render([far, near], rng, with_effects=False)
    by_id = {truth.object_id: truth for truth in truths}
    assert by_id[1].visible == pytest.approx(1.0, abs=0.02)
    assert by_id[2].visible < 0.5
    assert by_id[2].plate_visible < 0.1, "the far tricycle's plate is behind the car"
    assert by_id[1].plate_visible == pytest.approx(1.0, abs=0.05)


def test_the_same_seed_gives_the_same_scene_and_another_seed_a_different_one(cjk_font):
    image_a, truths_a = random_scene(scene_rng(3, "train", 7), 320, 180, cjk_font)
    image_b, truths_b = random_scene(scene_rng(3, "train", 7), 320, 180, cjk_font)
    image_c, _ = random_scene(scene_rng(3, "val", 7), 320, 180, cjk_font)
    assert np.array_equal(image_a, image_b) and truths_a == truths_b
    assert not np.array_equal(image_a, image_c)


def test_labels_are_normalised_and_every_plate_sits_inside_a_labelled_vehicle(cjk_font):
    plates_seen = 0
    for index in range(12):
        _, truths = random_scene(scene_rng(21, "train", index), 640, 360, cjk_font)
        rows = [line.split() for line in yolo_labels(truths, 640, 360, LabelRules())]
        boxes = [(int(r[0]), *map(float, r[1:])) for r in rows]
        assert all(0 <= c < len(DEMO_CLASSES) for c, *_ in boxes)
        assert all(0 <= v <= 1 for _, *values in boxes for v in values)
        vehicles = [b for b in boxes if DEMO_CLASSES[b[0]] != "plate"]
        for cls, cx, cy, _, _ in boxes:
            if DEMO_CLASSES[cls] != "plate":
                continue
            plates_seen += 1
            assert any(abs(cx - vx) < vw / 2 and abs(cy - vy) < vh / 2 for _, vx, vy, vw, vh in vehicles)
    assert plates_seen > 0


def test_hidden_and_tiny_vehicles_get_no_label(cjk_font):
    renderer = SceneRenderer(_plain_street(), np.random.default_rng(0), cjk_font)
    rng = np.random.default_rng(2)
    near = PlacedVehicle(1, random_look(rng, "fuel_tricycle", REAR, plated=False), 1.75, 15.0)
    hidden = PlacedVehicle(2, random_look(rng, "two_wheeler", REAR), 1.75, 16.0)
    tiny = PlacedVehicle(3, random_look(rng, "car", REAR, plated=True), -1.75, 300.0)
    _, truths = renderer.render([near, hidden, tiny], rng, with_effects=False)
    lines = yolo_labels(truths, 640, 360, LabelRules())
    assert [DEMO_CLASSES[int(line.split()[0])] for line in lines] == ["fuel_tricycle"]
