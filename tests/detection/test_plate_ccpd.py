"""The plate reader on real CCPD photos (Hefei parking lots): detector boxes, crops, whole images.

Ground truth comes from the dataset itself: plates.csv (decoded from CCPD's file-name
annotation) and the YOLO labels for the boxes, the crops' character indices for the crops.
"""

from __future__ import annotations

import csv
import json
import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.plate import PlateReader, is_valid_plate
from tests.support.data import require

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CCPD = DATA / "dataset_ccpd_chinese_plates_base"
SAMPLES = DATA / "images_ccpd_official_samples"

# Character table of the crops' labels (char-annotations.yaml of ZhijuCen's CCPD remaster,
# where val_ocr_for_test.json comes from): 0 is padding.
CROP_LABEL_CHARS = (
    ["-"] + list("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") + list("皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新警学领使港澳")
)




@pytest.fixture(scope="module")
def reader() -> PlateReader:
    return PlateReader()


def labelled_photos() -> list[tuple[Path, Path, str]]:
    """(photo, YOLO label, plate text) for each CCPD-Base photo."""
    with open(require(CCPD / "plates.csv"), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        (CCPD / "images" / row["image"], CCPD / "labels" / (Path(row["image"]).stem + ".txt"), row["plate_text"])
        for row in rows
    ]


def yolo_box(label: Path, width: int, height: int) -> tuple[float, float, float, float]:
    _, cx, cy, bw, bh = (float(v) for v in label.read_text().split())
    return ((cx - bw / 2) * width, (cy - bh / 2) * height, (cx + bw / 2) * width, (cy + bh / 2) * height)


def labelled_crops() -> list[tuple[Path, str]]:
    meta = json.loads(require(CCPD / "plate_crops_ocr" / "val_ocr_for_test.json").read_text())
    return [
        (CCPD / "plate_crops_ocr" / Path(path).name, "".join(CROP_LABEL_CHARS[i] for i in labels if i))
        for path, labels in zip(meta["image_paths"], meta["char_labels"])
    ]


def report(results: list[tuple[str, str | None, float | None]]) -> int:
    exact = 0
    for truth, text, confidence in results:
        exact += text == truth
        print(f"{truth}  read {text}  confidence {confidence}  {'ok' if text == truth else 'WRONG'}")
    print(f"exact: {exact}/{len(results)}")
    return exact


def test_reads_ccpd_plates_in_detector_boxes(reader: PlateReader) -> None:
    results = []
    for photo, label, truth in labelled_photos():
        image = cv2.imread(str(photo))
        reading = reader.read_in(image, yolo_box(label, image.shape[1], image.shape[0]))
        results.append((truth, reading and reading.text, reading and reading.confidence))
    assert len(results) == 16
    assert report(results) >= 15


def test_reads_ccpd_plate_crops(reader: PlateReader) -> None:
    results = []
    for crop, truth in labelled_crops():
        reading = reader.read(cv2.imread(str(crop)))
        results.append((truth, reading and reading.text, reading and reading.confidence))
    assert len(results) == 16
    assert report(results) >= 15


def shear(plate: np.ndarray, slope: float) -> np.ndarray:
    """The plate as seen turned away from the camera: its row slopes, strokes stay upright."""
    height, width = plate.shape[:2]
    extra = int(abs(slope) * width) + 2
    canvas = cv2.copyMakeBorder(plate, extra, extra, 0, 0, cv2.BORDER_REPLICATE)
    matrix = np.float32([[1, 0, 0], [slope, 1, -slope * width / 2]])
    return cv2.warpAffine(canvas, matrix, (width, height + 2 * extra), borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("slope", [0.3, -0.3])
def test_reads_plates_seen_at_an_angle(reader: PlateReader, slope: float) -> None:
    results = []
    for crop, truth in labelled_crops():
        reading = reader.read(shear(cv2.imread(str(crop)), slope))
        results.append((truth, reading and reading.text, reading and reading.confidence))
    assert report(results) >= 15


@pytest.mark.parametrize("scale", [0.3])
def test_reads_small_plates(reader: PlateReader, scale: float) -> None:
    """Photos shrunk so plates are 40-100 px wide, as from a pole camera."""
    results = []
    for photo, label, truth in labelled_photos():
        image = cv2.imread(str(photo))
        box = yolo_box(label, image.shape[1], image.shape[0])
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        reading = reader.read_in(small, [v * scale for v in box])
        results.append((truth, reading and reading.text, reading and reading.confidence))
    assert report(results) >= 14


def box_iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union


def test_finds_and_reads_plates_in_whole_photos(reader: PlateReader) -> None:
    """No plate box given: text detection has to find the plate first."""
    results = []
    for photo, label, truth in labelled_photos():
        image = cv2.imread(str(photo))
        found = reader.find_and_read(image)
        if found is not None and box_iou(found[0], yolo_box(label, image.shape[1], image.shape[0])) > 0.3:
            results.append((truth, found[1].text, found[1].confidence))
        else:
            results.append((truth, None, None))
    assert report(results) >= 15


def test_finds_anhui_plates_in_official_samples(reader: PlateReader) -> None:
    """CCPD's own samples (unlabelled, all Hefei cars with blue plates) read as valid 皖 plates."""
    photos = sorted(require(SAMPLES / "with_plate").glob("*.jpg"))
    assert len(photos) == 5
    for photo in photos:
        found = reader.find_and_read(cv2.imread(str(photo)))
        print(photo.name, found)
        assert found is not None
        assert is_valid_plate(found[1].text) and found[1].text.startswith("皖")


def test_no_reading_on_cars_without_plates(reader: PlateReader) -> None:
    """CCPD-NP: new cars not yet plated (one has a dealer's sign where the plate goes)."""
    photos = sorted(require(SAMPLES / "no_plate").glob("*.jpg"))
    assert len(photos) == 6
    found = {photo.name: reader.find_and_read(cv2.imread(str(photo))) for photo in photos}
    print(found)
    assert all(reading is None for reading in found.values())


def test_no_reading_on_patches_that_are_not_plates(reader: PlateReader) -> None:
    rng = np.random.default_rng(7)
    photos = sorted(require(SAMPLES / "no_plate").glob("*.jpg"))
    readings = []
    for photo in photos:
        image = cv2.imread(str(photo))
        for _ in range(5):
            width = int(rng.integers(60, 300))
            height = int(width / rng.uniform(2.5, 4.0))
            x = int(rng.integers(0, image.shape[1] - width))
            y = int(rng.integers(0, image.shape[0] - height))
            readings.append(reader.read(image[y : y + height, x : x + width]))
    assert readings and all(reading is None for reading in readings)


@pytest.mark.parametrize(
    "image",
    [np.zeros((0, 0, 3), np.uint8), np.zeros((2, 50, 3), np.uint8), np.full((40, 140, 3), 127, np.uint8)],
    ids=["empty", "two-pixels-high", "flat-grey"],
)
def test_no_reading_on_degenerate_crops(reader: PlateReader, image: np.ndarray) -> None:
    assert reader.read(image) is None


def test_reader_survives_pickling(reader: PlateReader) -> None:
    """Pipeline checkpoints pickle their state; a reader in it must come back working."""
    photo, label, truth = labelled_photos()[0]
    image = cv2.imread(str(photo))
    copy = pickle.loads(pickle.dumps(reader))
    reading = copy.read_in(image, yolo_box(label, image.shape[1], image.shape[0]))
    assert reading is not None and reading.text == truth
