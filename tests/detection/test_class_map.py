"""Class map: YAML parsing, refusal of unknown classes and categories, lookups."""

from __future__ import annotations

import numpy as np
import pytest

from detection.class_map import ClassMap, ClassMapError

NAMES = {0: "person", 1: "bicycle", 2: "car", 3: "motorcycle", 7: "truck", 9: "license_plate"}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("car: e_four_wheeler\n", None),
        ("car: e_four_wheeler\nlicense_plate: plate\nperson: ignore\n", None),
        ("tricycle: e_tricycle\n", "'tricycle', which the model does not have"),
        ("car: e_four_wheeler\nrickshaw: e_tricycle\nbus: ignore\n", "'rickshaw', 'bus'"),
        ("car: four_wheeler\n", "unknown categories"),
        ("- car\n- truck\n", "flat mapping"),
        ("car: [e_four_wheeler]\n", "flat mapping"),
        ("car: e_four_wheeler: x\n", "not valid YAML"),
        ("{}\n", "empty"),
        ("", "flat mapping"),
    ],
)
def test_load(tmp_path, text, error):
    path = tmp_path / "class_map.yaml"
    path.write_text(text, encoding="utf-8")
    if error is None:
        assert isinstance(ClassMap.load(path, NAMES), ClassMap)
        return
    with pytest.raises(ClassMapError, match=error.replace("[", r"\[")) as info:
        ClassMap.load(path, NAMES)
    assert str(path) in str(info.value)


def test_unknown_class_message_lists_the_models_classes():
    with pytest.raises(ClassMapError) as info:
        ClassMap({"tricycle": "e_tricycle"}, NAMES)
    message = str(info.value)
    assert "'tricycle'" in message
    assert "person, bicycle, car, motorcycle, truck, license_plate" in message


def test_empty_map_is_refused():
    with pytest.raises(ClassMapError, match="empty"):
        ClassMap({}, NAMES)


@pytest.mark.parametrize(
    ("class_id", "category"),
    [(2, "e_four_wheeler"), (9, "plate"), (0, "ignore"), (3, "ignore"), (7, "fuel_tricycle"), (42, "ignore")],
)
def test_category_lookup(class_id, category):
    cmap = ClassMap({"car": "e_four_wheeler", "license_plate": "plate", "truck": "fuel_tricycle", "person": "ignore"},
                    NAMES)
    assert cmap.category(class_id) == category


def test_masks_pick_vehicles_and_plates():
    cmap = ClassMap({"car": "e_four_wheeler", "license_plate": "plate", "person": "ignore"}, NAMES)
    ids = np.array([0, 2, 9, 3, 2, 99, -1])
    assert cmap.vehicle_mask(ids).tolist() == [False, True, False, False, True, False, False]
    assert cmap.plate_mask(ids).tolist() == [False, False, True, False, False, False, False]
    # a distractor is a class the map lists as `ignore`; classes it leaves out (motorcycle 3) are merely ignored
    assert cmap.distractor_mask(ids).tolist() == [True, False, False, False, False, False, False]
    assert cmap.has_plate_class
    assert not ClassMap({"car": "e_four_wheeler"}, NAMES).has_plate_class


def test_real_model_names_are_checked(coco_detector):
    assert ClassMap({"car": "e_four_wheeler"}, coco_detector.names).category(2) == "e_four_wheeler"
    with pytest.raises(ClassMapError, match="'e_tricycle'.*the model's classes are: person, bicycle, car"):
        ClassMap({"e_tricycle": "e_tricycle"}, coco_detector.names)
