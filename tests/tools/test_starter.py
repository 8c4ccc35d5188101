"""The starter build's parts: label merging, the tricycle AP arithmetic, the head carried over from COCO."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.data import BUS_JPG, SHARED_DATA, require
from tools.starter.assemble import merge_labels, read_yolo_boxes
from tools.starter.classes import CLASS_ID, STARTER_CLASSES
from tools.starter.tricycle_ap import average_precision, match, pooled

COCO_PT = SHARED_DATA / "yolov8n_coco_pretrained_pt" / "yolov8n_coco.pt"
TRICYCLE = CLASS_ID["fuel_tricycle"]


def test_the_first_six_classes_are_the_demo_models():
    from tools.synth.scene import DEMO_CLASSES

    assert STARTER_CLASSES[:6] == tuple(DEMO_CLASSES)


def test_polygon_labels_become_their_bounding_box(tmp_path):
    label = tmp_path / "a.txt"
    label.write_text("0 0.5 0.5 0.2 0.4\n0 0.1 0.2 0.3 0.25 0.2 0.6\n")
    (_, box), (_, polygon) = read_yolo_boxes(label)
    assert box == pytest.approx([0.4, 0.3, 0.6, 0.7])
    assert polygon == pytest.approx([0.1, 0.2, 0.3, 0.6])


def test_pseudo_boxes_on_a_labelled_tricycle_are_dropped_others_kept():
    tricycle = np.array([0.1, 0.1, 0.5, 0.5])
    own = [(TRICYCLE, tricycle)]
    pseudo = [
        (CLASS_ID["car"], np.array([0.12, 0.1, 0.5, 0.52])),  # COCO's name for the tricycle itself
        (CLASS_ID["person"], np.array([0.2, 0.2, 0.3, 0.4])),  # its driver, inside it
        (CLASS_ID["car"], np.array([0.6, 0.6, 0.9, 0.9])),  # a real car elsewhere
    ]
    lines, dropped = merge_labels(own, pseudo)
    assert dropped == 2
    assert [int(line.split()[0]) for line in lines] == [TRICYCLE, CLASS_ID["car"]]


def test_without_tricycles_every_pseudo_box_is_kept():
    lines, dropped = merge_labels([], [(CLASS_ID["plate"], np.array([0.1, 0.1, 0.2, 0.15]))])
    assert dropped == 0 and len(lines) == 1


def test_a_box_seen_under_two_tricycle_classes_counts_once():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 11], [20, 20, 30, 30]], float)
    kept, scores = pooled(boxes, np.array([0.9, 0.8, 0.7]))
    assert scores.tolist() == [0.9, 0.7]
    assert kept.tolist() == [[0, 0, 10, 10], [20, 20, 30, 30]]


def test_each_labelled_box_is_hit_once_at_iou_half():
    truth = np.array([[0, 0, 10, 10]], float)
    boxes = np.array([[0, 0, 10, 10], [1, 0, 10, 10], [0, 0, 4, 4]], float)
    assert match(truth, boxes).tolist() == [True, False, False]


def test_average_precision_is_one_when_hits_outrank_misses_and_less_otherwise():
    assert average_precision(np.array([0.9, 0.8, 0.1]), np.array([True, True, False]), 2) == pytest.approx(1.0, abs=0.01)
    worse = average_precision(np.array([0.9, 0.8, 0.1]), np.array([False, True, True]), 2)
    assert 0.4 < worse < 0.8
    assert average_precision(np.array([0.9]), np.array([True]), 4) == pytest.approx(0.25, abs=0.02)


def test_the_start_model_keeps_cocos_answers_under_our_class_names():
    require(COCO_PT, BUS_JPG)
    from ultralytics import YOLO

    from tools.starter.head import starter_from_coco

    coco = YOLO(str(COCO_PT), task="detect").predict(str(BUS_JPG), conf=0.25, verbose=False)[0]
    start = starter_from_coco(str(COCO_PT))
    ours = start.predict(str(BUS_JPG), conf=0.25, verbose=False)[0]
    assert start.model.names == dict(enumerate(STARTER_CLASSES))
    carried = [i for i, c in enumerate(coco.boxes.cls) if coco.names[int(c)] in ("bus", "person")]
    assert len(carried) >= 4  # a bus and its passengers, classes the start model carries over
    assert sorted(ours.names[int(c)] for c in ours.boxes.cls) == sorted(
        coco.names[int(coco.boxes.cls[i])] for i in carried)
    assert np.allclose(np.sort(ours.boxes.conf.numpy()), np.sort(coco.boxes.conf.numpy()[carried]), atol=1e-3)
