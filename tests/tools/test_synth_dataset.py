"""The YOLO dataset writer: layout ultralytics expects, label format, determinism."""

from __future__ import annotations

import os

import cv2
import pytest
import yaml

from tools.synth.dataset import write_dataset
from tools.synth.scene import DEMO_CLASSES


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, cjk_font):
    out = tmp_path_factory.mktemp("synth") / "ds"
    return write_dataset(out, train=6, val=3, seed=4, width=320, height=180, font_path=cjk_font, test=2)


def test_data_yaml_names_the_demo_classes_and_absolute_split_folders(dataset):
    data = yaml.safe_load(dataset.data_yaml.read_text())
    assert data["names"] == dict(enumerate(DEMO_CLASSES))
    assert os.path.isabs(data["path"])
    for split, count in (("train", 6), ("val", 3), ("test", 2)):
        images = sorted((dataset.data_yaml.parent / data[split]).glob("*.jpg"))
        labels = sorted((dataset.data_yaml.parent / "labels" / split).glob("*.txt"))
        assert len(images) == count == dataset.images[split]
        assert [p.stem for p in images] == [p.stem for p in labels]
        assert cv2.imread(str(images[0])).shape == (180, 320, 3)


def test_label_files_hold_yolo_rows_matching_the_summary(dataset):
    root = dataset.data_yaml.parent / "labels" / "train"
    counted = {}
    for label in root.glob("*.txt"):
        for row in label.read_text().splitlines():
            cls, *values = row.split()
            assert len(values) == 4 and all(0.0 <= float(v) <= 1.0 for v in values)
            counted[DEMO_CLASSES[int(cls)]] = counted.get(DEMO_CLASSES[int(cls)], 0) + 1
    assert counted == dict(dataset.boxes["train"])
    assert sum(counted.values()) > 6


def test_the_same_seed_writes_the_same_labels(tmp_path, dataset, cjk_font):
    again = write_dataset(tmp_path / "again", train=6, val=3, seed=4, width=320, height=180, font_path=cjk_font)
    for name in ("train_00000.txt", "train_00005.txt"):
        first = (dataset.data_yaml.parent / "labels" / "train" / name).read_text()
        assert (again.data_yaml.parent / "labels" / "train" / name).read_text() == first
    other = write_dataset(tmp_path / "other", train=2, val=0, seed=5, width=320, height=180, font_path=cjk_font)
    assert (other.data_yaml.parent / "labels" / "train" / "train_00000.txt").read_text() != (
        dataset.data_yaml.parent / "labels" / "train" / "train_00000.txt").read_text()
