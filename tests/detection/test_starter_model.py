"""The shipped starter model: its class map, and that it finds real three-wheelers the demo model misses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detection.class_map import ClassMap
from detection.detector import Detector
from tests.support.data import SHARED_DATA, require

DEMO = Path(__file__).resolve().parents[2] / "traffic" / "demo"
STARTER = DEMO / "starter.pt"
AUTORICKSHAW_VAL = SHARED_DATA / "dataset_autorickshaw_iiith" / "images" / "val"


def test_one_class_map_serves_the_starter_and_the_demo_model():
    require(STARTER, DEMO / "demo_model.pt")
    for weights in (STARTER, DEMO / "demo_model.pt"):
        class_map = ClassMap.load(DEMO / "class_map.yaml", Detector(weights).names)
        assert class_map.has_plate_class
    starter = Detector(STARTER).names
    class_map = ClassMap.load(DEMO / "class_map.yaml", starter)
    by_name = {name: class_map.category(i) for i, name in starter.items()}
    assert by_name["fuel_tricycle"] == "fuel_tricycle" and by_name["e_four_wheeler"] == "e_four_wheeler"
    assert {by_name[n] for n in ("car", "two_wheeler", "bus", "truck", "person")} == {"ignore"}


def test_the_build_record_ships_with_the_weights():
    record = json.loads(require(DEMO / "starter_build.json").read_text())
    assert record["recipe"]["seed"] == 0
    assert record["training_set"]["images"]["autorickshaw"] == 236
    assert record["timings"]["train_s"] > 0


@pytest.mark.slow
def test_the_starter_finds_real_three_wheelers_that_the_demo_model_misses():
    require(STARTER, AUTORICKSHAW_VAL)
    from tools.starter.tricycle_ap import tricycle_ap50

    starter = tricycle_ap50(STARTER, imgsz=512)
    demo = tricycle_ap50(DEMO / "demo_model.pt", imgsz=416)
    print(starter, demo)
    assert starter["ap50"] >= STARTER_AP50_FLOOR
    # What it misses is mostly the small ones (COCO's "small": under 32 x 32 photo pixels)
    sizes = starter["by_size"]
    assert sizes["small"]["tricycles"] + sizes["medium_large"]["tricycles"] == starter["tricycles"]
    assert sizes["medium_large"]["ap50"] >= MEDIUM_LARGE_AP50_FLOOR > sizes["small"]["ap50"]
    # and most of the small ones stand in one crowded photo, which holds much of the gap
    crowded = starter["most_missed_photo"]
    assert crowded["small"] > sizes["small"]["tricycles"] / 2 and crowded["ap50_without_it"] > starter["ap50"]
    assert starter["recall"] >= 0.5 and demo["recall"] < 0.1


@pytest.mark.slow
def test_the_starter_sees_each_demo_vehicle_once_as_its_type():
    require(STARTER, DEMO / "demo.mp4", DEMO / "demo_truth.json")
    from tools.starter.evaluate import demo_footage

    card = demo_footage(STARTER)
    assert card["duplicates"] == 0 and card["unmatched_sightings"] == 0
    for name, scores in card["classes"].items():
        assert scores["precision"] >= 0.95 and scores["recall"] >= 0.95, (name, scores)


@pytest.mark.slow
def test_the_starter_keeps_the_coco_models_cars_on_a_real_street():
    from tools.starter.classes import JAKARTA_VIDEO
    from tools.starter.evaluate import COCO_FP32, REFERENCE, jakarta_car_recall

    require(STARTER, JAKARTA_VIDEO, COCO_FP32, REFERENCE)
    recall = jakarta_car_recall(STARTER)
    assert recall["difference"] >= -0.05, recall


@pytest.mark.slow
def test_the_starter_finds_chinese_plates_and_never_calls_an_unplated_car_plated():
    from tools.starter.classes import CCPD_BASE, CCPD_SAMPLES

    require(STARTER, CCPD_BASE / "images", CCPD_SAMPLES / "no_plate")
    from tools.starter.evaluate import ccpd_plates

    card = ccpd_plates(STARTER)
    assert card["plates_found"] >= 15 and card["plated_photos"] == 16, card
    assert card["unplated_called_plated"] == 0, card


# The shipped model's tricycle AP50 on the auto-rickshaw VAL split, less a margin for floating-point differences
# between machines (docs/starter-model.md gives the measured figure).
STARTER_AP50_FLOOR = 0.72  # measured 0.756
MEDIUM_LARGE_AP50_FLOOR = 0.85  # measured 0.873 (small ones: 0.242)
# False tricycle sightings on the Jakarta clip (it shows none), with a margin for those differences: measured 7.
FALSE_TRICYCLE_SIGHTINGS_CEILING = 9


@pytest.mark.slow
def test_on_a_street_without_tricycles_the_distractor_rule_cuts_false_tricycle_sightings():
    from tools.starter.classes import JAKARTA_VIDEO
    from tools.starter.evaluate import jakarta_false_sightings

    require(STARTER, JAKARTA_VIDEO)

    card = jakarta_false_sightings(STARTER)
    print(card)

    def tricycles(counts: dict) -> int:
        return counts.get("e_tricycle", 0) + counts.get("fuel_tricycle", 0)

    # every sighting on this clip is a car or a motorcycle taken for a restricted vehicle: a false record
    assert tricycles(card["sightings"]) <= FALSE_TRICYCLE_SIGHTINGS_CEILING
    assert tricycles(card["sightings"]) < tricycles(card["without_distractor_rule"])
