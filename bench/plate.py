"""Plate reading speed and accuracy: this project's reader against raw rapidocr, side by side.

On the 16 labelled CCPD-Base photos (../shared/data/dataset_ccpd_chinese_plates_base), each
plate is cut out tightly by its YOLO label box and given to
  - raw rapidocr, full pipeline (text detection + angle classifier + recognition), the baseline;
  - raw rapidocr, recognition only, greedy decoding (what "skip detection" alone buys);
  - PlateReader.read: recognition only, deskew, grammar-constrained decoding.
PlateReader.read_in on the whole photo with the label box (the pipeline's path) is timed too.
Each variant runs --rounds times over all plates, interleaved, after a warm-up; a plate's time is
its median over rounds and the reported figure is the median over plates.

    PYTHONPATH=. python bench/plate.py [--rounds 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from detection.plate import PlateReader, normalize_plate
from detection.plate.engine import DEFAULT_THREADS, OcrEngine

CCPD = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "dataset_ccpd_chinese_plates_base"


def load_samples() -> list[tuple[np.ndarray, tuple[float, float, float, float], str]]:
    """(photo, label box in pixels, plate text) for each labelled photo."""
    samples = []
    with open(CCPD / "plates.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            image = cv2.imread(str(CCPD / "images" / row["image"]))
            label = (CCPD / "labels" / (Path(row["image"]).stem + ".txt")).read_text().split()
            cx, cy, bw, bh = (float(v) for v in label[1:])
            h, w = image.shape[:2]
            box = ((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h)
            samples.append((image, box, row["plate_text"]))
    return samples


def tight_crop(image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    return image[y1:y2, x1:x2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=DEFAULT_THREADS, help="onnxruntime intra-op threads for both; 0: all cores"
    )
    args = parser.parse_args()

    from rapidocr_onnxruntime import RapidOCR

    options = {"intra_op_num_threads": args.threads} if args.threads else {}
    raw = RapidOCR(**options)
    reader = PlateReader(engine=OcrEngine(threads=args.threads or None))
    samples = load_samples()
    crops = [tight_crop(image, box) for image, box, _ in samples]

    def raw_full(i: int) -> str | None:
        result, _ = raw(crops[i])
        return "".join(line[1] for line in result) if result else None

    def raw_recognition(i: int) -> str | None:
        result, _ = raw(crops[i], use_det=False, use_cls=False, use_rec=True)
        return result[0][0] if result else None

    def reader_read(i: int) -> str | None:
        reading = reader.read(crops[i])
        return reading.text if reading else None

    def reader_read_in(i: int) -> str | None:
        reading = reader.read_in(samples[i][0], samples[i][1])
        return reading.text if reading else None

    variants: dict[str, Callable[[int], str | None]] = {
        "rapidocr full pipeline (det+cls+rec)": raw_full,
        "rapidocr recognition only, greedy": raw_recognition,
        "PlateReader.read (this project)": reader_read,
        "PlateReader.read_in on the photo": reader_read_in,
    }
    for variant in variants.values():  # warm-up: model loading and first-run allocations
        variant(0)
    times = {name: [[] for _ in samples] for name in variants}
    texts: dict[str, list[str | None]] = {name: [None] * len(samples) for name in variants}
    for _ in range(args.rounds):
        for name, variant in variants.items():
            for i in range(len(samples)):
                start = time.perf_counter()
                texts[name][i] = variant(i)
                times[name][i].append(time.perf_counter() - start)

    truths = [truth for _, _, truth in samples]
    total = len(samples)
    print(
        f"CCPD-Base plates: {total}; rounds: {args.rounds}; threads: {args.threads or 'all'}; "
        f"cpus: {os.cpu_count()}; load average at end: {os.getloadavg()[0]:.2f}"
    )
    print(f"{'variant':40s} {'median ms':>10s} {'exact':>7s} {'exact*':>7s} {'valid':>6s}")
    medians = {}
    for name in variants:
        medians[name] = statistics.median(statistics.median(t) for t in times[name]) * 1000
        exact = sum(text == truth for text, truth in zip(texts[name], truths))
        # exact*: with the plate's separator dot dropped, the one liberty granted to raw output.
        loose = sum((text or "").replace("·", "") == truth for text, truth in zip(texts[name], truths))
        valid = sum(normalize_plate(text) is not None for text in texts[name])
        print(f"{name:40s} {medians[name]:10.1f} {exact:4d}/{total} {loose:4d}/{total} {valid:3d}/{total}")
    full, ours = "rapidocr full pipeline (det+cls+rec)", "PlateReader.read (this project)"
    print(f"speed-up of PlateReader.read over the rapidocr full pipeline: {medians[full] / medians[ours]:.2f}x")
    print("per plate (truth: full pipeline | PlateReader.read):")
    for i, truth in enumerate(truths):
        print(f"  {truth}: {texts[full][i]!s:14s} | {texts[ours][i]}")

if __name__ == "__main__":
    main()
